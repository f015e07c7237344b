import Analysis
import FeatureStore

/// How pairs of classes are grouped in `eta pairs`: by how related the two classes are.
public enum PairGrouping: String, CaseIterable, Sendable {
    /// The depth of the lowest common ancestor (the root has depth 0; in a DAG the deepest common
    /// ancestor by longest path to the root, as the S1/S2 rules use). Larger is closer.
    case lcaDepth = "lca-depth"
    /// The fewest edges from one class up to a common ancestor and down to the other. Smaller is closer.
    case path

    /// A column title.
    public var title: String { self == .lcaDepth ? "LCA depth" : "path length" }
}

/// What `eta pairs` is asked to compute.
public struct PairsRequest: Sendable {
    /// The split whose centroids are compared.
    public var split: String
    /// The grouping of pairs.
    public var grouping: PairGrouping
    /// What "normalised distance" means (as in η).
    public var normalization: DistanceNormalization
    /// Refuse or skip rows holding NaN/Inf (and all-zero rows under unit length).
    public var invalidRows: CentroidAccumulator.InvalidRowPolicy
    /// Bootstrap replicates; nil for no intervals.
    public var bootstrapReplicates: Int?
    /// The bootstrap's seed.
    public var seed: UInt64
    /// The intervals' coverage.
    public var level: Double
    /// Paired resampling (needs sample_index and the same samples in both dumps).
    public var paired: Bool
    /// Whether the pair list is written: nil for the default (when the classes are at most ``defaultListLimit``).
    public var listPairs: Bool?

    /// The pair list is written by default up to this many classes (4950 pairs); above it (e.g.
    /// ImageNet's 1000 classes, 499 500 pairs, some 60 MB of JSON) only with `--pairs-list`.
    public static let defaultListLimit = 100

    /// A request with the command line's defaults.
    public init(split: String, grouping: PairGrouping = .lcaDepth, normalization: DistanceNormalization = .default,
                invalidRows: CentroidAccumulator.InvalidRowPolicy = .refuse, bootstrapReplicates: Int? = nil,
                seed: UInt64 = 0, level: Double = 0.95, paired: Bool = false, listPairs: Bool? = nil) {
        self.split = split
        self.grouping = grouping
        self.normalization = normalization
        self.invalidRows = invalidRows
        self.bootstrapReplicates = bootstrapReplicates
        self.seed = seed
        self.level = level
        self.paired = paired
        self.listPairs = listPairs
    }

    /// How the bootstrap will run for `classes` classes of length `dim` and `groups` groups at most.
    public struct Plan: Sendable, Equatable {
        /// Replicates formed per pass over the rows.
        public var blockReplicates: Int
        /// Passes over each model's rows.
        public var blocks: Int
        /// Bytes of replicate centroids held at once (both models).
        public var sumBytes: Int
        /// Bytes of replicate group means held (all replicates).
        public var groupBytes: Int
    }

    /// The bootstrap plan, or an error saying which bound it exceeds: replicate centroids of every
    /// class for both models within ``EtaRequest/bootstrapSumBudget`` per block (more replicates
    /// cost more passes, not memory), and 8 bytes per replicate per group within
    /// ``EtaRequest/bootstrapEtaBudget``. Per replicate only the group sums are kept: the
    /// C(C−1)/2 pair distances are formed and added on the fly.
    public static func plan(replicates: Int, classes: Int, dim: Int, groups: Int) throws -> Plan {
        let perReplicate = 2 * ReplicateSums.bytes(classes: classes, dim: dim, replicates: 1)
        guard perReplicate <= EtaRequest.bootstrapSumBudget else {
            throw InputError(file: "eta pairs", object: "--bootstrap",
                             message: "one replicate of \(classes) classes × \(dim) needs \(perReplicate >> 20) MiB of centroids for both models, over the \(EtaRequest.bootstrapSumBudget >> 20) MiB bound")
        }
        let groupBytes = groups * replicates * MemoryLayout<Double>.stride
        guard groupBytes <= EtaRequest.bootstrapEtaBudget else {
            throw InputError(file: "eta pairs", object: "--bootstrap \(replicates)",
                             message: "\(groups) groups × \(replicates) replicates need \(groupBytes >> 20) MiB, over the \(EtaRequest.bootstrapEtaBudget >> 20) MiB bound")
        }
        let block = max(1, min(replicates, EtaRequest.bootstrapSumBudget / perReplicate))
        return Plan(blockReplicates: block, blocks: (replicates + block - 1) / block, sumBytes: block * perReplicate,
                    groupBytes: groupBytes)
    }
}
