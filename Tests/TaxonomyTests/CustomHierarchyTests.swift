import Foundation
import Testing
@testable import Taxonomy
import TestSupport

@Suite struct CustomHierarchyTests {
    /// A slice of CUB-200: order → family → genus → species, plus one two-parent node.
    let text = """
    # CUB-200 excerpt: child<TAB>parent
    Aves
    Procellariiformes\tAves
    Passeriformes\tAves
    Diomedeidae\tProcellariiformes
    Phoebastria\tDiomedeidae
    001.Black_footed_Albatross\tPhoebastria
    002.Laysan_Albatross\tPhoebastria
    Icteridae\tPasseriformes
    Agelaius\tIcteridae
    010.Red_winged_Blackbird\tAgelaius

    Hybrid\tPhoebastria
    Hybrid\tAgelaius
    """

    @Test func readsFileAndAnswersGraphQuestions() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cub.tsv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let tree = try CustomHierarchy(contentsOf: path)
        #expect(tree.nodes.count == 11)
        #expect(Set(tree.leaves) == ["001.Black_footed_Albatross", "002.Laysan_Albatross", "010.Red_winged_Blackbird", "Hybrid"])
        #expect(try tree.parents(of: "Hybrid") == ["Phoebastria", "Agelaius"])
        #expect(try tree.depth(of: "001.Black_footed_Albatross") == Depth(min: 4, max: 4))
        #expect(try tree.depth(of: "Aves") == Depth(min: 0, max: 0))
        #expect(try tree.lowestCommonAncestors("001.Black_footed_Albatross", "002.Laysan_Albatross") == ["Phoebastria"])
        #expect(try tree.lowestCommonAncestors("001.Black_footed_Albatross", "010.Red_winged_Blackbird") == ["Aves"])
        #expect(try tree.pathDistance("001.Black_footed_Albatross", "010.Red_winged_Blackbird") == 8)
        #expect(try tree.pathDistance("Hybrid", "010.Red_winged_Blackbird") == 2)
        #expect(try tree.name(of: "002.Laysan_Albatross") == "002.Laysan Albatross")

        let classes = try ClassLookup(ids: ["001.Black_footed_Albatross", "002.Laysan_Albatross", "010.Red_winged_Blackbird", "Hybrid"], hierarchy: tree)
        #expect(try SetRule.siblings.members(of: 0, in: classes) == [1, 3])
        #expect(try SetRule.lcaDepthAtLeast(3).members(of: 0, in: classes) == [1, 3])
        #expect(try SetRule.pathAtLeast(8).members(of: 0, in: classes) == [2])
        #expect(try classes.index(of: "002.laysan albatross") == 1)
    }

    @Test func forestHasNoCommonAncestor() throws {
        let forest = try CustomHierarchy(text: "a\tr1\nb\tr2\n")
        #expect(try forest.lowestCommonAncestors("a", "b") == [])
        #expect(try forest.pathDistance("a", "b") == nil)
        let classes = try ClassLookup(ids: ["a", "b"], hierarchy: forest)
        #expect(try SetRule.pathAtLeast(0).members(of: 0, in: classes) == [])
    }

    @Test func badFiles() throws {
        #expect(throws: TaxonomyError.corrupt(path: "h", line: 2, problem: "expected 'child<TAB>parent' or a single root id")) {
            try CustomHierarchy(text: "# ok\na\tb\tc\n", source: "h")
        }
        #expect(throws: TaxonomyError.corrupt(path: "h", line: 1, problem: "'a' is its own parent")) {
            try CustomHierarchy(text: "a\ta\n", source: "h")
        }
        #expect(throws: TaxonomyError.corrupt(path: "h", line: 1, problem: "cycle through 'a'")) {
            try CustomHierarchy(text: "a\tb\nb\tc\nc\ta\n", source: "h")
        }
        #expect(throws: TaxonomyError.fileMissing(path: "/nonexistent/h.tsv")) {
            try CustomHierarchy(contentsOf: "/nonexistent/h.tsv")
        }
        #expect(throws: TaxonomyError.unknownID("zzz", source: "h")) {
            try CustomHierarchy(text: "a\tb\n", source: "h").parents(of: "zzz")
        }
    }
}
