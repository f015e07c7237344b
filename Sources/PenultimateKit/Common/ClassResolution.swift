import FeatureStore
import Foundation
import Taxonomy

/// A dump's classes as η needs them: display names, and a ``ClassLookup`` that turns what a user
/// types (wnid, WordNet lemma, class index) into class indices.
///
/// The dump's own `/classes/wnid` wins. A dump with names only, or with wnids that WordNet does
/// not know (synthetic ids such as `n00001000`), can still be used with explicit lists of ids,
/// names or indices; WordNet rules and presets need every wnid in WordNet and say so.
public struct ClassResolution: Sendable {
    /// The classes as stored in the dump.
    public let classes: ClassList
    /// The lookup over WordNet (when every wnid is in it) or over the dump's ids and names alone.
    public let lookup: ClassLookup
    /// Whether the lookup is backed by WordNet.
    public let hasWordNet: Bool
    /// The dump's wnids that WordNet does not know (empty when it knows them all or there are none).
    public let unknownWnids: [String]
    /// The file the classes came from (for messages).
    public let file: String

    /// Resolves `classes` (read from `file`) against `wordNet`; `wordNet` is only consulted when
    /// the classes have wnids. Wnids unknown to WordNet fall back to a flat lookup over the
    /// dump's ids and names (no class is dropped); ``unknownWnids`` lists them.
    public init(classes: ClassList, file: String, wordNet: @autoclosure () throws -> WordNet) throws {
        self.classes = classes
        self.file = file
        if let wnids = classes.wnids {
            let wordNet = try wordNet()
            let unknown = wnids.filter { !wordNet.contains($0) }
            if unknown.isEmpty {
                lookup = try ClassLookup(ids: wnids, hierarchy: wordNet)
                hasWordNet = true
            } else {
                lookup = try ClassLookup(ids: wnids, hierarchy: FlatHierarchy(ids: wnids, names: classes.names))
                hasWordNet = false
            }
            unknownWnids = unknown
        } else {
            let names = classes.names ?? []
            lookup = try ClassLookup(ids: names, hierarchy: FlatHierarchy(ids: names, names: nil))
            hasWordNet = false
            unknownWnids = []
        }
    }

    /// Why WordNet cannot be used for these classes: the object at fault and the problem.
    private func withoutWordNet(_ what: String, fix: String) -> InputError {
        if unknownWnids.isEmpty {
            return InputError(file: file, object: "/classes/wnid", message: "missing, so \(what) cannot be applied", fix: fix)
        }
        let shown = unknownWnids.prefix(5).joined(separator: ", ") + (unknownWnids.count > 5 ? ", …" : "")
        return InputError(file: file, object: "/classes/wnid",
                          message: "\(unknownWnids.count) wnid(s) are not in WordNet (\(shown)), so \(what) cannot be applied",
                          fix: "give explicit class lists (ids, names or indices) to --targets/--s1/--s2, or a WordNet that knows these wnids (--wordnet)")
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
            throw withoutWordNet("the WordNet rule '\(rule)'", fix: "give explicit class lists (names or indices) to --s1/--s2")
        }
        return try rule.members(of: target, in: lookup)
    }

    /// The preset's targets and sets as class indices; throws when the dump has no wnids.
    public func resolve(_ preset: SetPreset) throws -> [(target: Int, s1: [Int], s2: [Int])] {
        guard hasWordNet else {
            throw withoutWordNet("the preset '\(preset.name)' (given as wnids)", fix: "give --targets, --s1 and --s2 as names or indices")
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

/// Ids without structure: each is a root named by the dump's name for it, else by itself (dumps
/// with names but no wnids, or with wnids WordNet does not know).
struct FlatHierarchy: Hierarchy {
    let nameByID: [String: String]
    init(ids: [String], names: [String]?) {
        var map: [String: String] = [:]
        for (k, id) in ids.enumerated() where map[id] == nil { map[id] = names.flatMap { k < $0.count ? $0[k] : nil } ?? id }
        nameByID = map
    }
    func contains(_ id: String) -> Bool { nameByID[id] != nil }
    func parents(of id: String) throws -> [String] {
        guard contains(id) else { throw TaxonomyError.unknownID(id, source: "class list") }
        return []
    }
    func name(of id: String) throws -> String { nameByID[id] ?? id }
    func aliases(of id: String) throws -> [String] { nameByID[id].map { $0 == id ? [id] : [id, $0] } ?? [id] }
}
