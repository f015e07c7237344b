import FeatureStore
import Foundation
import Taxonomy

/// A dump's classes as the tools need them: display names, and the one way what a user types
/// (class index, wnid or other id, name, WordNet lemma) becomes a class index. `eta` (targets and
/// sets) and `project` (`--classes`) both resolve through here, so the same text means the same
/// class in both.
///
/// ``index(of:)`` asks the dump's own list first (a decimal index, an id, or a name in
/// `/classes/name`, in any case and with spaces or underscores), then WordNet's lemmas of the
/// dump's wnids; a text that matches several classes is refused, never guessed. A dump with names
/// only, or with wnids that WordNet does not know (synthetic ids such as `n00001000`), or read
/// where WordNet cannot be opened, can still be used with explicit lists of ids, names or indices;
/// WordNet lemmas, rules and presets need every wnid in WordNet and say so.
public struct ClassResolution: Sendable {
    /// The classes as stored in the dump.
    public let classes: ClassList
    /// The lookup over WordNet (when every wnid is in it) or over the dump's ids and names alone.
    public let lookup: ClassLookup
    /// Whether the lookup is backed by a hierarchy: WordNet, or a hierarchy file (``customHierarchy``).
    public let hasWordNet: Bool
    /// The dump's wnids that WordNet does not know (empty when it knows them all or there are none).
    public let unknownWnids: [String]
    /// The file the classes came from (for messages).
    public let file: String
    /// The dump's own ids and names alone: asked before WordNet.
    let ownLookup: ClassLookup
    /// Why WordNet could not be opened for classes with wnids; thrown when something needs it.
    let wordNetFailure: (any Error)?

    /// Resolves `classes` (read from `file`) against `wordNet`: WordNet, or a hierarchy file
    /// (``CustomHierarchy``, from `--hierarchy`). WordNet is matched by the dump's wnids; wnids
    /// unknown to WordNet fall back to a flat lookup over the dump's ids and names (no class is
    /// dropped); ``unknownWnids`` lists them. When WordNet cannot be opened its error is kept and
    /// thrown by the first question that needs WordNet (a lemma, a rule, a preset): indices, ids and
    /// the dump's names resolve without it. A hierarchy file is matched strictly
    /// (``matchClasses(_:file:to:)``) and any problem with it is thrown here.
    public init(classes: ClassList, file: String, wordNet: @autoclosure () throws -> any Hierarchy) throws {
        self.classes = classes
        self.file = file
        let ownIDs = classes.wnids ?? classes.names ?? []
        let own = try ClassLookup(ids: ownIDs, hierarchy: FlatHierarchy(ids: ownIDs, names: classes.wnids == nil ? nil : classes.names))
        ownLookup = own
        var lookup = own, unknown: [String] = [], failure: (any Error)? = nil
        // A missing or corrupt WordNet is the user's to fix only if something needs it; a
        // hierarchy file the user named is always checked.
        var hierarchy: (any Hierarchy)?
        do { hierarchy = try wordNet() } catch let error as TaxonomyError where !error.isHierarchyFile { failure = error }
        var custom: CustomHierarchy?
        if let file = hierarchy as? CustomHierarchy {
            custom = file
            lookup = try ClassLookup(ids: try Self.matchClasses(classes, file: self.file, to: file), hierarchy: file)
        } else if let wnids = classes.wnids, let net = hierarchy {
            unknown = wnids.filter { !net.contains($0) }
            if unknown.isEmpty { lookup = try ClassLookup(ids: wnids, hierarchy: net) }
        } else if classes.wnids == nil {
            failure = nil  // no wnids: WordNet was never needed
        }
        self.lookup = lookup
        customHierarchy = custom
        hasWordNet = custom != nil || (classes.wnids != nil && failure == nil && unknown.isEmpty)
        unknownWnids = unknown
        wordNetFailure = failure
    }

    /// The hierarchy file the classes were matched to (`--hierarchy`), if any.
    public let customHierarchy: CustomHierarchy?

    /// The node of `hierarchy` for each class: by `/classes/wnid` when the dump has them and the
    /// file holds any of them (ids win; then every wnid must be a node), else by `/classes/name`
    /// (the node's id exactly, else in any case with spaces or underscores). A class found neither
    /// way is refused, naming it, the dump and the hierarchy file.
    public static func matchClasses(_ classes: ClassList, file: String, to hierarchy: CustomHierarchy) throws -> [String] {
        if let wnids = classes.wnids, wnids.contains(where: hierarchy.contains) {
            if let missing = wnids.enumerated().first(where: { !hierarchy.contains($0.element) }) {
                throw InputError(file: file, object: "/classes/wnid",
                                 message: "class \(missing.offset) '\(missing.element)' is not a node of the hierarchy \(hierarchy.source) (which holds other wnids of the dump)",
                                 fix: "add it to the hierarchy file, or give the hierarchy the dump was made for")
            }
            return wnids
        }
        guard let names = classes.names else {
            throw InputError(file: file, object: "/classes/wnid",
                             message: "class 0 '\(classes.wnids?.first ?? "")' is not a node of the hierarchy \(hierarchy.source), and the dump has no /classes/name to match by",
                             fix: "add the classes to the hierarchy file")
        }
        let matched = try names.enumerated().map { k, name in
            let found = hierarchy.nodeIDs(matching: name)
            guard found.count == 1 else {
                let object = classes.wnids == nil ? "/classes/name" : "/classes/wnid and /classes/name"
                if found.isEmpty {
                    throw InputError(file: file, object: object,
                                     message: "class \(k) '\(name)' is not a node of the hierarchy \(hierarchy.source)",
                                     fix: "add it to the hierarchy file, or give the hierarchy the dump was made for")
                }
                throw InputError(file: file, object: "/classes/name",
                                 message: "class \(k) '\(name)' matches several nodes of the hierarchy \(hierarchy.source): \(found.joined(separator: ", "))")
            }
            return found[0]
        }
        // Two classes on one node would be one class to every rule (and each other's duplicate).
        var first: [String: Int] = [:]
        for (k, node) in matched.enumerated() {
            if let j = first[node] {
                throw InputError(file: file, object: "/classes/name",
                                 message: "classes \(j) '\(names[j])' and \(k) '\(names[k])' match the same node '\(node)' of the hierarchy \(hierarchy.source)",
                                 fix: "give each class its own node")
            }
            first[node] = k
        }
        return matched
    }

    /// Why WordNet cannot be used for these classes: WordNet's own error when it could not be
    /// opened, else the object at fault and the problem.
    private func withoutWordNet(_ what: String, fix: String) -> any Error {
        if let wordNetFailure { return wordNetFailure }
        if unknownWnids.isEmpty {
            return InputError(file: file, object: "/classes/wnid", message: "missing, so \(what) cannot be applied", fix: fix)
        }
        return InputError(file: file, object: "/classes/wnid",
                          message: "\(unknownWnidsText), so \(what) cannot be applied",
                          fix: "give explicit class lists (ids, names or indices) to --targets/--s1/--s2, or a WordNet that knows these wnids (--wordnet)")
    }

    /// "N wnid(s) are not in WordNet (the first five, …)".
    private var unknownWnidsText: String {
        let shown = unknownWnids.prefix(5).joined(separator: ", ") + (unknownWnids.count > 5 ? ", …" : "")
        return "\(unknownWnids.count) wnid(s) are not in WordNet (\(shown))"
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

    /// The class index of `query`: the dump's own list first (index, id, name), then a WordNet lemma
    /// (when the dump lists wnids WordNet knows). Ambiguous names are refused with their candidates.
    public func index(of query: String) throws -> Int {
        do {
            return try ownLookup.index(of: query)
        } catch TaxonomyError.unknownName where classes.wnids != nil {
            guard hasWordNet else {
                let text = query.trimmingCharacters(in: .whitespaces)
                if let wordNetFailure { throw wordNetFailure }
                throw InputError(file: file, object: "/classes/wnid",
                                 message: "\"\(text)\" is not a class index, id or name of the dump, and WordNet names cannot be looked up: \(unknownWnidsText)",
                                 fix: "give a class index, wnid or name from /classes")
            }
            return try lookup.index(of: query)
        }
    }

    /// The classes at or below the node `name` names (`--targets under:NODE`), ascending; needs a hierarchy.
    public func classes(under name: String) throws -> [Int] {
        guard hasWordNet else {
            throw withoutWordNet("'under:\(name)'", fix: "give explicit class lists (names or indices) to --targets")
        }
        return try lookup.indices(under: name)
    }

    /// The members of `rule` for `target`; throws when the rule needs WordNet and the dump has no wnids.
    public func members(of rule: SetRule, target: Int) throws -> [Int] {
        if case .explicit = rule {} else if !hasWordNet {
            throw withoutWordNet("the WordNet rule '\(rule)'", fix: "give explicit class lists (names or indices) to --s1/--s2")
        }
        return try rule.members(of: target, in: lookup, index: index(of:))
    }

    /// The preset's targets and sets as class indices; throws when the dump has no wnids.
    public func resolve(_ preset: SetPreset) throws -> [(target: Int, s1: [Int], s2: [Int])] {
        if let customHierarchy {
            throw InputError(file: customHierarchy.source, object: "--targets \(preset.name)",
                             message: "is a preset of WordNet wnids (--targets defaults to retrievers,snakes), which a hierarchy file does not hold",
                             fix: "give --targets all, under:NODE or a class list, with rules such as --s1 same:LEVEL")
        }
        guard hasWordNet else {
            throw withoutWordNet("the preset '\(preset.name)' (given as wnids)", fix: "give --targets, --s1 and --s2 as names or indices")
        }
        return try preset.resolved(in: lookup)
    }

    /// Throws unless `a` (from `fileA`) and `b` (from `fileB`) list the same classes in the same order.
    public static func requireSameClasses(_ a: ClassList, _ fileA: String, _ b: ClassList, _ fileB: String) throws {
        try ClassList.requireSame(a, fileA, b, fileB)
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
