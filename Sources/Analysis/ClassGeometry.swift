/// How tight and how far apart a model's classes are, from one split's per-class counts, sums and
/// sums of squared deviations (``CentroidAccumulator`` with `tracksSpread`).
///
/// Definitions (the `Geometry` article of PenultimateKit says why):
/// - spread of class c: s = √(Σᵢ ‖xᵢ − c‖² / n), the root mean squared distance of its rows to
///   its centroid (population form, divided by n); defined for n ≥ 2 (nil below: one row has no spread);
/// - nearest: the other class of the universe with rows whose centroid is closest (Euclidean);
///   ties go to the lower class index; d is that distance;
/// - ratio: s / d (nil when s is);
/// - within = Σ_c Σᵢ ‖xᵢ − c‖² / N, between = Σ_c n_c ‖c − μ‖² / N (μ the mean of all N rows of
///   the universe's classes), within_between = within / between (trace form, weighted by rows);
/// - mean_ratio: the mean of the classes' ratios (classes with a ratio only).
///
/// The universe is the classes asked for (all by default); classes outside it are neither reported
/// nor candidates for nearest, nor counted in the summary.
public struct ClassGeometry: Sendable, Equatable {
    /// One class's numbers.
    public struct ClassResult: Sendable, Equatable {
        /// The class index.
        public var classIndex: Int
        /// Rows of the class.
        public var rows: Int
        /// √(mean ‖x − c‖²); nil for fewer than two rows.
        public var spread: Double?
        /// The nearest other class with rows; nil for a class without rows.
        public var nearest: Int?
        /// Distance between the two centroids; nil when ``nearest`` is.
        public var nearestDistance: Double?
        /// spread / nearestDistance; nil when either is.
        public var ratio: Double?
    }

    /// The universe's classes, ascending.
    public var classes: [ClassResult]
    /// Σ_c Σᵢ ‖xᵢ − c‖² / N.
    public var within: Double
    /// Σ_c n_c ‖c − μ‖² / N.
    public var between: Double
    /// within / between.
    public var withinBetween: Double { within / between }
    /// Mean of the classes' ratios; nil when no class has one.
    public var meanRatio: Double?
    /// Classes in ``meanRatio``.
    public var ratioCount: Int
    /// N: rows of the universe's classes.
    public var rows: Int

    /// Measures the classes `universe` (nil: all) of `accumulator`, which must keep the spread;
    /// `label` names a class in error messages (its index by default).
    ///
    /// - Throws: ``AnalysisError/invalidArgument(_:)`` when the accumulator does not keep the
    ///   spread, a class is out of range or repeated, fewer than two classes of the universe have
    ///   rows, or two centroids coincide (a ratio over distance 0 is not a number).
    public init(_ accumulator: CentroidAccumulator, classes universe: [Int]? = nil, workers: Int = 1,
                label: (Int) -> String = { String($0) }) throws {
        guard let deviations = accumulator.squaredDeviations else {
            throw AnalysisError.invalidArgument("class geometry: the accumulator does not keep the spread")
        }
        try self.init(counts: accumulator.counts, sums: accumulator.sums, squaredDeviations: deviations,
                      dim: accumulator.dim, classes: universe, workers: workers, label: label)
    }

    /// Measures from per-class `counts`, `sums` (`classCount × dim`) and `squaredDeviations`. The
    /// nearest centroids are found on `workers` threads, with the same result for any number.
    public init(counts: [Int], sums: [Double], squaredDeviations: [Double], dim: Int, classes universe: [Int]? = nil,
                workers: Int = 1, label: (Int) -> String = { String($0) }) throws {
        let classCount = counts.count
        guard dim > 0, sums.count == classCount * dim else {
            throw AnalysisError.shapeMismatch(object: "class sums", expected: classCount * max(dim, 0), actual: sums.count)
        }
        guard squaredDeviations.count == classCount else {
            throw AnalysisError.shapeMismatch(object: "squared deviations", expected: classCount, actual: squaredDeviations.count)
        }
        let chosen = universe ?? Array(0..<classCount)
        for k in chosen where k < 0 || k >= classCount { throw AnalysisError.classOutOfRange(class: k, classCount: classCount) }
        guard Set(chosen).count == chosen.count else {
            throw AnalysisError.invalidArgument("class geometry: a class is given twice")
        }
        let ordered = chosen.sorted()
        let present = ordered.filter { counts[$0] > 0 }
        guard present.count >= 2 else {
            throw AnalysisError.invalidArgument("class geometry: needs at least two classes with rows, found \(present.count)")
        }
        for k in present where !(squaredDeviations[k].isFinite && squaredDeviations[k] >= 0) {
            throw AnalysisError.invalidArgument("class geometry: class \(label(k))'s squared deviations \(squaredDeviations[k]) are not a non-negative number")
        }
        var centroids = [Double](repeating: 0, count: classCount * dim)
        for k in present {
            let inverse = 1 / Double(counts[k])
            for j in 0..<dim { centroids[k * dim + j] = sums[k * dim + j] * inverse }
        }
        // Nearest other class: direct differences (no ‖a‖² + ‖b‖² − 2a·b, which cancels), each
        // pair once. Every class meets its candidates in ascending index order, and only a
        // strictly smaller distance replaces the best, so ties go to the lower index.
        var nearest = [Int: (Int, Double)]()
        var bestIndex = [Int](repeating: -1, count: present.count)
        var bestSquared = [Double](repeating: .infinity, count: present.count)
        centroids.withUnsafeBufferPointer { c in
            Centroids.forEachSquaredDistanceBand(values: c.baseAddress!, dim: dim, rows: present, workers: workers) { band, squares in
                var p = 0
                for a in band {
                    for b in (a + 1)..<present.count {
                        let squared = squares[p]
                        p += 1
                        if squared < bestSquared[a] { bestSquared[a] = squared; bestIndex[a] = present[b] }
                        if squared < bestSquared[b] { bestSquared[b] = squared; bestIndex[b] = present[a] }
                    }
                }
            }
        }
        for (a, k) in present.enumerated() { nearest[k] = (bestIndex[a], bestSquared[a].squareRoot()) }
        var results: [ClassResult] = []
        var ratioSum = 0.0, ratioCount = 0
        for k in ordered {
            let n = counts[k]
            var result = ClassResult(classIndex: k, rows: n)
            if n > 0, let (other, distance) = nearest[k] {
                guard distance > 0 else {
                    throw AnalysisError.invalidArgument("class geometry: classes \(label(k)) and \(label(other)) have the same centroid (distance 0), so spread / distance is not a number")
                }
                result.nearest = other
                result.nearestDistance = distance
                if n >= 2 {
                    let spread = (squaredDeviations[k] / Double(n)).squareRoot()
                    result.spread = spread
                    result.ratio = spread / distance
                    ratioSum += spread / distance
                    ratioCount += 1
                }
            }
            results.append(result)
        }
        // Trace form, weighted by rows.
        var total = 0, withinSum = 0.0
        var mean = [Double](repeating: 0, count: dim)
        for k in present {
            total += counts[k]
            withinSum += squaredDeviations[k]
            for j in 0..<dim { mean[j] += sums[k * dim + j] }
        }
        for j in 0..<dim { mean[j] /= Double(total) }
        var betweenSum = 0.0
        centroids.withUnsafeBufferPointer { c in
            mean.withUnsafeBufferPointer { m in
                for k in present {
                    betweenSum += Double(counts[k]) * Centroids.squaredEuclidean(c.baseAddress! + k * dim, m.baseAddress!, dim)
                }
            }
        }
        classes = results
        within = withinSum / Double(total)
        between = betweenSum / Double(total)
        meanRatio = ratioCount > 0 ? ratioSum / Double(ratioCount) : nil
        self.ratioCount = ratioCount
        rows = total
    }
}
