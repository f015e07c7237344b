import Foundation
import Taxonomy
import Testing
import TestSupport

// Regressions found by Fuzz/ (FuzzWordNet): a corrupt data.noun must end in a TaxonomyError,
// never a trap, an endless loop or a stack overflow.
@Suite struct CorruptWordNetTests {
    /// Writes data.noun with synset lines at their true byte offsets (OFFSET is replaced).
    private func database(_ lines: [String], index: String = "thing n 1 0 1 0 00000024  \n") throws -> (String, WordNet) {
        let dir = try temporaryDirectory(prefix: "corrupt-wordnet")
        var text = "  1 licence header line\n"
        for line in lines {
            text += line.replacingOccurrences(of: "OFFSET", with: String(format: "%08d", text.utf8.count)) + "\n"
        }
        try text.write(toFile: dir + "/data.noun", atomically: true, encoding: .utf8)
        try index.write(toFile: dir + "/index.noun", atomically: true, encoding: .utf8)
        return (dir, try WordNet(directory: dir))
    }

    /// FuzzWordNet crash-3ed13e0a: word count "-2" trapped in `0..<wordCount`.
    @Test func negativeWordCountIsCorruptNotATrap() throws {
        let (dir, wn) = try database([
            "OFFSET 03 n 01 thing 0 000 | a root",
            "OFFSET 03 n -2 widget 0 000 | negative word count",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TaxonomyError.corrupt(path: dir + "/data.noun", line: 3, problem: "word count '-2' is not hexadecimal")) {
            try wn.synset("n00000062")
        }
    }

    @Test func negativePointerCountIsCorruptNotATrap() throws {
        let (dir, wn) = try database([
            "OFFSET 03 n 01 thing 0 000 | a root",
            "OFFSET 03 n 01 widget 0 -1 | negative pointer count",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TaxonomyError.self) { try wn.synset("n00000062") }
    }

    @Test func negativeCountsInIndexNounAreCorrupt() throws {
        let (dir, wn) = try database(["OFFSET 03 n 01 thing 0 000 | a root"],
                                     index: "thing n 7 -9 1 0 00000024  \n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TaxonomyError.self) { try wn.synsets(lemma: "thing") }
    }

    /// A synset that is its own hypernym (or a two-node loop): depth used to recurse until the
    /// stack overflowed and firstParentChain looped forever.
    @Test func hypernymLoopsAreReportedAsCycles() throws {
        let (dir, wn) = try database([
            "OFFSET 03 n 01 thing 0 001 @ 00000024 n 0000 | its own parent",
            "OFFSET 03 n 01 widget 0 001 @ 00000163 n 0000 | loops with the next line",
            "OFFSET 03 n 01 gadget 0 001 @ 00000088 n 0000 | loops with the previous line",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try wn.parents(of: "n00000024") == ["n00000024"])
        #expect(throws: TaxonomyError.cycle("n00000024", source: "hierarchy")) { try wn.depth(of: "n00000024") }
        #expect(throws: TaxonomyError.cycle("n00000024", source: "hierarchy")) { try wn.firstParentChain(of: "n00000024") }
        #expect(try wn.parents(of: "n00000088") == ["n00000163"])
        #expect(throws: TaxonomyError.self) { try wn.depth(of: "n00000088") }
        #expect(throws: TaxonomyError.self) { try wn.firstParentChain(of: "n00000088") }
        #expect(throws: TaxonomyError.self) { try wn.lowestCommonAncestors("n00000088", "n00000163") }
        // Ancestor sets are a breadth-first search and stay finite.
        #expect(try wn.ancestors(of: "n00000088") == ["n00000163"])
    }
}
