import Foundation
@testable import Taxonomy

/// The system WordNet, opened once for all tests (Debian's wordnet-base; CI installs it).
let systemWordNet: WordNet = {
    do { return try WordNet() } catch { fatalError("WordNet tests need wordnet-base: \(error)") }
}()

/// A fresh empty directory under the system temp folder.
func makeTemporaryDirectory() throws -> String {
    let path = (NSTemporaryDirectory() as NSString)
        .appendingPathComponent("taxonomy-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The names along the first-parent chain, for readable assertions.
func chainNames(_ wnid: String) throws -> [String] {
    try systemWordNet.firstParentChain(of: wnid).map { try systemWordNet.name(of: $0) }
}
