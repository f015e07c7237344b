/// Targets with their two comparison sets, as in the paper's η tables.
///
/// Our reading of Chandrasegaran et al. (ICML 2022), whose text does not spell the sets out:
/// for each target, S1 is the other four classes of its own family and S2 the five classes of the
/// other family (retrievers ↔ snakes). The retrievers are WordNet's hyponyms of retriever
/// (n02099029); the snakes are five children of colubrid snake (n01727646).
public struct SetPreset: Sendable, Equatable {
    /// One target and its sets, as wnids.
    public struct Entry: Sendable, Equatable {
        /// The target class.
        public let target: String
        /// The close set (same family, target excluded).
        public let s1: [String]
        /// The far set (the other family).
        public let s2: [String]
    }

    /// The preset's name on the command line.
    public let name: String
    /// The targets in table order.
    public let entries: [Entry]

    /// Flat-coated, curly-coated, golden, Labrador, Chesapeake Bay retriever.
    public static let retrieverWnids = ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849"]
    /// Thunder, ringneck, hognose, king, water snake.
    public static let snakeWnids = ["n01728572", "n01728920", "n01729322", "n01734418", "n01737021"]

    /// Targets: the five retrievers; S1: the other retrievers; S2: the five snakes.
    public static let retrievers = family(name: "retrievers", members: retrieverWnids, other: snakeWnids)
    /// Targets: the five snakes; S1: the other snakes; S2: the five retrievers.
    public static let snakes = family(name: "snakes", members: snakeWnids, other: retrieverWnids)
    /// Every preset, by name.
    public static let all = [retrievers, snakes]

    /// The preset called `name`.
    public static func named(_ name: String) throws -> SetPreset {
        guard let found = all.first(where: { $0.name == name }) else {
            throw TaxonomyError.unknownPreset(name, known: all.map(\.name))
        }
        return found
    }

    private static func family(name: String, members: [String], other: [String]) -> SetPreset {
        SetPreset(name: name, entries: members.map { target in
            Entry(target: target, s1: members.filter { $0 != target }, s2: other)
        })
    }

    /// The entries as class indices of `classes`; throws if a class is not in the dump.
    public func resolved(in classes: ClassLookup) throws -> [(target: Int, s1: [Int], s2: [Int])] {
        try entries.map { entry in
            (try classes.index(of: entry.target), try classes.indices(of: entry.s1).sorted(),
             try classes.indices(of: entry.s2).sorted())
        }
    }
}
