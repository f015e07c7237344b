/// A percentile bootstrap interval of η.
public struct BootstrapInterval: Sendable, Equatable {
    /// η from all the given rows (no resampling).
    public let estimate: Double
    /// Lower end: the `(1 − level)/2` quantile of the replicates.
    public let lower: Double
    /// Upper end: the `(1 + level)/2` quantile of the replicates.
    public let upper: Double
    /// Coverage the interval aims for, e.g. 0.95.
    public let level: Double
    /// The seed the replicates were drawn with.
    public let seed: UInt64
    /// η of each replicate, in the order drawn.
    public let replicates: [Double]
}

/// Bootstrap of η by resampling each class's rows with replacement.
///
/// Rules (also in the Conventions article):
/// - each replicate resamples, for each class in `[target] + set` (in that order), that class's rows of
///   T1 and then its rows of T2, n draws with replacement from n rows; with `paired`, the T1 draws are
///   reused for T2 (rows i of both models must be the same image);
/// - the model-wide scales stay fixed at their full-data values (they need all classes, and a class
///   pair's resampling barely moves a mean over ~C²/2 pairs);
/// - the interval is the percentile interval with numpy's default (linear) quantile interpolation;
/// - random numbers come from ``Xoshiro256StarStar`` seeded with `seed`, so equal inputs and seed give
///   equal replicates on every platform.
public enum Bootstrap {
    /// A percentile bootstrap interval of η(T1, T2; target, set).
    ///
    /// - Parameters:
    ///   - t1: rows of T1 per class (`n × dim` Floats, row-major); needs every class of `[target] + set`.
    ///   - t2: the same for T2.
    ///   - dim: length of a feature row.
    ///   - target: the target class π.
    ///   - set: the comparison set S (without π, no repeats).
    ///   - rowNormalization: pass `normalization.rowNormalization`; rows are transformed as the
    ///     accumulator would (an all-zero row under unit length is an error here).
    ///   - scale1: pass `normalization.scale(of:)` of T1's full-data centroids; kept fixed.
    ///   - scale2: the same for T2.
    ///   - replicates: number of bootstrap replicates (at least 2).
    ///   - level: coverage of the interval, in (0, 1).
    ///   - seed: seeds ``Xoshiro256StarStar``; record it with the interval.
    ///   - paired: reuse T1's draws for T2 (row i of both models is the same image).
    public static func diffusionIndex(
        t1: [Int: [Float]], t2: [Int: [Float]], dim: Int, target: Int, set: [Int],
        rowNormalization: CentroidAccumulator.RowNormalization, scale1: Double, scale2: Double,
        replicates: Int = 1000, level: Double = 0.95, seed: UInt64, paired: Bool = false
    ) throws -> BootstrapInterval {
        guard dim > 0 else { throw AnalysisError.invalidArgument("bootstrap: dimension \(dim) must be positive") }
        guard replicates >= 2 else { throw AnalysisError.invalidArgument("bootstrap: \(replicates) replicates; need at least 2") }
        guard level > 0, level < 1 else { throw AnalysisError.invalidArgument("bootstrap: level \(level) must lie in (0, 1)") }
        try checkDiffusionArguments(target: target, set: set, classCount: Int.max)
        guard scale1.isFinite, scale1 > 0 else { throw AnalysisError.invalidScale(model: "T1", value: scale1) }
        guard scale2.isFinite, scale2 > 0 else { throw AnalysisError.invalidScale(model: "T2", value: scale2) }

        let classes = [target] + set
        let rows1 = try classes.map { try ClassMatrix(t1[$0], class: $0, model: "T1", dim: dim, rowNormalization) }
        let rows2 = try classes.map { try ClassMatrix(t2[$0], class: $0, model: "T2", dim: dim, rowNormalization) }
        if paired {
            for (a, b) in zip(rows1, rows2) where a.count != b.count {
                throw AnalysisError.incompatible("bootstrap: paired resampling needs equal row counts, class \(a.label) has \(a.count) rows in T1 and \(b.count) in T2")
            }
        }

        func eta(_ c1: [[Double]], _ c2: [[Double]]) throws -> Double {
            var total = 0.0
            for m in 1..<classes.count {
                let d1 = euclidean(c1[0], c1[m]) / scale1
                let d2 = euclidean(c2[0], c2[m]) / scale2
                guard d1 > 0 else { throw AnalysisError.coincidentCentroids(target: target, member: classes[m]) }
                total += (d2 - d1) / d1
            }
            return total / Double(set.count)
        }

        let estimate = try eta(rows1.map { $0.mean() }, rows2.map { $0.mean() })
        var generator = Xoshiro256StarStar(seed: seed)
        var draws: [Int] = []
        var values: [Double] = []
        values.reserveCapacity(replicates)
        for _ in 0..<replicates {
            var c1: [[Double]] = [], c2: [[Double]] = []
            for m in 0..<classes.count {
                draws = (0..<rows1[m].count).map { _ in generator.index(below: rows1[m].count) }
                c1.append(rows1[m].mean(of: draws))
                if !paired { draws = (0..<rows2[m].count).map { _ in generator.index(below: rows2[m].count) } }
                c2.append(rows2[m].mean(of: draws))
            }
            values.append(try eta(c1, c2))
        }
        let sorted = values.sorted()
        let tail = (1 - level) / 2
        return BootstrapInterval(estimate: estimate, lower: quantile(sorted: sorted, tail),
                                 upper: quantile(sorted: sorted, 1 - tail), level: level, seed: seed,
                                 replicates: values)
    }

    /// The q-quantile of ascending `sorted` values with linear interpolation between order statistics
    /// at position (n − 1)·q (numpy's default method).
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && q >= 0 && q <= 1, "quantile needs values and q in [0, 1]")
        let position = Double(sorted.count - 1) * q
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    static func euclidean(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in Centroids.euclidean(x.baseAddress!, y.baseAddress!, x.count) }
        }
    }
}

/// One class's rows of one model in Double, already row-normalised.
private struct ClassMatrix {
    let label: Int
    let dim: Int
    let count: Int
    let values: [Double]

    init(_ rows: [Float]?, class label: Int, model: String, dim: Int,
         _ rowNormalization: CentroidAccumulator.RowNormalization) throws {
        guard let rows, !rows.isEmpty else { throw AnalysisError.classWithoutRows(label) }
        guard rows.count % dim == 0 else {
            throw AnalysisError.invalidArgument("bootstrap rows of class \(label) in \(model): \(rows.count) values are not a multiple of the dimension \(dim)")
        }
        self.label = label
        self.dim = dim
        count = rows.count / dim
        var values = [Double](repeating: 0, count: rows.count)
        try rows.withUnsafeBufferPointer { r in
            for i in 0..<(rows.count / dim) {
                let row = r.baseAddress! + i * dim
                guard CentroidAccumulator.isFinite(row, dim) else { throw AnalysisError.nonFiniteRows(count: 1, firstRow: i) }
                var scale = 1.0
                if rowNormalization == .unitLength {
                    let squaredNorm = CentroidAccumulator.squaredNorm(row, dim)
                    guard squaredNorm > 0 else { throw AnalysisError.zeroRows(count: 1, firstRow: i) }
                    scale = 1 / squaredNorm.squareRoot()
                }
                for j in 0..<dim { values[i * dim + j] = Double(row[j]) * scale }
            }
        }
        self.values = values
    }

    func mean() -> [Double] { mean(of: Array(0..<count)) }

    func mean(of indices: [Int]) -> [Double] {
        var sum = [Double](repeating: 0, count: dim)
        let dim = dim
        sum.withUnsafeMutableBufferPointer { s in
            values.withUnsafeBufferPointer { v in
                for i in indices {
                    let row = v.baseAddress! + i * dim
                    for j in 0..<dim { s[j] += row[j] }
                }
            }
        }
        let inverse = 1 / Double(indices.count)
        return sum.map { $0 * inverse }
    }
}

/// The streaming bootstrap `eta` uses: Poisson(1) weights per sample from ``PoissonWeights``, summed
/// in one pass per model and replicate block into ``ReplicateSums``.
///
/// Rules (also in the Conventions article): replicate `b`'s centroid of class `k` is the
/// Poisson-weighted mean of that class's rows; the model-wide scales stay at their full-data
/// values; η of a replicate is the formula on the replicate centroids; the interval is the
/// percentile interval (numpy's linear quantiles) over the defined replicates. A class that gets zero
/// total weight in a replicate (chance e⁻ⁿ for n rows: 1.2·10⁻⁴ for 9 rows) leaves its centroid,
/// and so that replicate, undefined: such replicates are left out (the bootstrap conditioned on
/// every centroid existing). A class of fewer than ``minimumBootstrapRows`` rows is refused outright,
/// and so is an interval when more than half of its replicates are undefined (many small classes in
/// one set: each of n rows makes a replicate undefined with chance e⁻ⁿ).
/// With the same weights stream for both
/// models (paired), each sample weighs the same in T1 and T2.
extension Bootstrap {
    /// The fewest rows a class may have to be resampled (a class of n rows gets no weight in a
    /// replicate with chance e⁻ⁿ: 0.7% for 5).
    public static let minimumBootstrapRows = 5

    /// η of `target` against `set` in each replicate of the block (`t1.replicates`, in order); NaN
    /// for a replicate in which a class of `[target] + set` got no weight (see ``interval(estimate:replicates:level:seed:)``).
    public static func replicateEtas(t1: ReplicateSums, t2: ReplicateSums, target: Int, set: [Int],
                                     scale1: Double, scale2: Double) throws -> [Double] {
        guard t1.replicates == t2.replicates, t1.dim == t2.dim else {
            throw AnalysisError.incompatible("bootstrap: replicate blocks \(t1.replicates) × \(t1.dim) and \(t2.replicates) × \(t2.dim) differ")
        }
        guard !set.isEmpty else { throw AnalysisError.invalidArgument("bootstrap: the comparison set is empty") }
        guard scale1.isFinite, scale1 > 0 else { throw AnalysisError.invalidScale(model: "T1", value: scale1) }
        guard scale2.isFinite, scale2 > 0 else { throw AnalysisError.invalidScale(model: "T2", value: scale2) }
        let classes = [target] + set
        var slots1: [Int] = [], slots2: [Int] = []
        for k in classes {
            guard let a = t1.slot(of: k), let b = t2.slot(of: k) else {
                throw AnalysisError.invalidArgument("bootstrap: class \(k) was not summed")
            }
            slots1.append(a); slots2.append(b)
        }
        for (sums, slots, model) in [(t1, slots1, "T1"), (t2, slots2, "T2")] {
            for (m, slot) in slots.enumerated() where sums.rowCounts[slot] < minimumBootstrapRows {
                throw AnalysisError.invalidArgument("bootstrap: class \(classes[m]) of \(model) has \(sums.rowCounts[slot]) row(s); resampling needs at least \(minimumBootstrapRows)")
            }
        }
        let dim = t1.dim, count = t1.replicates.count
        var result: [Double] = []
        result.reserveCapacity(count)
        var c1 = [Double](repeating: 0, count: classes.count * dim)
        var c2 = c1
        // Replicate b's centroids (divided here, or already by `divideByTotals()`) of `[target] + set`.
        func load(_ sums: ReplicateSums, _ slots: [Int], _ b: Int, into c: inout [Double]) -> Bool {
            sums.sums.withUnsafeBufferPointer { s in
                c.withUnsafeMutableBufferPointer { out in
                    for (m, slot) in slots.enumerated() {
                        let total = sums.totals[slot * count + b]
                        guard total > 0 else { return false }
                        let inverse = sums.holdsMeans ? 1 : 1 / total
                        let row = s.baseAddress! + (slot * count + b) * dim
                        for j in 0..<dim { out[m * dim + j] = row[j] * inverse }
                    }
                    return true
                }
            }
        }
        // With means in place, distances are taken on the stored rows (no copy).
        func distances(_ sums: ReplicateSums, _ slots: [Int], _ b: Int, _ scale: Double, _ out: inout [Double]) -> Bool {
            sums.sums.withUnsafeBufferPointer { s in
                for slot in slots where sums.totals[slot * count + b] <= 0 { return false }
                let base = s.baseAddress!
                let target = base + (slots[0] * count + b) * dim
                for m in 1..<slots.count {
                    out[m] = Centroids.euclidean(target, base + (slots[m] * count + b) * dim, dim) / scale
                }
                return true
            }
        }
        var d1 = [Double](repeating: 0, count: classes.count), d2 = d1
        for b in 0..<count {
            if t1.holdsMeans && t2.holdsMeans {
                guard distances(t1, slots1, b, scale1, &d1), distances(t2, slots2, b, scale2, &d2) else {
                    result.append(.nan)
                    continue
                }
            } else {
                guard load(t1, slots1, b, into: &c1), load(t2, slots2, b, into: &c2) else {
                    result.append(.nan)  // undefined: a class got no weight
                    continue
                }
                c1.withUnsafeBufferPointer { a in
                    c2.withUnsafeBufferPointer { z in
                        for m in 1..<classes.count {
                            d1[m] = Centroids.euclidean(a.baseAddress!, a.baseAddress! + m * dim, dim) / scale1
                            d2[m] = Centroids.euclidean(z.baseAddress!, z.baseAddress! + m * dim, dim) / scale2
                        }
                    }
                }
            }
            var sum = 0.0
            for m in 1..<classes.count { sum += (d2[m] - d1[m]) / d1[m] }
            guard sum.isFinite else { throw AnalysisError.coincidentCentroids(target: target, member: set[0]) }
            result.append(sum / Double(set.count))
        }
        return result
    }

    /// The percentile interval of `replicates` (η of each replicate, in replicate order; NaN for an
    /// undefined one) around `estimate`, over the defined ones. Refused when more than half are undefined.
    public static func interval(estimate: Double, replicates: [Double], level: Double, seed: UInt64) throws -> BootstrapInterval {
        guard replicates.count >= 2 else { throw AnalysisError.invalidArgument("bootstrap: \(replicates.count) replicates; need at least 2") }
        guard level > 0, level < 1 else { throw AnalysisError.invalidArgument("bootstrap: level \(level) must lie in (0, 1)") }
        let defined = replicates.filter { !$0.isNaN }
        let undefined = replicates.count - defined.count
        guard undefined * 2 <= replicates.count, defined.count >= 2 else {
            throw AnalysisError.invalidArgument("bootstrap: in \(undefined) of \(replicates.count) replicates a class of the target or its set got no weight (classes with few rows); at most half may")
        }
        let sorted = defined.sorted()
        let tail = (1 - level) / 2
        return BootstrapInterval(estimate: estimate, lower: quantile(sorted: sorted, tail),
                                 upper: quantile(sorted: sorted, 1 - tail), level: level, seed: seed,
                                 replicates: replicates)
    }
}
