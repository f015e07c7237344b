import MiniLab
import Taxonomy

/// The ImageNet classes MiniLab simulates, and their WordNet hypernym paths.
///
/// The set mixes tight sibling groups (the paper's retrievers and colubrid snakes, poodles,
/// butterflies, watercraft) with far-away singletons, so that η's S1/S2 sets and the paper's
/// projection triples (poodles and submarine; butterflies and submarine) all exist. Only the
/// wnids are fixed here: the hierarchy is read from WordNet when a run starts.
public enum MiniLabClassSet {
    /// Dataset name recorded in the dumps of a run over ``wordNet40``.
    public static let wordNet40Dataset = "minilab-wordnet-40"

    /// The default 40 classes, in label order.
    public static let wordNet40: [String] = [
        // Retrievers (all five hyponyms of retriever, n02099029): the paper's η targets.
        "n02099267", "n02099429", "n02099601", "n02099712", "n02099849",
        // Colubrid snakes (n01727646): the paper's five and four more.
        "n01728572", "n01728920", "n01729322", "n01729977", "n01734418",
        "n01735189", "n01737021", "n01739381", "n01740131",
        // Poodles: the paper's projection pair (miniature, standard) and toy.
        "n02113624", "n02113712", "n02113799",
        // Butterflies: the paper's alternative pair (cabbage, sulphur) and relatives.
        "n02280649", "n02281406", "n02281787", "n02276258", "n02277742", "n02279972",
        // Watercraft, with the paper's submarine.
        "n04347754", "n03344393", "n03662601", "n03095699", "n03673027", "n04147183",
        "n02687172", "n03447447", "n04273569",
        // Distant singletons.
        "n02085620", "n02106662", "n01744401", "n02123045", "n01530575", "n04285008",
        "n02708093", "n07747607",
    ]

    /// Every root-to-class path of `wnid` through hypernyms and instance hypernyms, sorted.
    ///
    /// WordNet's noun graph is a DAG, so a class can have several paths (dogs reach the root both
    /// through *canine* and through *domestic animal*).
    public static func hypernymPaths(of wnid: String, in wordNet: WordNet) throws -> [[String]] {
        var memo: [String: [[String]]] = [:]
        func paths(_ id: String) throws -> [[String]] {
            if let known = memo[id] { return known }
            let parents = try wordNet.parents(of: id)
            let result = parents.isEmpty
                ? [[id]]
                : try parents.flatMap { try paths($0) }.map { $0 + [id] }
            memo[id] = result
            return result
        }
        return try paths(wnid).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The class tree of `wnids` (label order as given) with paths from `wordNet`.
    /// - Throws: `TaxonomyError` for a wnid WordNet does not know; `MiniLabError` for a repeated one.
    public static func classTree(_ wnids: [String] = wordNet40, wordNet: WordNet) throws -> ClassTree {
        var paths: [String: [[String]]] = [:]
        for wnid in wnids { paths[wnid] = try hypernymPaths(of: wnid, in: wordNet) }
        return try ClassTree(classes: wnids, paths: paths)
    }
}
