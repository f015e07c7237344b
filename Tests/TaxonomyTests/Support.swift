import Foundation
@testable import Taxonomy

/// The system WordNet, opened once for all tests (Debian's wordnet-base; CI installs it).
let systemWordNet: WordNet = {
    do { return try WordNet() } catch { fatalError("WordNet tests need wordnet-base: \(error)") }
}()

/// The names along the first-parent chain, for readable assertions.
func chainNames(_ wnid: String) throws -> [String] {
    try systemWordNet.firstParentChain(of: wnid).map { try systemWordNet.name(of: $0) }
}
