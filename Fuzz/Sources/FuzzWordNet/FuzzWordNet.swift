import Foundation
import Penultimate

/// One fuzz input per call: the bytes become `data.noun` beside a small `index.noun` (whose
/// lines are also cut from the input's tail), and every lookup the tools make is tried on the
/// offsets that appear in the input. Thrown ``TaxonomyError``s are fine; crashes and hangs are not.
let directory: String = {
    let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("penultimate-fuzz-wordnet-\(getpid())")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: directory) }
    return dir
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWordNet(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    // Inputs split at the first 0x00 byte: data.noun before it, index.noun after it; without
    // one, a fixed index.noun that points at the first synset lines.
    let data: Data, index: Data
    if let zero = bytes.firstIndex(of: 0) {
        data = bytes[..<zero]
        index = bytes[(zero + 1)...]
    } else {
        data = bytes
        index = Data("entity n 1 0 1 0 00001740  \ngolden_retriever n 1 1 @ 1 0 02099601  \n".utf8)
    }
    let dataPath = (directory as NSString).appendingPathComponent("data.noun")
    let indexPath = (directory as NSString).appendingPathComponent("index.noun")
    guard FileManager.default.createFile(atPath: dataPath, contents: data),
          FileManager.default.createFile(atPath: indexPath, contents: index) else { return 0 }
    exercise(data)
    return 0
}

func exercise(_ data: Data) {
    guard let wordnet = try? WordNet(directory: directory) else { return }
    // Ids to ask about: the offsets of the first lines, plus every 8-digit token in the input.
    var ids: [String] = []
    var offset = 0
    for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).prefix(16) {
        ids.append(WordNet.wnid(offset: offset))
        offset += line.count + 1
    }
    let text = String(decoding: data.prefix(4096), as: UTF8.self)
    for token in text.split(whereSeparator: { !$0.isNumber }).prefix(32) where token.count == 8 {
        ids.append("n" + token)
    }
    ids = Array(Set(ids)).sorted()
    for id in ids.prefix(12) {
        _ = wordnet.contains(id)
        _ = try? wordnet.synset(id)
        _ = try? wordnet.name(of: id)
        _ = try? wordnet.children(of: id)
        _ = try? wordnet.ancestors(of: id)
        _ = try? wordnet.depth(of: id)
        _ = try? wordnet.firstParentChain(of: id)
    }
    for (a, b) in zip(ids.prefix(6), ids.dropFirst().prefix(6)) {
        _ = try? wordnet.lowestCommonAncestors(a, b)
        _ = try? wordnet.lowestCommonAncestorDepth(a, b)
        _ = try? wordnet.pathDistance(a, b)
        _ = try? wordnet.areSiblings(a, b)
    }
    for lemma in ["entity", "golden retriever", "retriever", "dog"] { _ = try? wordnet.synsets(lemma: lemma) }
    _ = try? wordnet.validateAll()
}
