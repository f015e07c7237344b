import Dispatch

/// The relative change of the normalised centroid distance of every pair of classes between two
/// models, r(a, b) = (d₂(a, b) − d₁(a, b)) / d₁(a, b), and its summaries per group of pairs
/// (`eta pairs`: groups are how related the two classes are).
///
/// Rules (also in PenultimateKit's Pairs article):
/// - pairs are the unordered pairs (a, b), a < b, of the given classes (ascending), in row-major
///   order: (c₀, c₁), (c₀, c₂), …, (c₁, c₂), …; ``pairIndex(_:_:count:)`` gives a pair's position;
/// - d is the Euclidean distance between class centroids, divided by that model's scale
///   (``DistanceNormalization/scale(of:)``), as in η;
/// - a pair whose centroids coincide in the first model (d₁ = 0) has no relative change: refused;
/// - a group's median of an even count is the mean of its two middle values;
/// - a group's interval is the percentile interval (numpy's linear quantiles) of the group mean over
///   bootstrap replicates, the scales fixed at their full-data values, as η's intervals.
public enum PairChanges {
    /// The number of unordered pairs of `count` classes, `count·(count − 1)/2`.
    public static func pairCount(_ count: Int) -> Int { count * (count - 1) / 2 }

    /// The position of pair (i, j), 0 ≤ i < j < `count` (positions into the class list), in
    /// row-major order.
    @inline(__always)
    public static func pairIndex(_ i: Int, _ j: Int, count: Int) -> Int {
        i * (2 * count - i - 1) / 2 + (j - i - 1)
    }

    /// Normalised distances of every pair of `classes` in row-major pair order, by the direct form
    /// √Σ(a − b)², each divided by `scale`, computed on `workers` threads (the same bits for any number).
    ///
    /// Throws when a class is out of range or has no rows, or `scale` is not positive and finite.
    public static func distances(_ centroids: Centroids, classes: [Int], scale: Double, workers: Int = 1) throws -> [Double] {
        guard scale.isFinite, scale > 0 else { throw AnalysisError.invalidScale(model: "pairs", value: scale) }
        for k in classes { try centroids.requireCentroid(k) }
        var result: [Double] = []
        result.reserveCapacity(pairCount(classes.count))
        centroids.values.withUnsafeBufferPointer { v in
            Centroids.forEachSquaredDistanceBand(values: v.baseAddress!, dim: centroids.dim, rows: classes, workers: workers) { _, band in
                for squared in band { result.append(squared.squareRoot() / scale) }
            }
        }
        return result
    }

    /// r = (d₂ − d₁) / d₁ for each pair. Throws on different lengths and on a pair with d₁ = 0
    /// (named by its position in `classes`' pairs; `classes` maps positions to class indices).
    public static func changes(d1: [Double], d2: [Double], classes: [Int]) throws -> [Double] {
        guard d1.count == d2.count, d1.count == pairCount(classes.count) else {
            throw AnalysisError.shapeMismatch(object: "pair distances", expected: pairCount(classes.count), actual: min(d1.count, d2.count))
        }
        var result = [Double](repeating: 0, count: d1.count)
        for p in d1.indices {
            guard d1[p] > 0 else {
                let (i, j) = pair(at: p, count: classes.count)
                throw AnalysisError.coincidentCentroids(target: classes[i], member: classes[j])
            }
            result[p] = (d2[p] - d1[p]) / d1[p]
        }
        return result
    }

    /// The positions (i, j) of the `p`-th pair of `count` classes.
    public static func pair(at p: Int, count: Int) -> (Int, Int) {
        var i = 0, start = 0
        while start + (count - i - 1) <= p { start += count - i - 1; i += 1 }
        return (i, i + 1 + (p - start))
    }

    /// The median of `values`: the middle value, or the mean of the two middle values for an even
    /// count; NaN when empty.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// One group's point summaries.
    public struct GroupSummary: Sendable, Equatable {
        /// Pairs in the group.
        public var pairs: Int
        /// Mean relative change.
        public var mean: Double
        /// Median relative change.
        public var median: Double
    }

    /// Mean and median of `changes` per group (`group[p]` in `0..<groupCount` for pair p). A group
    /// without pairs has count 0 and NaN summaries.
    public static func summaries(changes: [Double], group: [Int32], groupCount: Int) throws -> [GroupSummary] {
        guard changes.count == group.count else {
            throw AnalysisError.shapeMismatch(object: "pair groups", expected: changes.count, actual: group.count)
        }
        var members = [[Double]](repeating: [], count: groupCount)
        for (p, g) in group.enumerated() {
            guard g >= 0, Int(g) < groupCount else { throw AnalysisError.invalidArgument("pairs: group \(g) of pair \(p) is outside 0..<\(groupCount)") }
            members[Int(g)].append(changes[p])
        }
        return members.map { values in
            // Summed in pair order: the same bits as numpy's sequential float64 sum over a Python list.
            var total = 0.0
            for v in values { total += v }
            return GroupSummary(pairs: values.count, mean: values.isEmpty ? .nan : total / Double(values.count),
                                median: median(values))
        }
    }

    /// The group means of every replicate of a block: `groupCount × replicates` values (group,
    /// then replicate), NaN where a class of one of the group's pairs got no weight in that
    /// replicate (in either model), so its centroid, and the group's mean, is undefined there.
    ///
    /// `t1` and `t2` hold the replicate centroids (``ReplicateSums/divideByTotals()`` done) of at
    /// least `classes`; pairs are those of `classes` in row-major order, `group[p]` their groups.
    /// Distances use the direct form on the replicate centroids, divided by the fixed scales.
    /// Replicates are spread over `workers` threads; each replicate's sums are formed in pair
    /// order, so the result has the same bits for any number of workers.
    public static func replicateGroupMeans(t1: ReplicateSums, t2: ReplicateSums, classes: [Int], group: [Int32],
                                           groupCount: Int, scale1: Double, scale2: Double,
                                           workers: Int = 1) throws -> [Double] {
        // The two students may have features of different lengths: distances are taken within each.
        guard t1.replicates == t2.replicates else {
            throw AnalysisError.incompatible("pairs: replicate blocks \(t1.replicates) and \(t2.replicates) differ")
        }
        guard t1.holdsMeans, t2.holdsMeans else { throw AnalysisError.invalidArgument("pairs: replicate sums must be divided by their totals first") }
        guard group.count == pairCount(classes.count) else {
            throw AnalysisError.shapeMismatch(object: "pair groups", expected: pairCount(classes.count), actual: group.count)
        }
        guard scale1.isFinite, scale1 > 0 else { throw AnalysisError.invalidScale(model: "T1", value: scale1) }
        guard scale2.isFinite, scale2 > 0 else { throw AnalysisError.invalidScale(model: "T2", value: scale2) }
        for g in group where g < 0 || Int(g) >= groupCount {
            throw AnalysisError.invalidArgument("pairs: group \(g) is outside 0..<\(groupCount)")
        }
        var found1: [Int] = [], found2: [Int] = []
        for k in classes {
            guard let a = t1.slot(of: k), let b = t2.slot(of: k) else { throw AnalysisError.invalidArgument("pairs: class \(k) was not summed") }
            found1.append(a); found2.append(b)
        }
        let slots1 = found1, slots2 = found2
        for (sums, slots, model) in [(t1, slots1, "T1"), (t2, slots2, "T2")] {
            for (m, slot) in slots.enumerated() where sums.rowCounts[slot] < Bootstrap.minimumBootstrapRows {
                throw AnalysisError.invalidArgument("bootstrap: class \(classes[m]) of \(model) has \(sums.rowCounts[slot]) row(s); resampling needs at least \(Bootstrap.minimumBootstrapRows)")
            }
        }
        let count = t1.replicates.count, dim1 = t1.dim, dim2 = t2.dim, n = classes.count
        var result = [Double](repeating: .nan, count: groupCount * count)
        let coincident = Coincident()
        let sizes: [Double] = {
            var c = [Double](repeating: 0, count: groupCount)
            for g in group { c[Int(g)] += 1 }
            return c
        }()
        t1.sums.withUnsafeBufferPointer { s1 in
            t2.sums.withUnsafeBufferPointer { s2 in
                result.withUnsafeMutableBufferPointer { out in
                    let shared = PairBuffers(a: s1.baseAddress!, b: s2.baseAddress!, out: out.baseAddress!)
                    let job = { @Sendable (b: Int) in
                        var sum = [Double](repeating: 0, count: groupCount)
                        var undefined = [Bool](repeating: false, count: groupCount)
                        var weighted = [Bool](repeating: true, count: n)
                        for m in 0..<n {
                            weighted[m] = t1.totals[slots1[m] * count + b] > 0 && t2.totals[slots2[m] * count + b] > 0
                        }
                        var p = 0
                        for i in 0..<n {
                            let a1 = shared.a + (slots1[i] * count + b) * dim1
                            let a2 = shared.b + (slots2[i] * count + b) * dim2
                            for j in (i + 1)..<max(i + 1, n) {
                                let g = Int(group[p])
                                p += 1
                                if undefined[g] { continue }
                                guard weighted[i], weighted[j] else { undefined[g] = true; continue }
                                let d1 = Centroids.euclidean(a1, shared.a + (slots1[j] * count + b) * dim1, dim1) / scale1
                                let d2 = Centroids.euclidean(a2, shared.b + (slots2[j] * count + b) * dim2, dim2) / scale2
                                guard d1 > 0 else { coincident.record(classes[i], classes[j]); undefined[g] = true; continue }
                                sum[g] += (d2 - d1) / d1
                            }
                        }
                        for g in 0..<groupCount where !undefined[g] && sizes[g] > 0 {
                            shared.out[g * count + b] = sum[g] / sizes[g]
                        }
                    }
                    if workers <= 1 || count == 1 {
                        for b in 0..<count { job(b) }
                    } else {
                        DispatchQueue.concurrentPerform(iterations: count, execute: job)
                    }
                }
            }
        }
        if let (a, b) = coincident.first { throw AnalysisError.coincidentCentroids(target: a, member: b) }
        return result
    }

    /// Percentile intervals of the group means: one per group from its replicate values (group,
    /// then replicate, as ``replicateGroupMeans(t1:t2:classes:group:groupCount:scale1:scale2:workers:)``
    /// returns them, blocks concatenated per group), by ``Bootstrap/interval(estimate:replicates:level:seed:)``'s rules.
    public static func intervals(estimates: [Double], replicates: [[Double]], level: Double, seed: UInt64) throws -> [BootstrapInterval] {
        guard estimates.count == replicates.count else {
            throw AnalysisError.shapeMismatch(object: "group replicates", expected: estimates.count, actual: replicates.count)
        }
        return try zip(estimates, replicates).map { try Bootstrap.interval(estimate: $0, replicates: $1, level: level, seed: seed) }
    }
}

/// The base addresses a block's workers share; each writes only its own replicate's slots.
private struct PairBuffers: @unchecked Sendable {
    let a: UnsafePointer<Double>
    let b: UnsafePointer<Double>
    let out: UnsafeMutablePointer<Double>
}

/// The first pair (by class indices) whose replicate centroids coincide in T1, from any worker.
private final class Coincident: @unchecked Sendable {
    private let lock = NSLockLike()
    private var found: (Int, Int)?
    func record(_ a: Int, _ b: Int) {
        lock.withLock { if found == nil || (a, b) < found! { found = (a, b) } }
    }
    var first: (Int, Int)? { lock.withLock { found } }
}

/// A mutex without Foundation (Analysis imports only Dispatch).
private final class NSLockLike: @unchecked Sendable {
    private let queue = DispatchQueue(label: "penultimate.pairs.lock")
    func withLock<T>(_ body: () -> T) -> T { queue.sync(execute: body) }
}
