import Foundation
import Testing
@testable import Taxonomy
import TestSupport

@Suite struct CustomHierarchyTests {
    /// A slice of CUB-200: class → order → family → genus → species.
    let text = """
    # CUB-200 excerpt: child<TAB>parent
    # levels: class order family genus species
    Aves
    Procellariiformes\tAves
    Passeriformes\tAves
    Diomedeidae\tProcellariiformes
    Phoebastria\tDiomedeidae
    001.Black_footed_Albatross\tPhoebastria
    002.Laysan_Albatross\tPhoebastria
    Icteridae Passeriformes
    Agelaius\tIcteridae
    010.Red_winged_Blackbird\tAgelaius

    Icterus\tIcteridae
    Baltimore Oriole\tIcterus
    """

    @Test func readsFileAndAnswersGraphQuestions() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cub.tsv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let tree = try CustomHierarchy(contentsOf: path)
        #expect(tree.nodes.count == 12)
        #expect(tree.root == "Aves")
        #expect(tree.levelNames == ["class", "order", "family", "genus", "species"])
        #expect(Set(tree.leaves) == ["001.Black_footed_Albatross", "002.Laysan_Albatross", "010.Red_winged_Blackbird", "Baltimore Oriole"])
        #expect(try tree.parents(of: "Icteridae") == ["Passeriformes"])  // the line without a TAB
        #expect(try tree.depth(of: "001.Black_footed_Albatross") == Depth(min: 4, max: 4))
        #expect(try tree.depth(of: "Aves") == Depth(min: 0, max: 0))
        #expect(tree.level(of: "Agelaius") == 3)
        #expect(try tree.lowestCommonAncestors("001.Black_footed_Albatross", "002.Laysan_Albatross") == ["Phoebastria"])
        #expect(try tree.lowestCommonAncestors("001.Black_footed_Albatross", "010.Red_winged_Blackbird") == ["Aves"])
        #expect(try tree.pathDistance("001.Black_footed_Albatross", "010.Red_winged_Blackbird") == 8)
        #expect(try tree.pathDistance("Baltimore Oriole", "010.Red_winged_Blackbird") == 4)
        #expect(try tree.name(of: "002.Laysan_Albatross") == "002.Laysan Albatross")
        #expect(tree.nodeIDs(matching: "baltimore_oriole") == ["Baltimore Oriole"])
        #expect(try tree.levelDepth(named: "Genus", source: "t") == 3)

        let ids = ["001.Black_footed_Albatross", "002.Laysan_Albatross", "010.Red_winged_Blackbird", "Baltimore Oriole"]
        let classes = try ClassLookup(ids: ids, hierarchy: tree)
        #expect(try SetRule.siblings.members(of: 0, in: classes) == [1])
        #expect(try SetRule.lcaDepthAtLeast(3).members(of: 0, in: classes) == [1])
        #expect(try SetRule.pathAtLeast(8).members(of: 0, in: classes) == [2, 3])
        #expect(try SetRule.sameAtLevel("genus").members(of: 0, in: classes) == [1])
        #expect(try SetRule.sameAtLevel("family").members(of: 2, in: classes) == [3])
        #expect(try SetRule.notSameAtLevel("order").members(of: 3, in: classes) == [0, 1])
        #expect(try SetRule.notSameAtLevel("genus").members(of: 3, in: classes) == [0, 1, 2])
        #expect(try SetRule.under("Icteridae").members(of: 0, in: classes) == [2, 3])
        #expect(try SetRule.notUnder("icteridae").members(of: 0, in: classes) == [1])
        #expect(try classes.indices(under: "Passeriformes") == [2, 3])
        #expect(try classes.index(of: "002.laysan albatross") == 1)
        #expect(throws: TaxonomyError.unknownLevel("tribe", known: ["class", "order", "family", "genus", "species"], source: "set rule 'same:tribe'")) {
            try SetRule.sameAtLevel("tribe").members(of: 0, in: classes)
        }
        #expect(throws: TaxonomyError.unknownNode("Corvidae", source: "set rule 'under:Corvidae'")) {
            try SetRule.under("Corvidae").members(of: 0, in: classes)
        }
    }

    /// A class that is itself an inner node: it is its own ancestor at its level, and above the
    /// level it has none, so it is in neither same: nor not-same: sets of that level.
    @Test func innerNodeClasses() throws {
        let tree = try CustomHierarchy(text: "# levels: root mid leaf\nr\nm1\tr\nm2\tr\na\tm1\nb\tm1\nc\tm2\n")
        let classes = try ClassLookup(ids: ["a", "b", "m1", "c"], hierarchy: tree)
        #expect(try SetRule.sameAtLevel("mid").members(of: 0, in: classes) == [1, 2])
        #expect(try SetRule.sameAtLevel("leaf").members(of: 0, in: classes) == [])
        #expect(try SetRule.notSameAtLevel("leaf").members(of: 0, in: classes) == [1, 3])
        #expect(try SetRule.under("m1").members(of: 3, in: classes) == [0, 1, 2])
    }

    @Test func badFiles() throws {
        func problem(_ text: String) -> String {
            do { _ = try CustomHierarchy(text: text, source: "h"); return "accepted" } catch { return "\(error)" }
        }
        #expect(problem("# ok\nr\na\tb\tc\n") == "h: line 3: expected 'child<TAB>parent' or a root id alone, found 3 tab-separated fields")
        #expect(problem("r\na\t\n") == "h: line 2: expected 'child<TAB>parent' or a root id alone, found 2 tab-separated fields (one empty)")
        #expect(problem("r\nCape May Warbler Setophaga\n") == "h: line 2: 4 words and no TAB: separate child and parent with a TAB when names hold spaces")
        #expect(problem("a\ta\n") == "h: line 1: 'a' is its own parent")
        #expect(problem("r\na\tb\nb\tc\nc\ta\n") == "h: line 2: cycle: a → b → c → a")
        #expect(problem("r\na\tr\nb\tr\na\tr\n") == "h: line 4: duplicate edge 'a' → 'r' (first on line 2)")
        #expect(problem("r\na\tr\nb\tr\na\tb\n") == "h: line 4: 'a' has a second parent 'b' (parent 'r' on line 2); a hierarchy file is a tree, one parent per node")
        #expect(problem("r\nr\n") == "h: line 2: root 'r' declared again (first on line 1)")
        #expect(problem("r\nr\tq\n") == "h: line 2: 'r' was declared a root on line 1 and now has parent 'q'")
        #expect(problem("a\tr1\nb\tr2\nc\tr3\n") == "h: line 2: 3 roots: 'r1' (line 1), 'r2' (line 2), 'r3' (line 3); a hierarchy needs one root: add a line 'ROOT' and put each of these under it")
        #expect(problem("") == "h: no nodes: the file is empty or holds only comments")
        #expect(problem("# only\n\n  \n") == "h: no nodes: the file is empty or holds only comments")
        #expect(problem("r\na\u{0}\tr\n") == "h: line 2: holds a NUL byte; a hierarchy file is plain text")
        #expect(problem("# levels: a b\n# levels: a b\nr\n") == "h: line 2: a second '# levels:' line (the first is line 1)")
        #expect(problem("# levels: a a\nr\n") == "h: line 1: level 'a' is named twice")
        #expect(problem("# levels:\nr\n") == "h: line 1: '# levels:' names no level")
        #expect(problem("# levels: top bottom\nr\nm\tr\nx\tm\n") == "h: line 4: 'x' is at depth 2 but '# levels:' (line 1) names 2 levels, depth 0 to 1")
        #expect(problem("# levels: top mid leaf\nr\nm\tr\nx\tm\ny\tr\n") == "h: line 5: leaf 'y' is at depth 1 (level 'mid'), not at the last level 'leaf': every leaf of a file with '# levels:' must be at the last level")
        // Windows line ends and surrounding blanks are accepted, and "\r\n" (one Character in
        // Swift) still ends a line: the duplicate is on line 3.
        #expect(problem("r\r\n a \t r \r\n") == "accepted")
        #expect(try CustomHierarchy(text: "r\r\n a \t r \r\n").nodes == ["r", "a"])
        #expect(problem("r\r\na\tr\r\na\tr\r\n") == "h: line 3: duplicate edge 'a' → 'r' (first on line 2)")
        #expect(problem("r\r\na\u{0}\tr\r\n") == "h: line 2: holds a NUL byte; a hierarchy file is plain text")
        // Every blank is trimmed and splits words alike (FuzzHierarchy: a lone form feed trapped).
        #expect(problem("#\n\u{0C}") == "h: no nodes: the file is empty or holds only comments")
        #expect(try CustomHierarchy(text: "r\n\u{0C}a\u{0B} r\u{A0}\n").nodes == ["r", "a"])
    }

    /// A chain deeper than ``CustomHierarchy/maxDepth`` is refused before any recursive question
    /// can overflow the stack; one at the limit answers them.
    @Test func depthLimit() throws {
        func chain(_ n: Int) -> String { "n0\n" + (1...n).map { "n\($0)\tn\($0 - 1)" }.joined(separator: "\n") }
        let ok = try CustomHierarchy(text: chain(CustomHierarchy.maxDepth))
        #expect(try ok.depth(of: "n\(CustomHierarchy.maxDepth)") == Depth(min: 1000, max: 1000))
        #expect(throws: TaxonomyError.hierarchyFile(path: "hierarchy", line: 1002, problem: "'n1001' is at depth 1001, deeper than the 1000 a hierarchy file may hold")) {
            try CustomHierarchy(text: chain(CustomHierarchy.maxDepth + 1))
        }
        #expect(throws: TaxonomyError.self) { try CustomHierarchy(text: chain(20_000)) }
    }

    @Test func fileErrors() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TaxonomyError.hierarchyFile(path: "/nonexistent/h.tsv", line: nil, problem: "file not found")) {
            try CustomHierarchy(contentsOf: "/nonexistent/h.tsv")
        }
        #expect(throws: TaxonomyError.hierarchyFile(path: dir, line: nil, problem: "cannot read the file (a directory, or no permission)")) {
            try CustomHierarchy(contentsOf: dir)
        }
        let latin1 = dir + "/latin1.txt"
        try (Data("r\nm\tr\n".utf8) + [0x43, 0x61, 0x66, 0xE9, 0x09, 0x6D, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        #expect(throws: TaxonomyError.hierarchyFile(path: latin1, line: 3, problem: "not UTF-8 text")) {
            try CustomHierarchy(contentsOf: latin1)
        }
        #expect(throws: TaxonomyError.unknownID("zzz", source: "h")) {
            try CustomHierarchy(text: "r\na\tr\n", source: "h").parents(of: "zzz")
        }
    }
}
