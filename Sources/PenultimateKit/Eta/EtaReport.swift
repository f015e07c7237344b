import FeatureStore
import Analysis
import FeatureStore
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
        if request.bootstrapReplicates != nil {
            // Refused before any pass: centroid files hold sums, not the rows a replicate reweights.
            for input in [t1] + t2 where input.isCentroidFiles {
                throw InputError(file: input.label, object: "input", message: "centroid files hold no rows to resample",
                                 fix: "give the feature dumps for --bootstrap")
            }
            if let replicates = request.bootstrapReplicates, let dim = t1.dump?.dim {
                var needed = Set<Int>()
                for spec in targets { needed.insert(spec.target); needed.formUnion(spec.s1); needed.formUnion(spec.s2) }
                _ = try bootstrapPlan(replicates: replicates, targets: targets.count, classes: needed.count, dim: dim)
            }
        }
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
                                         scale1: scale1, scale2: scale2, showProgress: showProgress)
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

    /// How the bootstrap will run: replicates per block and blocks, checked against the memory
    /// budgets before any row is read.
    public struct BootstrapPlan: Sendable, Equatable {
        /// Replicates formed per pass over the rows.
        public var blockReplicates: Int
        /// Passes over each model's rows (per split and T2 model).
        public var blocks: Int
        /// Bytes of replicate sums held at once (both models).
        public var sumBytes: Int
        /// Bytes of replicate η held at once.
        public var etaBytes: Int
    }

    /// The plan for `targets` intervals of `replicates` over `classes` needed classes of length
    /// `dim`, or an error saying which budget it exceeds.
    public static func bootstrapPlan(replicates: Int, targets: Int, classes: Int, dim: Int) throws -> BootstrapPlan {
        let etaBytes = targets * 2 * replicates * MemoryLayout<Double>.stride + 2 * replicates * MemoryLayout<Double>.stride
        guard etaBytes <= EtaRequest.bootstrapEtaBudget else {
            throw InputError(file: "eta", object: "--bootstrap \(replicates)",
                             message: "\(targets) targets × 2 sets × \(replicates) replicates need \(etaBytes >> 20) MiB of replicate η, over the \(EtaRequest.bootstrapEtaBudget >> 20) MiB bound",
                             fix: "use at most \(EtaRequest.bootstrapEtaBudget / (16 * max(1, targets + 1))) replicates, or fewer targets")
        }
        let perReplicate = 2 * ReplicateSums.bytes(classes: classes, dim: dim, replicates: 1)
        guard perReplicate <= EtaRequest.bootstrapSumBudget else {
            throw InputError(file: "eta", object: "--bootstrap",
                             message: "one replicate of \(classes) classes × \(dim) needs \(perReplicate >> 20) MiB, over the \(EtaRequest.bootstrapSumBudget >> 20) MiB bound")
        }
        let block = min(replicates, EtaRequest.bootstrapSumBudget / perReplicate)
        return BootstrapPlan(blockReplicates: block, blocks: (replicates + block - 1) / block,
                             sumBytes: block * perReplicate, etaBytes: etaBytes)
    }

    /// The Poisson-weighted replicate centroids of `classes` for `replicates` (sums divided by
    /// their weights) from one pass over `input`'s rows of `split`.
    static func replicateSums(_ input: ModelInput, split: String, classes: [Int], replicates: Range<Int>,
                              weights: PoissonWeights, rowNormalization: CentroidAccumulator.RowNormalization,
                              progress: ProgressMeter?) throws -> ReplicateSums {
        guard let dump = input.dump else {
            throw InputError(file: input.label, object: "input", message: "centroid files hold no rows to resample",
                             fix: "give the feature dumps for --bootstrap")
        }
        var sums = try ReplicateSums(classCount: dump.classes.count, classes: classes, dim: dump.dim,
                                     replicates: replicates, rowNormalization: rowNormalization, weights: weights)
        let reader = try dump.split(split)
        let filter: Set<Int>? = classes.count == dump.classes.count ? nil : Set(classes)
        let workers = SplitReader.defaultWorkerCount
        // A class filter over shuffled labels delivers blocks of a row or two: rows are staged and
        // added a batch at a time, so each batch's replicates are split across the cores once.
        let batch = CentroidPass.blockRows(dim: dump.dim)
        var features: [Float] = [], labels: [Int32] = [], index: [Int64] = []
        var indexed: Bool? = nil
        func flush() throws {
            guard !labels.isEmpty else { return }
            try features.withUnsafeBufferPointer { f in
                try labels.withUnsafeBufferPointer { l in
                    if indexed == true {
                        try index.withUnsafeBufferPointer { try sums.add(rows: f, labels: l, sampleIndex: $0, workers: workers) }
                    } else {
                        try sums.add(rows: f, labels: l, sampleIndex: nil, workers: workers)
                    }
                }
            }
            progress?.advance(by: labels.count)
            features.removeAll(keepingCapacity: true); labels.removeAll(keepingCapacity: true); index.removeAll(keepingCapacity: true)
        }
        try reader.forEachBlock(maxRows: batch, classes: filter) { block in
            let hasIndex = block.sampleIndex != nil
            if indexed != nil, indexed != hasIndex { try flush() }
            indexed = hasIndex
            features += block.features
            labels += block.labels
            if let s = block.sampleIndex { index += s }
            if labels.count >= batch { try flush() }
        }
        try flush()
        sums.divideByTotals()
        return sums
    }

    /// Adds bootstrap intervals to the rows of `split` and `model2`: per replicate block, one pass
    /// over each model's rows of the needed classes (Poisson weights keyed by sample), then η of
    /// every replicate of the block for every row.
    private mutating func bootstrap(split: String, model2: Int, t1: ModelInput, t2: ModelInput, replicates: Int,
                                    scale1: Double, scale2: Double, showProgress: Bool) throws {
        let indices = rows.indices.filter { rows[$0].split == split && rows[$0].model2 == model2 }
        var needed = Set<Int>()
        for i in indices { needed.insert(rows[i].target); needed.formUnion(rows[i].s1); needed.formUnion(rows[i].s2) }
        if needed.isEmpty { return }
        guard let dim = t1.dump?.dim else { return }
        let classes = needed.sorted()
        let plan = try Self.bootstrapPlan(replicates: replicates, targets: indices.count, classes: classes.count, dim: dim)
        if request.paired {
            // Without sample_index a row is known only by its position within its class, and two
            // dumps of the same images may list them in different orders: pairing by position
            // would pair different images without a word.
            for input in [t1, t2] where (try? input.dump?.split(split).hasSampleIndex) != true {
                throw InputError(file: input.label, object: "split \(split)/sample_index",
                                 message: "missing: paired resampling matches rows by sample_index",
                                 fix: "drop --paired, or dump both models with sample_index")
            }
        }
        let weights1 = PoissonWeights(seed: request.seed, stream: request.paired ? 0 : 1)
        let weights2 = PoissonWeights(seed: request.seed, stream: request.paired ? 0 : 2)
        let rowNormalization = request.normalization.rowNormalization
        var values = [[Double]](repeating: [], count: 2 * indices.count)
        let rows1 = (try? t1.dump?.split(split).rows) ?? nil, rows2 = (try? t2.dump?.split(split).rows) ?? nil
        let progress = showProgress
            ? ProgressMeter("bootstrap \(split) (\(replicates) replicates, \(plan.blocks) pass(es) per model)",
                                   total: plan.blocks * ((rows1 ?? 0) + (rows2 ?? 0))) : nil
        defer { progress?.finish() }
        for start in stride(from: 0, to: replicates, by: plan.blockReplicates) {
            let block = start..<min(replicates, start + plan.blockReplicates)
            let sums1 = try Self.replicateSums(t1, split: split, classes: classes, replicates: block, weights: weights1,
                                               rowNormalization: rowNormalization, progress: progress)
            let sums2 = try Self.replicateSums(t2, split: split, classes: classes, replicates: block, weights: weights2,
                                               rowNormalization: rowNormalization, progress: progress)
            if request.paired, start == 0 {
                for (slot, k) in classes.enumerated()
                where sums1.rowCounts[slot] != sums2.rowCounts[slot] || sums1.fingerprints[slot] != sums2.fingerprints[slot] {
                    throw InputError(file: "\(t1.label) and \(t2.label)", object: "split \(split), class \(classIDs[k]) (\(classNames[k]))",
                                     message: "paired resampling needs the same samples in both models, but they hold \(sums1.rowCounts[slot]) and \(sums2.rowCounts[slot]) rows\(sums1.rowCounts[slot] == sums2.rowCounts[slot] ? " with different sample_index sets" : "")",
                                     fix: "drop --paired, or give dumps of the same images")
                }
            }
            // η of every replicate of the block, for every row and set, the rows spread over the cores.
            let specs = indices.map { rows[$0] }
            let width = block.count
            var blockValues = [Double](repeating: .nan, count: 2 * specs.count * width)
            let failures = FirstFailure()
            let (label1, label2, ids, names) = (t1.label, t2.label, classIDs, classNames)
            blockValues.withUnsafeMutableBufferPointer { out in
                let target = EtaOutput(base: out.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: specs.count) { n in
                    let row = specs[n]
                    for (s, set) in [row.s1, row.s2].enumerated() {
                        do {
                            let etas = try Bootstrap.replicateEtas(t1: sums1, t2: sums2, target: row.target, set: set,
                                                                   scale1: scale1, scale2: scale2)
                            for (b, value) in etas.enumerated() { target.base[(2 * n + s) * width + b] = value }
                        } catch {
                            failures.record(n, InputError(file: "\(label1) and \(label2)",
                                                          object: "split \(split), target \(ids[row.target]) (\(names[row.target]))",
                                                          message: "\(error)"))
                        }
                    }
                }
            }
            if let error = failures.first { throw error }
            for k in 0..<(2 * specs.count) { values[k] += blockValues[(k * width)..<((k + 1) * width)] }
        }
        for (n, i) in indices.enumerated() {
            let b1 = try Bootstrap.interval(estimate: rows[i].etaS1, replicates: values[2 * n], level: request.level, seed: request.seed)
            let b2 = try Bootstrap.interval(estimate: rows[i].etaS2, replicates: values[2 * n + 1], level: request.level, seed: request.seed)
            rows[i].ciS1 = b1.lower...b1.upper
            rows[i].ciS2 = b2.lower...b2.upper
            values[2 * n] = []; values[2 * n + 1] = []
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

/// Where the bootstrap's workers write η: worker n writes only its own rows' slots.
private struct EtaOutput: @unchecked Sendable {
    let base: UnsafeMutablePointer<Double>
}

/// The first error by row order among concurrent workers.
private final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var found: (Int, InputError)?

    func record(_ index: Int, _ error: InputError) {
        lock.lock(); defer { lock.unlock() }
        if found == nil || index < found!.0 { found = (index, error) }
    }

    var first: InputError? { lock.lock(); defer { lock.unlock() }; return found?.1 }
}
