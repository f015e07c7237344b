import FeatureStore
import Analysis
import Taxonomy

/// What `eta` is asked to compute: splits, targets with their sets S1 and S2, the distance
/// normalisation, and an optional bootstrap.
public struct EtaRequest: Sendable {
    /// The splits, in column order (the paper's: train, val).
    public var splits: [String]
    /// Target items: preset names (`retrievers`, `snakes`), `all`, `under:NODE` (every class at or
    /// below a node of the hierarchy), or classes (wnid, lemma, index).
    public var targets: [String]
    /// Overrides S1 (for presets too); nil: the preset's S1, or ``defaultS1``.
    public var s1: SetRule?
    /// Overrides S2 (for presets too); nil: the preset's S2, or ``defaultS2``.
    public var s2: SetRule?
    /// What "normalised distance" means.
    public var normalization: DistanceNormalization
    /// Refuse or skip rows holding NaN/Inf (and all-zero rows under unit length).
    public var invalidRows: CentroidAccumulator.InvalidRowPolicy
    /// Bootstrap replicates; nil for no intervals.
    public var bootstrapReplicates: Int?
    /// The bootstrap's seed.
    public var seed: UInt64
    /// The intervals' coverage.
    public var level: Double
    /// Paired resampling: a sample gets the same bootstrap weight in T1 and T2 (matched by
    /// sample_index, or by its ordinal within its class when the dumps store none). Off by default:
    /// pairing assumes both dumps hold the same images, which the run checks but the user asserts.
    public var paired: Bool

    /// S1 for targets that are not in a preset: classes sharing a direct WordNet parent with the
    /// target (the five retrievers are siblings under retriever, n02099029).
    public static let defaultS1 = SetRule.siblings
    /// S2 for targets that are not in a preset: classes whose lowest common ancestor with the target
    /// is at depth ≤ 8, i.e. no deeper than vertebrate (entity 0 → physical entity → object → whole →
    /// living thing → organism → animal → chordate → vertebrate 8), which is where the retrievers and
    /// the snakes meet. For a retriever this keeps the snakes, birds, fish and every non-animal and
    /// drops every other mammal; for a snake it keeps the retrievers and drops the other reptiles.
    public static let defaultS2 = SetRule.lcaDepthAtMost(8)
    /// S2 outside presets when classes come from a hierarchy file (`--hierarchy`): classes that meet
    /// the target only at the root (for CUB-style files, another order). WordNet's depth 8 means
    /// nothing in a file whose leaves are at depth 4.
    public static let hierarchyFileDefaultS2 = SetRule.lcaDepthAtMost(0)
    /// The S2 of targets outside presets when ``s2`` is nil: ``defaultS2``, or
    /// ``hierarchyFileDefaultS2`` under a hierarchy file.
    public var fallbackS2 = EtaRequest.defaultS2

    /// A request with the defaults of the command line.
    public init(splits: [String] = ["train", "val"], targets: [String] = ["retrievers", "snakes"],
                s1: SetRule? = nil, s2: SetRule? = nil, normalization: DistanceNormalization = .default,
                invalidRows: CentroidAccumulator.InvalidRowPolicy = .refuse,
                bootstrapReplicates: Int? = nil, seed: UInt64 = 0, level: Double = 0.95, paired: Bool = false) {
        self.splits = splits
        self.targets = targets
        self.s1 = s1
        self.s2 = s2
        self.normalization = normalization
        self.invalidRows = invalidRows
        self.bootstrapReplicates = bootstrapReplicates
        self.seed = seed
        self.level = level
        self.paired = paired
    }

    /// Bytes the bootstrap may hold for replicate sums (both models, one replicate block): the
    /// replicates are formed in blocks that fit, each block one pass over each model's rows.
    public static let bootstrapSumBudget = 1 << 30
    /// Bytes the bootstrap may hold for the replicates' η (8 per replicate, per target and set, per
    /// split and T2 model at a time, plus a sorted copy of one interval's); more is refused before reading.
    public static let bootstrapEtaBudget = 512 << 20
    /// Bytes of feature rows the bootstrap stages before adding them to the replicate sums: more
    /// rows per class per product make the products faster.
    public static let bootstrapStagingBytes = 128 << 20
    /// Bytes the bootstrap may hold in all (sums, η, staged rows, the workers' weight blocks and
    /// Gram matrices; ``EtaReport/BootstrapPlan``), checked before any row is read. The centroid
    /// pass before it and the reader's buffers come on top (under 100 MiB).
    public static let bootstrapMemoryBudget = 1792 << 20

    /// Whether every class is a target (`--targets all`).
    public var isAllTargets: Bool { targets.contains("all") }

    /// How S1 was chosen, for the report.
    public var s1Description: String {
        s1.map { "\($0)" } ?? (usesPresets ? "preset: the other four classes of the target's family" + (hasPlainTargets ? "; others: \(Self.defaultS1)" : "") : "\(Self.defaultS1)")
    }

    /// How S2 was chosen, for the report.
    public var s2Description: String {
        s2.map { "\($0)" } ?? (usesPresets ? "preset: the five classes of the other family" + (hasPlainTargets ? "; others: \(fallbackS2)" : "") : "\(fallbackS2)")
    }

    private var usesPresets: Bool { targets.contains { item in SetPreset.all.contains { $0.name == item } } }
    private var hasPlainTargets: Bool { targets.contains { item in !SetPreset.all.contains { $0.name == item } } }
}

/// One resolved target: its class and the classes of S1 and S2 (either may be empty under `all`).
public struct EtaTarget: Sendable, Equatable {
    /// The target class π.
    public var target: Int
    /// The close set.
    public var s1: [Int]
    /// The far set.
    public var s2: [Int]
}

extension EtaRequest {
    /// `--targets under:NODE`: every class at or below NODE.
    public static let underPrefix = "under:"

    /// The targets with their sets, in request order (duplicates dropped). Outside `all`, an empty
    /// set is an error; under `all` it is kept and the target is reported as skipped.
    public func resolveTargets(in classes: ClassResolution) throws -> [EtaTarget] {
        var result: [EtaTarget] = []
        var seen = Set<Int>()
        func add(_ target: Int, presetS1: [Int]?, presetS2: [Int]?) throws {
            guard seen.insert(target).inserted else { return }
            let s1 = try s1.map { try classes.members(of: $0, target: target) } ?? presetS1
                ?? classes.members(of: Self.defaultS1, target: target)
            let s2 = try s2.map { try classes.members(of: $0, target: target) } ?? presetS2
                ?? classes.members(of: fallbackS2, target: target)
            if !isAllTargets {
                for (name, set) in [("S1", s1), ("S2", s2)] where set.isEmpty {
                    throw InputError(file: classes.file, object: "\(name) of target \(classes.id(target)) (\(classes.name(target)))",
                                     message: "is empty under rule '\(name == "S1" ? s1Description : s2Description)'",
                                     fix: "choose another --\(name.lowercased())")
                }
            }
            result.append(EtaTarget(target: target, s1: s1, s2: s2))
        }
        if isAllTargets {
            for k in 0..<classes.count { try add(k, presetS1: nil, presetS2: nil) }
            return result
        }
        for item in targets {
            if let preset = SetPreset.all.first(where: { $0.name == item }) {
                for entry in try classes.resolve(preset) { try add(entry.target, presetS1: entry.s1, presetS2: entry.s2) }
            } else if item.hasPrefix(Self.underPrefix) {
                let node = String(item.dropFirst(Self.underPrefix.count)).trimmingCharacters(in: .whitespaces)
                let members = try classes.classes(under: node)
                guard !members.isEmpty else {
                    throw InputError(file: classes.file, object: "--targets \(item)", message: "no class of the dump is at or below '\(node)'")
                }
                for k in members { try add(k, presetS1: nil, presetS2: nil) }
            } else {
                try add(try classes.index(of: item), presetS1: nil, presetS2: nil)
            }
        }
        guard !result.isEmpty else {
            throw InputError(file: "eta", object: "--targets", message: "no target given")
        }
        return result
    }
}
