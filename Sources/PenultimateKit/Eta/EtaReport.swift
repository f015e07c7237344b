import Analysis
import BLASKernel
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
                return (c, try request.normalization.scale(of: c, workers: SplitReader.defaultWorkerCount))
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

    /// The kernel of the bootstrap's products: OpenBLAS's dgemm and dsyrk, single-threaded (the
    /// workflow spreads classes and replicates over the cores), held equal to Analysis's
    /// ``ReferenceKernel`` by `BLASKernelTests`; the reference itself where OpenBLAS cannot be
    /// loaded, or when the environment sets `PENULTIMATE_MATRIX_KERNEL=reference` (for the
    /// differential test of the shipped kernel, and to rule BLAS out when chasing a number).
    static let kernel: any MatrixKernel = {
        if ProcessInfo.processInfo.environment["PENULTIMATE_MATRIX_KERNEL"] == "reference" { return ReferenceKernel() }
        if let blas = OpenBLASKernel.shared { return blas }
        return ReferenceKernel()
    }()

    /// How the bootstrap will run: replicates per block and blocks, checked against the memory
    /// budgets before any row is read.
    ///
    /// What it holds at once, all counted in ``totalBytes``: the replicate sums of one block for
    /// both models (`2 × classes × block × (dim + 1)` Doubles, at most
    /// ``EtaRequest/bootstrapSumBudget``); the replicates' η (``etaBytes``); and ``workBytes``: the
    /// staged rows (``EtaRequest/bootstrapStagingBytes`` of Floats with their labels, sample
    /// indices and keys), each worker's weight block and rows in Double
    /// (`256 × (block + dim)` Doubles) and each worker's two Gram matrices and centred centroids
    /// (`2 × classes² + classes × dim` Doubles). The total must fit ``EtaRequest/bootstrapMemoryBudget``.
    public struct BootstrapPlan: Sendable, Equatable {
        /// Replicates formed per pass over the rows.
        public var blockReplicates: Int
        /// Passes over each model's rows (per split and T2 model).
        public var blocks: Int
        /// Bytes of replicate sums held at once (both models).
        public var sumBytes: Int
        /// Bytes of replicate η held at once.
        public var etaBytes: Int
        /// Bytes of staged rows and the workers' buffers.
        public var workBytes: Int = 0
        /// Threads that add rows and form η (at most the cores, fewer where the budget needs it).
        public var workers: Int = 1
        /// Everything the bootstrap holds at once.
        public var totalBytes: Int { sumBytes + etaBytes + workBytes }
    }

    /// The Poisson weights of T1's and T2's rows for a bootstrap with `seed`: one stream for both
    /// when `paired` (a sample weighs the same in both models), two otherwise. Paired resampling
    /// needs `sample_index` in both inputs: without it a row is known only by its position within
    /// its class, and two dumps of the same images may list them in different orders, so pairing
    /// by position would pair different images without a word.
    static func replicateWeights(_ t1: ModelInput, _ t2: ModelInput, split: String, seed: UInt64,
                                 paired: Bool) throws -> (PoissonWeights, PoissonWeights) {
        if paired {
            for input in [t1, t2] where (try? input.dump?.split(split).hasSampleIndex) != true {
                throw InputError(file: input.label, object: "split \(split)/sample_index",
                                 message: "missing: paired resampling matches rows by sample_index",
                                 fix: "drop --paired, or dump both models with sample_index")
            }
        }
        return (PoissonWeights(seed: seed, stream: paired ? 0 : 1), PoissonWeights(seed: seed, stream: paired ? 0 : 2))
    }

    /// The plan for `targets` intervals of `replicates` over `classes` needed classes of length
    /// `dim` with `workers` threads, or an error saying which budget it exceeds.
    public static func bootstrapPlan(replicates: Int, targets: Int, classes: Int, dim: Int,
                                     workers: Int = SplitReader.defaultWorkerCount) throws -> BootstrapPlan {
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
        let stagedRows = max(1, EtaRequest.bootstrapStagingBytes / (max(1, dim) * MemoryLayout<Float>.stride))
        // Per staged row: its Floats, label, sample_index and the picked (slot, row, key, scale).
        let staging = stagedRows * (dim * MemoryLayout<Float>.stride + 4 + 8 + 32)
        // Workers beyond what the budget holds are dropped (each holds two Gram matrices).
        let perWorker = ReplicateSums.workerBytes(dim: dim, replicates: block)
            + Bootstrap.replicateEtaWorkerBytes(classes: min(classes, 1 << 24), dim: dim)
        let fixed = block * perReplicate + etaBytes + staging
        let affordable = max(1, (EtaRequest.bootstrapMemoryBudget - fixed) / perWorker)
        let workers = max(1, min(workers, affordable))
        let (workBytes, overflow) = perWorker.multipliedReportingOverflow(by: workers)
        let plan = BootstrapPlan(blockReplicates: block, blocks: (replicates + block - 1) / block,
                                 sumBytes: block * perReplicate, etaBytes: etaBytes,
                                 workBytes: overflow ? Int.max / 4 : staging + workBytes, workers: workers)
        guard plan.totalBytes <= EtaRequest.bootstrapMemoryBudget else {
            throw InputError(file: "eta", object: "--bootstrap",
                             message: "\(classes) classes × \(dim) need \(plan.totalBytes >> 20) MiB (replicate sums \(plan.sumBytes >> 20), η \(etaBytes >> 20), Gram matrices and staging \(workBytes >> 20)), over the \(EtaRequest.bootstrapMemoryBudget >> 20) MiB bound",
                             fix: "choose fewer targets, or sets over fewer classes")
        }
        return plan
    }

    /// The Poisson-weighted replicate centroids of `classes` for `replicates` (sums divided by
    /// their weights) from one pass over `input`'s rows of `split`.
    static func replicateSums(_ input: ModelInput, split: String, classes: [Int], replicates: Range<Int>,
                              weights: PoissonWeights, rowNormalization: CentroidAccumulator.RowNormalization,
                              workers: Int = SplitReader.defaultWorkerCount,
                              progress: ProgressMeter?) throws -> ReplicateSums {
        guard let dump = input.dump else {
            throw InputError(file: input.label, object: "input", message: "centroid files hold no rows to resample",
                             fix: "give the feature dumps for --bootstrap")
        }
        var sums = try ReplicateSums(classCount: dump.classes.count, classes: classes, dim: dump.dim,
                                     replicates: replicates, rowNormalization: rowNormalization, weights: weights)
        let reader = try dump.split(split)
        let filter: Set<Int>? = classes.count == dump.classes.count ? nil : Set(classes)
        // Rows are staged and added a batch of ``bootstrapStagingBytes`` at a time: a class filter
        // over shuffled labels delivers blocks of a row or two, and with every class summed a
        // batch holds a few dozen rows per class, the `k` of each weight-block product.
        let batch = max(1, EtaRequest.bootstrapStagingBytes / (dump.dim * MemoryLayout<Float>.stride))
        let kernel = Self.kernel
        var features: [Float] = [], labels: [Int32] = [], index: [Int64] = []
        var indexed: Bool? = nil
        func flush() throws {
            guard !labels.isEmpty else { return }
            try features.withUnsafeBufferPointer { f in
                try labels.withUnsafeBufferPointer { l in
                    if indexed == true {
                        try index.withUnsafeBufferPointer { try sums.add(rows: f, labels: l, sampleIndex: $0, workers: workers, kernel: kernel) }
                    } else {
                        try sums.add(rows: f, labels: l, sampleIndex: nil, workers: workers, kernel: kernel)
                    }
                }
            }
            progress?.advance(by: labels.count)
            features.removeAll(keepingCapacity: true); labels.removeAll(keepingCapacity: true); index.removeAll(keepingCapacity: true)
        }
        try reader.forEachBlock(maxRows: min(batch, CentroidPass.blockRows(dim: dump.dim)), classes: filter) { block in
            let hasIndex = block.sampleIndex != nil
            if indexed != nil, indexed != hasIndex { try flush() }
            indexed = hasIndex
            if labels.count + block.labels.count > batch { try flush() }
            if features.isEmpty { features.reserveCapacity(batch * dump.dim); labels.reserveCapacity(batch); index.reserveCapacity(batch) }
            features += block.features
            labels += block.labels
            if let s = block.sampleIndex { index += s }
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
        let (weights1, weights2) = try Self.replicateWeights(t1, t2, split: split, seed: request.seed, paired: request.paired)
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
                                               rowNormalization: rowNormalization, workers: plan.workers, progress: progress)
            let sums2 = try Self.replicateSums(t2, split: split, classes: classes, replicates: block, weights: weights2,
                                               rowNormalization: rowNormalization, workers: plan.workers, progress: progress)
            if request.paired, start == 0 {
                for (slot, k) in classes.enumerated()
                where sums1.rowCounts[slot] != sums2.rowCounts[slot] || sums1.fingerprints[slot] != sums2.fingerprints[slot] {
                    throw InputError(file: "\(t1.label) and \(t2.label)", object: "split \(split), class \(classIDs[k]) (\(classNames[k]))",
                                     message: "paired resampling needs the same samples in both models, but they hold \(sums1.rowCounts[slot]) and \(sums2.rowCounts[slot]) rows\(sums1.rowCounts[slot] == sums2.rowCounts[slot] ? " with different sample_index sets" : "")",
                                     fix: "drop --paired, or give dumps of the same images")
                }
            }
            // η of every replicate of the block, for every row and set: per replicate one Gram
            // matrix of the replicate centroids per model, the replicates spread over the cores.
            let specs = indices.map { rows[$0] }
            let width = block.count
            let blockValues: [Double]
            do {
                blockValues = try Bootstrap.replicateEtas(
                    t1: sums1, t2: sums2, targets: specs.map { Bootstrap.ReplicateTarget(target: $0.target, sets: [$0.s1, $0.s2]) },
                    scale1: scale1, scale2: scale2, kernel: Self.kernel, workers: plan.workers)
            } catch let failure as Bootstrap.TargetError {
                let row = specs[failure.index]
                throw InputError(file: "\(t1.label) and \(t2.label)",
                                 object: "split \(split), target \(classIDs[row.target]) (\(classNames[row.target]))",
                                 message: "\(failure.error)")
            }
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
