import FeatureStore
import Analysis
import Foundation
import Taxonomy
import ToolSupport

/// η of one target on one split for one pair of models.
public struct EtaRow: Sendable, Equatable {
    /// The target class index.
    public var target: Int
    /// The target's wnid (or name when the dump has no wnids).
    public var targetID: String
    /// The target's display name.
    public var targetName: String
    /// The split.
    public var split: String
    /// Index into ``EtaReport/t2`` of the T2 model (0 unless a sweep).
    public var model2: Int
    /// η(T1, T2; π, S1) as a fraction.
    public var etaS1: Double
    /// η(T1, T2; π, S2) as a fraction.
    public var etaS2: Double
    /// Bootstrap interval of η(S1) (fractions), when asked.
    public var ciS1: ClosedRange<Double>?
    /// Bootstrap interval of η(S2) (fractions), when asked.
    public var ciS2: ClosedRange<Double>?
    /// The members of S1.
    public var s1: [Int]
    /// The members of S2.
    public var s2: [Int]
    /// Systematic diffusion: η(S1) < 0 and η(S2) > 0.
    public var diffusion: Bool { DiffusionIndex.isSystematicDiffusion(etaS1: etaS1, etaS2: etaS2) }
}

/// A model as the report names it.
public struct EtaModel: Sendable, Equatable {
    /// The input paths, joined.
    public var path: String
    /// Its attributes.
    public var description: ModelDescription
}

/// The η table: every requested target × split (× T2 in a sweep), with the conventions used.
public struct EtaReport: Sendable {
    /// The model distilled at the lower temperature.
    public var t1: EtaModel
    /// The model(s) at the higher temperature (several in a sweep).
    public var t2: [EtaModel]
    /// What was asked.
    public var request: EtaRequest
    /// The rows, by split, then T2 model, then target order.
    public var rows: [EtaRow]
    /// Targets left out under `--targets all` (a set was empty, or a class had no rows), with why.
    public var skipped: [(target: String, split: String, model2: Int, reason: String)]
    /// Class ids (wnid or name) by index, for member lists.
    public var classIDs: [String]
    /// Display names by index.
    public var classNames: [String]
    /// Rows left out as non-finite, per model path.
    public var skippedRows: [String: Int]
    /// Classes with no rows, per model path and split (class indices, ascending). They have no
    /// centroid, so they are left out of the centroid-scale mean; η needing them is refused.
    public var classesWithoutRows: [(path: String, split: String, classes: [Int])] = []
    /// What each model's centroids cover, per split, where it is worth saying: shard sets and
    /// manifests, rows dropped as repeated samples, partial readings, centroid files
    /// (``CentroidCoverage/isNotable``).
    public var coverage: [(path: String, split: String, summary: String)] = []

    /// Computes η for `t1` against each of `t2` (one centroid pass per model and split, then an
    /// optional bootstrap pass over the needed classes only).
    public static func compute(t1: ModelInput, t2: [ModelInput], request: EtaRequest,
                               classes: ClassResolution, showProgress: Bool = true) throws -> EtaReport {
        for other in t2 {
            try ClassResolution.requireSameClasses(t1.classes, t1.label, other.classes, other.label)
        }
        let targets = try request.resolveTargets(in: classes)
        let rowNormalization = request.normalization.rowNormalization
        var report = EtaReport(
            t1: EtaModel(path: t1.label, description: t1.source),
            t2: t2.map { EtaModel(path: $0.label, description: $0.source) }, request: request, rows: [],
            skipped: [], classIDs: (0..<classes.count).map(classes.id), classNames: (0..<classes.count).map(classes.name),
            skippedRows: [:])
        func centroids(_ input: ModelInput, _ split: String, _ role: String) throws -> (Centroids, Double) {
            let progress = showProgress ? input.dump.flatMap { dump in
                (try? dump.split(split)).map { ProgressMeter("\(role) \(split) rows", total: $0.rows) }
            } : nil
            defer { progress?.finish() }
            let file = try input.centroids(split: split, rowNormalization: rowNormalization,
                                           invalidRows: request.invalidRows, progress: progress)
            report.skippedRows[input.label, default: 0] += file.skippedNonFinite + file.skippedZero
            if file.coverage.isNotable, !report.coverage.contains(where: { $0.path == input.label && $0.split == split }) {
                report.coverage.append((input.label, split, file.coverage.summary))
            }
            let c = file.accumulator.centroids()
            let empty = (0..<c.classCount).filter { c.counts[$0] == 0 }
            if !empty.isEmpty, !report.classesWithoutRows.contains(where: { $0.path == input.label && $0.split == split }) {
                report.classesWithoutRows.append((input.label, split, empty))
            }
            do {
                return (c, try request.normalization.scale(of: c))
            } catch let error as AnalysisError {
                throw InputError(file: input.label, object: "split \(split)", message: "\(error)")
            }
        }
        for split in request.splits {
            let (c1, scale1) = try centroids(t1, split, "T1")
            for (m, input2) in t2.enumerated() {
                let (c2, scale2) = try centroids(input2, split, "T2")
                for spec in targets {
                    if let reason = missing(spec, c1, c2, classes, request, t1.label, input2.label, split) {
                        if request.isAllTargets {
                            report.skipped.append((classes.id(spec.target), split, m, reason.message))
                            continue
                        }
                        throw reason
                    }
                    do {
                        let e1 = try diffusionIndex(t1: c1, t2: c2, target: spec.target, set: spec.s1, scale1: scale1, scale2: scale2)
                        let e2 = try diffusionIndex(t1: c1, t2: c2, target: spec.target, set: spec.s2, scale1: scale1, scale2: scale2)
                        report.rows.append(EtaRow(target: spec.target, targetID: classes.id(spec.target),
                                                  targetName: classes.name(spec.target), split: split, model2: m,
                                                  etaS1: e1.eta, etaS2: e2.eta, s1: spec.s1, s2: spec.s2))
                    } catch let error as AnalysisError {
                        let wrapped = InputError(file: "\(t1.label) and \(input2.label)",
                                                 object: "split \(split), target \(classes.id(spec.target)) (\(classes.name(spec.target)))",
                                                 message: "\(error)")
                        if request.isAllTargets { report.skipped.append((classes.id(spec.target), split, m, wrapped.message)); continue }
                        throw wrapped
                    }
                }
                if let replicates = request.bootstrapReplicates {
                    try report.bootstrap(split: split, model2: m, t1: t1, t2: input2, replicates: replicates,
                                         scale1: scale1, scale2: scale2)
                }
            }
        }
        return report
    }

    /// Why `spec` cannot be computed (an empty set, a class without rows), or nil.
    private static func missing(_ spec: EtaTarget, _ c1: Centroids, _ c2: Centroids, _ classes: ClassResolution,
                                _ request: EtaRequest, _ path1: String, _ path2: String, _ split: String) -> InputError? {
        let name = "\(classes.id(spec.target)) (\(classes.name(spec.target)))"
        if spec.s1.isEmpty { return InputError(file: classes.file, object: "S1 of \(name)", message: "is empty under rule '\(request.s1Description)'") }
        if spec.s2.isEmpty { return InputError(file: classes.file, object: "S2 of \(name)", message: "is empty under rule '\(request.s2Description)'") }
        for k in [spec.target] + spec.s1 + spec.s2 {
            for (c, path) in [(c1, path1), (c2, path2)] where c.counts[k] == 0 {
                return InputError(file: path, object: "/splits/\(split)", message: "class \(classes.id(k)) (\(classes.name(k))) has no rows, so η of \(name) is undefined",
                                  fix: "choose targets and sets whose classes have rows")
            }
        }
        return nil
    }

    /// Adds bootstrap intervals to the rows of `split` and `model2`: reads only the needed classes' rows.
    private mutating func bootstrap(split: String, model2: Int, t1: ModelInput, t2: ModelInput, replicates: Int,
                                    scale1: Double, scale2: Double) throws {
        let indices = rows.indices.filter { rows[$0].split == split && rows[$0].model2 == model2 }
        var needed = Set<Int>()
        for i in indices { needed.insert(rows[i].target); needed.formUnion(rows[i].s1); needed.formUnion(rows[i].s2) }
        if needed.isEmpty { return }
        let drop = request.invalidRows == .skip
        let rows1 = try t1.rows(split: split, classes: needed, dropNonFinite: drop)
        let rows2 = try t2.rows(split: split, classes: needed, dropNonFinite: drop)
        guard let dim = t1.dump?.dim else { return }
        for i in indices {
            let row = rows[i]
            func interval(_ set: [Int]) throws -> ClosedRange<Double> {
                let b = try Bootstrap.diffusionIndex(
                    t1: rows1, t2: rows2, dim: dim, target: row.target, set: set,
                    rowNormalization: request.normalization.rowNormalization, scale1: scale1, scale2: scale2,
                    replicates: replicates, level: request.level, seed: request.seed)
                return b.lower...b.upper
            }
            rows[i].ciS1 = try interval(row.s1)
            rows[i].ciS2 = try interval(row.s2)
        }
    }

    /// Per split (and T2 model): how many targets show systematic diffusion, and the medians of η.
    public struct Summary: Sendable, Equatable {
        /// The split.
        public var split: String
        /// Index of the T2 model.
        public var model2: Int
        /// Targets with a value.
        public var targets: Int
        /// Targets with η(S1) < 0 and η(S2) > 0.
        public var diffusion: Int
        /// Median η(S1), fraction.
        public var medianS1: Double
        /// Median η(S2), fraction.
        public var medianS2: Double
        /// Targets left out.
        public var skipped: Int
    }

    /// One summary per split and T2 model.
    public var summaries: [Summary] {
        var result: [Summary] = []
        for split in request.splits {
            for m in t2.indices {
                let group = rows.filter { $0.split == split && $0.model2 == m }
                result.append(Summary(split: split, model2: m, targets: group.count,
                                      diffusion: group.filter(\.diffusion).count,
                                      medianS1: Self.median(group.map(\.etaS1)), medianS2: Self.median(group.map(\.etaS2)),
                                      skipped: skipped.filter { $0.split == split && $0.model2 == m }.count))
            }
        }
        return result
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
