import Foundation

/// A directed acyclic "is-a" graph over string ids: WordNet's noun hypernyms, or a custom
/// parent–child file. Roots have no parents; a node may have several parents.
///
/// Conformers answer the four primitive questions; the graph algorithms (depth, ancestors,
/// lowest common ancestors, path distance) are written once, in the extension below.
public protocol Hierarchy: Sendable {
    /// Whether `id` names a node of the hierarchy.
    func contains(_ id: String) -> Bool
    /// The direct parents of `id` (empty for a root).
    func parents(of id: String) throws -> [String]
    /// A short human-readable name of `id` (for WordNet: the first lemma, underscores as spaces).
    func name(of id: String) throws -> String
    /// Every name a user may type to mean `id` (for WordNet: all lemmas of the synset).
    func aliases(of id: String) throws -> [String]
    /// The names of the depths from the root down (a file's `# levels:` line); nil when the
    /// hierarchy declares none (WordNet).
    var levelNames: [String]? { get }
    /// The nodes that `text` names: an id, else a name (for WordNet: a lemma; for a file: the id in
    /// any case, spaces or underscores). Several when the name is ambiguous, none when unknown.
    func nodeIDs(matching text: String) -> [String]
}

/// The shortest and longest path length from a node up to a root (a root has depth 0).
public struct Depth: Sendable, Hashable {
    /// Length of the shortest upward path to a root.
    public var min: Int
    /// Length of the longest upward path to a root.
    public var max: Int
}

extension Hierarchy {
    public var levelNames: [String]? { nil }

    public func nodeIDs(matching text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return contains(trimmed) ? [trimmed] : []
    }

    /// The one node `text` names (``nodeIDs(matching:)``); throws when it names none or several.
    public func node(named text: String, source: String) throws -> String {
        let found = nodeIDs(matching: text)
        switch found.count {
        case 1: return found[0]
        case 0: throw TaxonomyError.unknownNode(text.trimmingCharacters(in: .whitespaces), source: source)
        default: throw TaxonomyError.ambiguousName(text, candidates: found.sorted(), source: source)
        }
    }

    /// The depth of level `name` (a `# levels:` name, any case); throws when the hierarchy declares
    /// no levels or none of that name.
    public func levelDepth(named name: String, source: String) throws -> Int {
        guard let levels = levelNames else { throw TaxonomyError.unknownLevel(name, known: nil, source: source) }
        guard let depth = levels.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
            throw TaxonomyError.unknownLevel(name, known: levels, source: source)
        }
        return depth
    }

    /// Every ancestor of `id` with its shortest upward distance; `id` itself is included at 0.
    public func ancestorDistances(of id: String) throws -> [String: Int] {
        guard contains(id) else { throw TaxonomyError.unknownID(id, source: "hierarchy") }
        var distance = [id: 0]
        var frontier = [id]
        var level = 0
        while !frontier.isEmpty {
            level += 1
            var next: [String] = []
            for node in frontier {
                for parent in try parents(of: node) where distance[parent] == nil {
                    distance[parent] = level
                    next.append(parent)
                }
            }
            frontier = next
        }
        return distance
    }

    /// All proper ancestors of `id` (not `id` itself), through every parent.
    public func ancestors(of id: String) throws -> Set<String> {
        var all = Set(try ancestorDistances(of: id).keys)
        all.remove(id)
        return all
    }

    /// Shortest and longest path length from `id` up to a root.
    public func depth(of id: String) throws -> Depth {
        var memo: [String: Depth] = [:]
        return try depth(of: id, memo: &memo)
    }

    func depth(of id: String, memo: inout [String: Depth]) throws -> Depth {
        var visiting: Set<String> = []
        return try depth(of: id, memo: &memo, visiting: &visiting)
    }

    /// `visiting` holds the nodes on the current upward path: meeting one again is a loop, which
    /// a corrupt file can contain and which would otherwise recurse until the stack overflows.
    private func depth(of id: String, memo: inout [String: Depth], visiting: inout Set<String>) throws -> Depth {
        if let known = memo[id] { return known }
        guard contains(id) else { throw TaxonomyError.unknownID(id, source: "hierarchy") }
        guard visiting.insert(id).inserted else { throw TaxonomyError.cycle(id, source: "hierarchy") }
        defer { visiting.remove(id) }
        let ups = try parents(of: id)
        var result = Depth(min: 0, max: 0)
        if !ups.isEmpty {
            var lo = Int.max, hi = 0
            for parent in ups {
                let d = try depth(of: parent, memo: &memo, visiting: &visiting)
                lo = Swift.min(lo, d.min + 1)
                hi = Swift.max(hi, d.max + 1)
            }
            result = Depth(min: lo, max: hi)
        }
        memo[id] = result
        return result
    }

    /// One upward chain from `id` to a root, following the first parent at each step
    /// (WordNet lists the main hypernym first). Starts with `id`.
    public func firstParentChain(of id: String) throws -> [String] {
        guard contains(id) else { throw TaxonomyError.unknownID(id, source: "hierarchy") }
        var chain = [id]
        var seen: Set<String> = [id]
        while let parent = try parents(of: chain[chain.count - 1]).first {
            guard seen.insert(parent).inserted else { throw TaxonomyError.cycle(parent, source: "hierarchy") }
            chain.append(parent)
        }
        return chain
    }

    /// The deepest common ancestors of `a` and `b`, sorted by id.
    ///
    /// A node counts as its own ancestor, so the LCA of a node and its descendant is the node.
    /// "Deepest" means the greatest ``Depth/max`` (WordNet/NLTK convention); in a DAG several
    /// common ancestors can tie. Empty when the two share no root (custom forests).
    public func lowestCommonAncestors(_ a: String, _ b: String) throws -> [String] {
        let up1 = try ancestorDistances(of: a), up2 = try ancestorDistances(of: b)
        var best: [String] = []
        var bestDepth = -1
        var memo: [String: Depth] = [:]
        for node in up1.keys where up2[node] != nil {
            let d = try depth(of: node, memo: &memo).max
            if d > bestDepth { bestDepth = d; best = [node] } else if d == bestDepth { best.append(node) }
        }
        return best.sorted()
    }

    /// The ``Depth/max`` of the lowest common ancestors of `a` and `b`, or `nil` if they share none.
    public func lowestCommonAncestorDepth(_ a: String, _ b: String) throws -> Int? {
        guard let lca = try lowestCommonAncestors(a, b).first else { return nil }
        return try depth(of: lca).max
    }

    /// The number of edges on the shortest path from `a` up to a common ancestor and down to `b`,
    /// or `nil` if they share no ancestor. Zero when `a == b`.
    public func pathDistance(_ a: String, _ b: String) throws -> Int? {
        let up1 = try ancestorDistances(of: a), up2 = try ancestorDistances(of: b)
        var best: Int?
        for (node, d1) in up1 {
            if let d2 = up2[node] { best = Swift.min(best ?? Int.max, d1 + d2) }
        }
        return best
    }

    /// Whether `a` and `b` are different nodes with at least one direct parent in common.
    public func areSiblings(_ a: String, _ b: String) throws -> Bool {
        guard a != b else { return false }
        let pa = Set(try parents(of: a))
        return try parents(of: b).contains { pa.contains($0) }
    }
}

/// Canonical form of a typed name: trimmed, lowercased, spaces as underscores (WordNet's spelling).
func normalizedName(_ text: String) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    return String(trimmed.lowercased().map { $0 == " " ? "_" : $0 })
}
