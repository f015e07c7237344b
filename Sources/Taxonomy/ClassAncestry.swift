import Foundation

/// Every class's ancestors (with their shortest distance up) and every ancestor's depth, computed
/// once per ``ClassLookup`` and held as small integers.
///
/// ``SetRule/members(of:in:)`` asks, for one target, a question about every other class; over
/// `--targets all` on ImageNet that is a million pairs, so walking the hierarchy per pair is
/// far too slow. Built on first use; safe to share between threads.
final class ClassAncestry: @unchecked Sendable {
    private let lock = NSLock()
    private var built = false
    /// Per class: (node number, shortest distance up) for each ancestor, the class itself included.
    private var up: [[(node: Int, distance: Int)]] = []
    /// Per class: its direct parents' node numbers.
    private var parents: [Set<Int>] = []
    /// Per node number: its depth (longest path to a root, as ``Hierarchy/depth(of:)`` `.max`).
    private var depth: [Int] = []
    /// Node number of every id met while building (classes and their ancestors).
    private var number: [String: Int] = [:]

    /// The classes other than `target` (and other than its duplicates) that `rule` keeps, ascending.
    /// `rule` must not be ``SetRule/explicit(_:)``.
    func members(of rule: SetRule, target: Int, ids: [String], hierarchy: any Hierarchy) throws -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        try build(ids: ids, hierarchy: hierarchy)
        var targetDistance = [Int](repeating: -1, count: depth.count)
        for (node, distance) in up[target] { targetDistance[node] = distance }
        // Named rules: the level's depth, or the named node's number (-1: no class is under it).
        var levelDepth = -1, namedNode = -1
        switch rule {
        case .sameAtLevel(let level), .notSameAtLevel(let level):
            levelDepth = try hierarchy.levelDepth(named: level, source: "set rule '\(rule)'")
        case .under(let name), .notUnder(let name):
            namedNode = number[try hierarchy.node(named: name, source: "set rule '\(rule)'")] ?? -1
        default: break
        }
        /// The ancestors of class `k` at depth `levelDepth` (one in a tree).
        func atLevel(_ k: Int) -> Set<Int> { Set(up[k].lazy.filter { self.depth[$0.node] == levelDepth }.map(\.node)) }
        let targetAtLevel = levelDepth >= 0 ? atLevel(target) : []
        var members: [Int] = []
        for k in ids.indices where k != target && ids[k] != ids[target] {
            let keep: Bool
            switch rule {
            case .siblings:
                keep = !parents[k].isDisjoint(with: parents[target])
            case .lcaDepthAtLeast(let n), .lcaDepthAtMost(let n):
                var deepest = -1
                for (node, _) in up[k] where targetDistance[node] >= 0 { deepest = max(deepest, depth[node]) }
                if deepest < 0 { keep = false }
                else if case .lcaDepthAtLeast = rule { keep = deepest >= n } else { keep = deepest <= n }
            case .pathAtMost(let n), .pathAtLeast(let n):
                var shortest = Int.max
                for (node, distance) in up[k] where targetDistance[node] >= 0 {
                    shortest = min(shortest, distance + targetDistance[node])
                }
                if shortest == Int.max { keep = false }
                else if case .pathAtMost = rule { keep = shortest <= n } else { keep = shortest >= n }
            case .sameAtLevel, .notSameAtLevel:
                // A class above the level (or the target) has no ancestor there: in neither set.
                let own = atLevel(k)
                if own.isEmpty || targetAtLevel.isEmpty { keep = false }
                else if case .sameAtLevel = rule { keep = !own.isDisjoint(with: targetAtLevel) }
                else { keep = own.isDisjoint(with: targetAtLevel) }
            case .under, .notUnder:
                let inside = namedNode >= 0 && up[k].contains { $0.node == namedNode }
                if case .under = rule { keep = inside } else { keep = !inside }
            case .explicit:
                keep = false
            }
            if keep { members.append(k) }
        }
        return members
    }

    private func build(ids: [String], hierarchy: any Hierarchy) throws {
        if built { return }
        up = []; parents = []; depth = []; number = [:]  // a build that threw may have left a part
        var depthMemo: [String: Depth] = [:]
        func node(_ id: String) throws -> Int {
            if let n = number[id] { return n }
            let n = number.count
            number[id] = n
            depth.append(try hierarchy.depth(of: id, memo: &depthMemo).max)
            return n
        }
        for id in ids {
            up.append(try hierarchy.ancestorDistances(of: id).map { (try node($0.key), $0.value) })
            parents.append(Set(try hierarchy.parents(of: id).map(node)))
        }
        built = true
    }
}
