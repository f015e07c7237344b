import FeatureStore
import Foundation
import Taxonomy

/// A dump's classes as η needs them: display names, and a ``ClassLookup`` that turns what a user
/// types (wnid, WordNet lemma, class index) into class indices.
///
/// The dump's own `/classes/wnid` wins. A dump with names only can still be used with explicit
/// lists of names or indices; WordNet rules and presets need wnids and say so.
public struct ClassResolution: Sendable {
    /// The classes as stored in the dump.
    public let classes: ClassList
    /// The lookup over WordNet (when the dump has wnids) or over the names alone.
    public let lookup: ClassLookup
    /// Whether the lookup is backed by WordNet.
    public let hasWordNet: Bool
    /// The file the classes came from (for messages).
    public let file: String
    /// Ancestors of every class, computed once (``members(of:target:)`` over all targets asks for them a million times).
    private let ancestry = AncestryCache()

    /// Resolves `classes` (read from `file`) against `wordNet`; `wordNet` is only consulted when
    /// the classes have wnids.
    public init(classes: ClassList, file: String, wordNet: @autoclosure () throws -> WordNet) throws {
        self.classes = classes
        self.file = file
        if let wnids = classes.wnids {
            lookup = try ClassLookup(ids: wnids, hierarchy: try wordNet())
            hasWordNet = true
        } else {
            let names = classes.names ?? []
            lookup = try ClassLookup(ids: names, hierarchy: FlatHierarchy(ids: names))
            hasWordNet = false
        }
    }

    /// The number of classes.
    public var count: Int { classes.count }

    /// The id reported for class `k`: its wnid, else its name.
    public func id(_ k: Int) -> String { classes.wnids?[k] ?? classes.names?[k] ?? String(k) }

    /// The display name of class `k`: the dump's name, else WordNet's first lemma, else the id.
    public func name(_ k: Int) -> String {
        if let names = classes.names { return names[k] }
        return (try? lookup.name(of: k)) ?? id(k)
    }

    /// The class index of `query` (wnid, lemma or index).
    public func index(of query: String) throws -> Int {
        try lookup.index(of: query)
    }

    /// The members of `rule` for `target`; throws when the rule needs WordNet and the dump has no wnids.
    public func members(of rule: SetRule, target: Int) throws -> [Int] {
        if case .explicit = rule {} else if !hasWordNet {
            throw EtaError(file: file, object: "/classes/wnid",
                           message: "missing, so the WordNet rule '\(rule)' cannot be applied",
                           fix: "give explicit class lists (names or indices) to --s1/--s2")
        }
        switch rule {
        case .explicit: return try rule.members(of: target, in: lookup)
        default: return try ancestry.members(of: rule, target: target, in: lookup)
        }
    }

    /// The preset's targets and sets as class indices; throws when the dump has no wnids.
    public func resolve(_ preset: SetPreset) throws -> [(target: Int, s1: [Int], s2: [Int])] {
        guard hasWordNet else {
            throw EtaError(file: file, object: "/classes/wnid",
                           message: "missing, so the preset '\(preset.name)' (given as wnids) cannot be applied",
                           fix: "give --targets, --s1 and --s2 as names or indices")
        }
        return try preset.resolved(in: lookup)
    }

    /// Throws unless `a` (from `fileA`) and `b` (from `fileB`) list the same classes in the same order.
    public static func requireSameClasses(_ a: ClassList, _ fileA: String, _ b: ClassList, _ fileB: String) throws {
        guard a.count == b.count else {
            throw EtaError(file: fileB, object: "/classes",
                           message: "has \(b.count) classes, but \(fileA) has \(a.count); both must describe the same classes")
        }
        for (label, listA, listB) in [("wnid", a.wnids, b.wnids), ("name", a.names, b.names)] {
            guard let listA, let listB else { continue }
            if let k = listA.indices.first(where: { listA[$0] != listB[$0] }) {
                throw EtaError(file: fileB, object: "/classes/\(label)",
                               message: "class \(k) is \(listB[k]), but in \(fileA) it is \(listA[k]); both must list the same classes in the same order")
            }
        }
        if (a.wnids == nil) != (b.wnids == nil), a.names == nil || b.names == nil {
            throw EtaError(file: fileB, object: "/classes",
                           message: "one of \(fileA) and \(fileB) lists wnids only and the other names only; cannot check they are the same classes")
        }
    }
}

/// ``SetRule/members(of:in:)`` for the WordNet rules, with every class's ancestors (and every
/// ancestor's depth) computed once and held as small integers: the same answers, but `--targets all`
/// over 1000 classes asks for 10⁶ pairs. Tests check it against ``SetRule`` itself.
final class AncestryCache: @unchecked Sendable {
    private var built = false
    /// Per class: (node number, shortest distance up) for each ancestor, the class itself included.
    private var up: [[(node: Int, distance: Int)]] = []
    /// Per class: its direct parents' node numbers.
    private var parents: [Set<Int>] = []
    /// Per node number: its depth (longest path to a root).
    private var depth: [Int] = []
    private let lock = NSLock()

    private func build(_ lookup: ClassLookup) throws {
        if built { return }
        var number: [String: Int] = [:]
        func id(_ node: String) throws -> Int {
            if let n = number[node] { return n }
            let n = number.count
            number[node] = n
            depth.append(try lookup.hierarchy.depth(of: node).max)
            return n
        }
        for classID in lookup.ids {
            up.append(try lookup.hierarchy.ancestorDistances(of: classID).map { (try id($0.key), $0.value) })
            parents.append(Set(try lookup.hierarchy.parents(of: classID).map(id)))
        }
        built = true
    }

    func members(of rule: SetRule, target: Int, in lookup: ClassLookup) throws -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        guard lookup.ids.indices.contains(target) else { throw TaxonomyError.indexOutOfRange(target, count: lookup.count) }
        try build(lookup)
        var targetDistance = [Int](repeating: -1, count: depth.count)
        for (node, distance) in up[target] { targetDistance[node] = distance }
        let targetID = lookup.ids[target]
        var members: [Int] = []
        for k in lookup.ids.indices where k != target && lookup.ids[k] != targetID {
            let keep: Bool
            switch rule {
            case .siblings:
                keep = !parents[k].isDisjoint(with: parents[target])
            case .lcaDepthAtLeast(let n), .lcaDepthAtMost(let n):
                var deepest = -1
                for (node, _) in up[k] where targetDistance[node] >= 0 { deepest = max(deepest, depth[node]) }
                if deepest < 0 { keep = false } else if case .lcaDepthAtLeast = rule { keep = deepest >= n } else { keep = deepest <= n }
            case .pathAtMost(let n), .pathAtLeast(let n):
                var shortest = Int.max
                for (node, distance) in up[k] where targetDistance[node] >= 0 { shortest = min(shortest, distance + targetDistance[node]) }
                if shortest == Int.max { keep = false } else if case .pathAtMost = rule { keep = shortest <= n } else { keep = shortest >= n }
            case .explicit:
                keep = false
            }
            if keep { members.append(k) }
        }
        return members
    }
}

/// Ids without structure: each is a root whose only name is itself (dumps with names but no wnids).
struct FlatHierarchy: Hierarchy {
    let known: Set<String>
    init(ids: [String]) { known = Set(ids) }
    func contains(_ id: String) -> Bool { known.contains(id) }
    func parents(of id: String) throws -> [String] {
        guard known.contains(id) else { throw TaxonomyError.unknownID(id, source: "class list") }
        return []
    }
    func name(of id: String) throws -> String { id }
    func aliases(of id: String) throws -> [String] { [id] }
}
