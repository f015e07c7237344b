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
            throw InputError(file: file, object: "/classes/wnid",
                             message: "missing, so the WordNet rule '\(rule)' cannot be applied",
                             fix: "give explicit class lists (names or indices) to --s1/--s2")
        }
        return try rule.members(of: target, in: lookup)
    }

    /// The preset's targets and sets as class indices; throws when the dump has no wnids.
    public func resolve(_ preset: SetPreset) throws -> [(target: Int, s1: [Int], s2: [Int])] {
        guard hasWordNet else {
            throw InputError(file: file, object: "/classes/wnid",
                             message: "missing, so the preset '\(preset.name)' (given as wnids) cannot be applied",
                             fix: "give --targets, --s1 and --s2 as names or indices")
        }
        return try preset.resolved(in: lookup)
    }

    /// Throws unless `a` (from `fileA`) and `b` (from `fileB`) list the same classes in the same order.
    public static func requireSameClasses(_ a: ClassList, _ fileA: String, _ b: ClassList, _ fileB: String) throws {
        guard a.count == b.count else {
            throw InputError(file: fileB, object: "/classes",
                             message: "has \(b.count) classes, but \(fileA) has \(a.count); both must describe the same classes")
        }
        for (label, listA, listB) in [("wnid", a.wnids, b.wnids), ("name", a.names, b.names)] {
            guard let listA, let listB else { continue }
            if let k = listA.indices.first(where: { listA[$0] != listB[$0] }) {
                throw InputError(file: fileB, object: "/classes/\(label)",
                                 message: "class \(k) is \(listB[k]), but in \(fileA) it is \(listA[k]); both must list the same classes in the same order")
            }
        }
        if (a.wnids == nil) != (b.wnids == nil), a.names == nil || b.names == nil {
            throw InputError(file: fileB, object: "/classes",
                             message: "one of \(fileA) and \(fileB) lists wnids only and the other names only; cannot check they are the same classes")
        }
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
