import Testing
@testable import Taxonomy

@Suite struct PairRelatednessTests {
    /// Every pair agrees with the Hierarchy queries one by one, on a DAG (a two-parent node) and a
    /// forest (pairs across trees share no ancestor: nil).
    @Test func agreesWithTheHierarchyQueries() throws {
        // Hierarchy files are trees with one root, so the DAG and the forest are built here.
        let tree = EdgeList([
            ("Procellariiformes", "Aves"), ("Passeriformes", "Aves"), ("Phoebastria", "Procellariiformes"),
            ("Albatross1", "Phoebastria"), ("Albatross2", "Phoebastria"), ("Agelaius", "Passeriformes"),
            ("Blackbird", "Agelaius"), ("Hybrid", "Phoebastria"), ("Hybrid", "Agelaius"), ("Fish", "Pisces"),
        ])
        let ids = ["Albatross1", "Albatross2", "Blackbird", "Hybrid", "Fish", "Agelaius"]
        let related = try PairRelatedness(ids: ids, hierarchy: tree)
        var p = 0
        for i in 0..<ids.count {
            for j in (i + 1)..<ids.count {
                #expect(related.lcaDepth[p] == (try tree.lowestCommonAncestorDepth(ids[i], ids[j])), "\(ids[i]) \(ids[j])")
                #expect(related.path[p] == (try tree.pathDistance(ids[i], ids[j])), "\(ids[i]) \(ids[j])")
                p += 1
            }
        }
        #expect(related.lcaDepth.count == 15)
        // By hand: Albatross1/Albatross2 meet at Phoebastria (depth 2), 2 edges apart; Albatross1/Fish
        // share nothing; Blackbird/Agelaius: Agelaius is its own ancestor (depth 2), 1 edge.
        #expect(related.lcaDepth[0] == 2 && related.path[0] == 2)
        #expect(related.lcaDepth[3] == nil && related.path[3] == nil)
        #expect(related.lcaDepth[PairIndex.of(2, 5, 6)] == 2 && related.path[PairIndex.of(2, 5, 6)] == 1)
        // Hybrid has two parents: with Blackbird its deepest common ancestor is Agelaius (depth 2).
        #expect(related.lcaDepth[PairIndex.of(2, 3, 6)] == 2 && related.path[PairIndex.of(2, 3, 6)] == 2)
    }

    /// WordNet: retrievers meet at retriever, poodles at poodle, a retriever and a snake at
    /// vertebrate (depth 8), as the S1/S2 rules read it.
    @Test func wordNetPairs() throws {
        let net = try WordNet()
        let ids = ["n02099601", "n02099849", "n01728572", "n02113712", "n02113799"]
        let related = try PairRelatedness(ids: ids, hierarchy: net)
        var p = 0
        for i in 0..<ids.count {
            for j in (i + 1)..<ids.count {
                #expect(related.lcaDepth[p] == (try net.lowestCommonAncestorDepth(ids[i], ids[j])))
                #expect(related.path[p] == (try net.pathDistance(ids[i], ids[j])))
                p += 1
            }
        }
        #expect(related.lcaDepth[PairIndex.of(0, 2, 5)] == 8)
        #expect(related.lcaDepth[PairIndex.of(3, 4, 5)]! > related.lcaDepth[PairIndex.of(0, 3, 5)]!)
    }

    @Test func unknownIDIsRefused() throws {
        let tree = try CustomHierarchy(text: "a\tr\n")
        #expect(throws: TaxonomyError.self) { try PairRelatedness(ids: ["a", "zzz"], hierarchy: tree) }
    }
}

/// Row-major pair positions, written out here rather than borrowed from Analysis.
enum PairIndex {
    static func of(_ i: Int, _ j: Int, _ n: Int) -> Int { i * (2 * n - i - 1) / 2 + (j - i - 1) }
}

/// A parent list as given (several parents and several roots allowed), for the graph questions
/// that hierarchy files, being trees, cannot pose.
private struct EdgeList: Hierarchy {
    let parentsByID: [String: [String]]
    init(_ edges: [(String, String)]) {
        var parents: [String: [String]] = [:]
        for (child, parent) in edges {
            parents[child, default: []].append(parent)
            if parents[parent] == nil { parents[parent] = [] }
        }
        parentsByID = parents
    }
    func contains(_ id: String) -> Bool { parentsByID[id] != nil }
    func parents(of id: String) throws -> [String] {
        guard let found = parentsByID[id] else { throw TaxonomyError.unknownID(id, source: "edges") }
        return found
    }
    func name(of id: String) throws -> String { id }
    func aliases(of id: String) throws -> [String] { [id] }
}
