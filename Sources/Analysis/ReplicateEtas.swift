import Dispatch

/// η of many targets in every replicate of a block, with the distances taken from Gram matrices.
///
/// For each replicate and model, the replicate centroids of every summed class are centred (minus
/// their mean, which leaves distances unchanged and keeps the Gram entries small) and their Gram
/// matrix `G = A·Aᵀ` is formed by one ``MatrixKernel/gram(n:k:a:lda:c:ldc:)``; then
/// `d(i, j)² = Gᵢᵢ + Gⱼⱼ − 2Gᵢⱼ`. That costs C²·D/2 multiply-adds per replicate and model instead of
/// one D-long difference per (target, member) pair, which is what makes `--targets all` (close to
/// all C² pairs in S2) fit. Accuracy: a dot product of length D carries an error of at most about
/// D·ε·(‖aᵢ‖² + ‖aⱼ‖²)/2, so wherever `d² < 2⁻¹⁰·(Gᵢᵢ + Gⱼⱼ)` (cancellation would cost more than
/// ten bits) the distance is taken directly from the two centroids instead; everywhere else its
/// relative error is below (D + 2)·2¹⁰·ε (6·10⁻¹¹ for D = 512), far below any Monte-Carlo error.
extension Bootstrap {
    /// A target and its comparison sets (each without the target, no repeats, non-empty).
    public struct ReplicateTarget: Sendable, Equatable {
        public var target: Int
        public var sets: [[Int]]
        public init(target: Int, sets: [[Int]]) {
            self.target = target
            self.sets = sets
        }
    }

    /// The error of target number `index` (in the order given).
    public struct TargetError: Error, Sendable {
        public var index: Int
        public var error: AnalysisError
    }

    /// Bytes each worker of ``replicateEtas(t1:t2:targets:scale1:scale2:kernel:workers:)`` holds
    /// for `classes` summed classes of length `dim`: two Gram matrices and one centred copy.
    public static func replicateEtaWorkerBytes(classes: Int, dim: Int) -> Int {
        (2 * classes * classes + classes * dim + 2 * classes) * MemoryLayout<Double>.stride
    }

    /// η of every target against each of its sets in each replicate of the block: the result's
    /// element `(n · sets + s) · width + b` is target `n`'s η against its set `s` in replicate
    /// `t1.replicates.lowerBound + b` (`sets` = the sets per target, equal for all targets;
    /// `width` = `t1.replicates.count`), NaN where a class of that target or set got no weight.
    ///
    /// Replicates are split among `workers` threads, each owning its replicates' results: the
    /// bits do not depend on the number of workers. Both sums must hold means (``ReplicateSums/divideByTotals()``).
    ///
    /// - Throws: ``TargetError`` for the first target (in order) whose classes were not summed,
    ///   have fewer than ``minimumBootstrapRows`` rows, or whose centroids coincide.
    public static func replicateEtas(t1: ReplicateSums, t2: ReplicateSums, targets: [ReplicateTarget],
                                     scale1: Double, scale2: Double, kernel: any MatrixKernel = ReferenceKernel(),
                                     workers: Int = 1) throws -> [Double] {
        guard t1.replicates == t2.replicates, t1.dim == t2.dim, t1.classes == t2.classes else {
            throw AnalysisError.incompatible("bootstrap: replicate blocks \(t1.replicates) × \(t1.dim) of \(t1.classes.count) classes and \(t2.replicates) × \(t2.dim) of \(t2.classes.count) differ")
        }
        guard t1.holdsMeans, t2.holdsMeans else { throw AnalysisError.invalidArgument("bootstrap: replicate sums not yet divided by their totals") }
        guard scale1.isFinite, scale1 > 0 else { throw AnalysisError.invalidScale(model: "T1", value: scale1) }
        guard scale2.isFinite, scale2 > 0 else { throw AnalysisError.invalidScale(model: "T2", value: scale2) }
        let setsPerTarget = targets.first?.sets.count ?? 0
        // Slots of each target and set, checked in target order.
        var slotted: [(target: Int, sets: [[Int]])] = []
        for (n, spec) in targets.enumerated() {
            do {
                guard spec.sets.count == setsPerTarget else { throw AnalysisError.invalidArgument("bootstrap: targets with different numbers of sets") }
                func slot(_ k: Int) throws -> Int {
                    guard let s = t1.slot(of: k) else { throw AnalysisError.invalidArgument("bootstrap: class \(k) was not summed") }
                    for (sums, model) in [(t1, "T1"), (t2, "T2")] where sums.rowCounts[s] < minimumBootstrapRows {
                        throw AnalysisError.invalidArgument("bootstrap: class \(k) of \(model) has \(sums.rowCounts[s]) row(s); resampling needs at least \(minimumBootstrapRows)")
                    }
                    return s
                }
                let target = try slot(spec.target)
                var sets: [[Int]] = []
                for set in spec.sets {
                    guard !set.isEmpty else { throw AnalysisError.invalidArgument("bootstrap: the comparison set is empty") }
                    sets.append(try set.map(slot))
                }
                slotted.append((target, sets))
            } catch let error as AnalysisError {
                throw TargetError(index: n, error: error)
            }
        }
        let width = t1.replicates.count, classes = t1.classes.count, dim = t1.dim
        var result = [Double](repeating: .nan, count: targets.count * setsPerTarget * width)
        if targets.isEmpty { return result }
        let workers = max(1, min(workers, width))
        // Each worker keeps its own first failure (no lock): the earliest target among them is thrown.
        var failures = [TargetError?](repeating: nil, count: workers)
        let specs = slotted
        result.withUnsafeMutableBufferPointer { out in
          failures.withUnsafeMutableBufferPointer { failed in
            let output = ResultBuffer(base: out.baseAddress!, failures: failed.baseAddress!)
            let job = { @Sendable (w: Int) in
                let gram1 = UnsafeMutablePointer<Double>.allocate(capacity: classes * classes)
                let gram2 = UnsafeMutablePointer<Double>.allocate(capacity: classes * classes)
                let centred = UnsafeMutablePointer<Double>.allocate(capacity: classes * dim)
                var present1 = [Bool](repeating: false, count: classes), present2 = present1
                defer { gram1.deallocate(); gram2.deallocate(); centred.deallocate() }
                for b in (width * w / workers)..<(width * (w + 1) / workers) {
                    t1.sums.withUnsafeBufferPointer { s1 in
                        t2.sums.withUnsafeBufferPointer { s2 in
                            let base1 = s1.baseAddress! + b * dim, base2 = s2.baseAddress! + b * dim
                            let stride = width * dim  // from one class's replicate b to the next class's
                            fillGram(base1, stride, t1.totals, b, width, classes, dim, centred, gram1, &present1, kernel)
                            fillGram(base2, stride, t2.totals, b, width, classes, dim, centred, gram2, &present2, kernel)
                            func distance(_ gram: UnsafeMutablePointer<Double>, _ base: UnsafePointer<Double>,
                                          _ i: Int, _ j: Int) -> Double {
                                let gi = gram[i * classes + i], gj = gram[j * classes + j]
                                let squared = gi + gj - 2 * gram[i * classes + j]
                                if squared >= (gi + gj) * 0x1p-10 { return squared.squareRoot() }
                                return Centroids.euclidean(base + i * stride, base + j * stride, dim)
                            }
                            for (n, spec) in specs.enumerated() {
                                for (s, set) in spec.sets.enumerated() {
                                    guard present1[spec.target], present2[spec.target],
                                          set.allSatisfy({ present1[$0] && present2[$0] }) else { continue }  // NaN: undefined
                                    var sum = 0.0
                                    for m in set {
                                        let d1 = distance(gram1, base1, spec.target, m) / scale1
                                        let d2 = distance(gram2, base2, spec.target, m) / scale2
                                        sum += (d2 - d1) / d1
                                    }
                                    guard sum.isFinite else {
                                        if output.failures[w].map({ n < $0.index }) ?? true {
                                            output.failures[w] = TargetError(index: n, error: .coincidentCentroids(target: targets[n].target, member: targets[n].sets[s][0]))
                                        }
                                        continue
                                    }
                                    output.base[(n * setsPerTarget + s) * width + b] = sum / Double(set.count)
                                }
                            }
                        }
                    }
                }
            }
            if workers == 1 { job(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: job) }
          }
        }
        if let failure = failures.compactMap({ $0 }).min(by: { $0.index < $1.index }) { throw failure }
        return result
    }

    /// The Gram matrix of replicate `b`'s centroids of every class (centred on their mean), and
    /// which classes have weight in it.
    private static func fillGram(_ base: UnsafePointer<Double>, _ stride: Int, _ totals: [Double], _ b: Int,
                                 _ width: Int, _ classes: Int, _ dim: Int, _ centred: UnsafeMutablePointer<Double>,
                                 _ gram: UnsafeMutablePointer<Double>, _ present: inout [Bool], _ kernel: any MatrixKernel) {
        var mean = [Double](repeating: 0, count: dim)
        var defined = 0
        for k in 0..<classes {
            present[k] = totals[k * width + b] > 0
            guard present[k] else { continue }
            defined += 1
            let row = base + k * stride
            for j in 0..<dim { mean[j] += row[j] }
        }
        if defined > 0 { for j in 0..<dim { mean[j] /= Double(defined) } }
        for k in 0..<classes {
            let row = base + k * stride, out = centred + k * dim
            for j in 0..<dim { out[j] = present[k] ? row[j] - mean[j] : 0 }
        }
        kernel.gram(n: classes, k: dim, a: centred, lda: dim, c: gram, ldc: classes)
    }
}

/// Where the workers write: each writes only its own replicates' elements.
private struct ResultBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Double>
    let failures: UnsafeMutablePointer<Bootstrap.TargetError?>
}
