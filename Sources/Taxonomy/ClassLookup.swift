import Foundation

/// A dump's class list (ids in class-index order) seen through a ``Hierarchy``: resolves what a
/// user types (a wnid or other id, a lemma as WordNet spells it, or a class index) to a class index.
///
/// The dump's own list always wins; fall back to ``ImageNet1k/wnids`` only when the dump has none.
public struct ClassLookup: Sendable {
    /// The class ids (wnids for WordNet), index k = class k.
    public let ids: [String]
    /// The hierarchy the ids live in.
    public let hierarchy: any Hierarchy
    private let indexByID: [String: Int]
    private let indicesByName: [String: [Int]]
    /// Ancestors of every class, built on the first set-rule question and shared by copies.
    let ancestry = ClassAncestry()

    /// Checks that every id is a node of `hierarchy` and indexes their names.
    public init(ids: [String], hierarchy: any Hierarchy) throws {
        self.ids = ids
        self.hierarchy = hierarchy
        var byID: [String: Int] = [:]
        var byName: [String: [Int]] = [:]
        for (index, id) in ids.enumerated() {
            if byID[id] == nil { byID[id] = index }
            for alias in try hierarchy.aliases(of: id) {
                let key = normalizedName(alias)
                if byName[key]?.last != index { byName[key, default: []].append(index) }
            }
        }
        indexByID = byID
        indicesByName = byName
    }

    /// The number of classes.
    public var count: Int { ids.count }

    /// The class index for `query`: a decimal index, an id in the list, or a name (any alias,
    /// spaces or underscores, any case). Throws when the name matches several classes
    /// (e.g. "crane": a bird and a machine), listing their ids.
    public func index(of query: String) throws -> Int {
        let text = query.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let index = Int(text) {
            guard index < ids.count else { throw TaxonomyError.indexOutOfRange(index, count: ids.count) }
            return index
        }
        if let index = indexByID[text] { return index }
        if hierarchy.contains(text) {
            throw TaxonomyError.notInClassList(text, name: try? hierarchy.name(of: text))
        }
        let matches = indicesByName[normalizedName(text)] ?? []
        switch matches.count {
        case 0: throw TaxonomyError.unknownName(text, source: "class list")
        case 1: return matches[0]
        default:
            let candidates = try matches.map { "\(ids[$0]) (\(try hierarchy.name(of: ids[$0])), index \($0))" }
            throw TaxonomyError.ambiguousName(text, candidates: candidates, source: "class list")
        }
    }

    /// The classes at or below the node `name` names (an id, or a name as
    /// ``Hierarchy/nodeIDs(matching:)`` reads it), ascending: `--targets under:Icteridae`.
    public func indices(under name: String) throws -> [Int] {
        let node = try hierarchy.node(named: name, source: "under:\(name)")
        return try ids.indices.filter { try hierarchy.ancestorDistances(of: ids[$0])[node] != nil }
    }

    /// ``index(of:)`` for each query, in order.
    public func indices(of queries: [String]) throws -> [Int] { try queries.map { try index(of: $0) } }

    /// A display label for class `index`: the hierarchy's name.
    public func name(of index: Int) throws -> String {
        guard ids.indices.contains(index) else { throw TaxonomyError.indexOutOfRange(index, count: ids.count) }
        return try hierarchy.name(of: ids[index])
    }
}
