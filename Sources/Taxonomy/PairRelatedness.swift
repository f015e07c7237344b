/// How related two classes are, for every pair of a class list: the depth of their lowest common
/// ancestor and the length of the shortest path between them, by the ``Hierarchy`` definitions
/// (``Hierarchy/lowestCommonAncestorDepth(_:_:)``: the greatest ``Depth/max`` over common
/// ancestors, a node counting as its own ancestor; ``Hierarchy/pathDistance(_:_:)``: the fewest
/// edges up to a common ancestor and down). Nil where the two share no ancestor (a custom forest).
///
/// Computed once per class (its ancestors with distances) and once per ancestor (its depth), then
/// per pair by intersecting two small ancestor maps, so the 499 500 pairs of 1000 classes take
/// seconds, not the minutes that one ``Hierarchy`` query per pair would.
public struct PairRelatedness: Sendable, Equatable {
    /// LCA depth per pair (row-major order over the ids: (0,1), (0,2), …, (1,2), …).
    public var lcaDepth: [Int?]
    /// Path length per pair, same order.
    public var path: [Int?]

    /// The relatedness of every pair of `ids` (distinct ids, each in `hierarchy`).
    public init(ids: [String], hierarchy: any Hierarchy) throws {
        var memo: [String: Depth] = [:]
        let ancestors = try ids.map { id -> [(node: String, distance: Int, depth: Int)] in
            try hierarchy.ancestorDistances(of: id).map { ($0.key, $0.value, try hierarchy.depth(of: $0.key, memo: &memo).max) }
        }
        let maps = ancestors.map { list in Dictionary(uniqueKeysWithValues: list.map { ($0.node, $0.distance) }) }
        let n = ids.count
        var lca: [Int?] = [], path: [Int?] = []
        lca.reserveCapacity(n * (n - 1) / 2)
        path.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                var deepest: Int?, shortest: Int?
                for entry in ancestors[i] {
                    guard let other = maps[j][entry.node] else { continue }
                    deepest = Swift.max(deepest ?? Int.min, entry.depth)
                    shortest = Swift.min(shortest ?? Int.max, entry.distance + other)
                }
                lca.append(deepest)
                path.append(shortest)
            }
        }
        lcaDepth = lca
        self.path = path
    }
}
