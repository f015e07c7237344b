import Dispatch
/// Class centroids of one model on one split, in Double, with the row counts behind them.
public struct Centroids: Sendable, Equatable {
    /// Number of classes.
    public let classCount: Int
    /// Length of a centroid.
    public let dim: Int
    /// Centroids, `classCount × dim`, row-major; a class without rows holds zeros.
    public let values: [Double]
    /// Rows behind each centroid; 0 means the class has no centroid.
    public let counts: [Int]
    /// How rows were transformed before averaging (``DistanceNormalization/unit`` needs `.unitLength`).
    public let rowNormalization: CentroidAccumulator.RowNormalization

    /// Centroids from stored values, checked for shape.
    public init(classCount: Int, dim: Int, values: [Double], counts: [Int],
                rowNormalization: CentroidAccumulator.RowNormalization = .none) throws {
        guard classCount > 0, dim > 0 else {
            throw AnalysisError.invalidArgument("centroids: class count \(classCount) and dimension \(dim) must be positive")
        }
        guard values.count == classCount * dim else {
            throw AnalysisError.shapeMismatch(object: "centroid values", expected: classCount * dim, actual: values.count)
        }
        guard counts.count == classCount else {
            throw AnalysisError.shapeMismatch(object: "centroid counts", expected: classCount, actual: counts.count)
        }
        self.init(uncheckedClassCount: classCount, dim: dim, values: values, counts: counts, rowNormalization: rowNormalization)
    }

    init(uncheckedClassCount classCount: Int, dim: Int, values: [Double], counts: [Int],
         rowNormalization: CentroidAccumulator.RowNormalization) {
        self.classCount = classCount
        self.dim = dim
        self.values = values
        self.counts = counts
        self.rowNormalization = rowNormalization
    }

    /// Class `k`'s centroid.
    public func centroid(_ k: Int) -> ArraySlice<Double> {
        values[k * dim ..< (k + 1) * dim]
    }

    /// Classes that have at least one row, ascending.
    public var classesWithRows: [Int] { (0..<classCount).filter { counts[$0] > 0 } }

    /// Euclidean distance between the centroids of classes `a` and `b`.
    ///
    /// Throws when either class is out of range or has no rows.
    public func distance(_ a: Int, _ b: Int) throws -> Double {
        try requireCentroid(a)
        try requireCentroid(b)
        return values.withUnsafeBufferPointer { v in
            Self.euclidean(v.baseAddress! + a * dim, v.baseAddress! + b * dim, dim)
        }
    }

    /// The model-wide scale: the mean Euclidean distance over all unordered pairs of distinct classes
    /// that have rows. Throws when fewer than two classes have rows.
    /// The distances are computed on `workers` threads and summed in pair order on the caller's,
    /// so the result has the same bits for any number of workers.
    public func meanPairwiseCentroidDistance(workers: Int = 1) throws -> Double {
        let present = classesWithRows
        guard present.count >= 2 else {
            throw AnalysisError.invalidArgument("centroids: the mean pairwise distance needs at least two classes with rows, found \(present.count)")
        }
        var total = 0.0
        values.withUnsafeBufferPointer { v in
            Self.forEachSquaredDistanceBand(values: v.baseAddress!, dim: dim, rows: present, workers: workers) { _, band in
                for squared in band { total += squared.squareRoot() }
            }
        }
        let n = present.count
        let pairs = Double(n * (n - 1) / 2)
        return total / pairs
    }

    /// ‖a − b‖² of every pair of `rows` (indices of `dim`-long rows of `values`), i < j in
    /// row-major order (r₀r₁, r₀r₂, …, r₁r₂, …), handed to `consume` a band of rows at a time on
    /// the caller's thread with the rows it covers. Each band is computed on `workers` threads
    /// into a buffer of at most ``pairwiseBandPairs`` values (a row's pairs at least), so the
    /// caller sees the same values in the same order for any number of workers. The one all-pairs
    /// loop of the package: the mean distance, `eta pairs`' distances and the nearest centroids.
    static func forEachSquaredDistanceBand(values: UnsafePointer<Double>, dim: Int, rows: [Int], workers: Int,
                                           _ consume: (Range<Int>, UnsafeBufferPointer<Double>) -> Void) {
        let n = rows.count
        guard n >= 2 else { return }
        let base = UnsafeSendablePointer(values)
        let distances = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(pairwiseBandPairs, n))
        defer { distances.deallocate() }
        let out = UnsafeSendablePointer(distances.baseAddress!)
        var first = 0
        while first < n {
            // Rows first..<last, holding at most pairwiseBandPairs pairs (one row at least).
            var last = first, count = 0
            while last < n, last == first || count + (n - 1 - last) <= pairwiseBandPairs {
                count += n - 1 - last
                last += 1
            }
            let band = first..<last
            // Where each row's pairs start in the buffer.
            var starts = [Int](repeating: 0, count: band.count)
            for i in band.dropFirst() { starts[i - first] = starts[i - first - 1] + (n - i) }
            let offsets = starts
            let threads = max(1, min(band.count, workers))
            let job = { @Sendable (w: Int) in
                for i in stride(from: band.lowerBound + w, to: band.upperBound, by: threads) {
                    let a = base.pointer + rows[i] * dim
                    var slot = offsets[i - band.lowerBound]
                    for j in (i + 1)..<n {
                        out.pointer[slot] = squaredEuclidean(a, base.pointer + rows[j] * dim, dim)
                        slot += 1
                    }
                }
            }
            if threads == 1 { job(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: job) }
            consume(band, UnsafeBufferPointer(start: distances.baseAddress, count: count))
            first = last
        }
    }

    /// Pairs whose distances one band holds (256 KiB of Doubles).
    static let pairwiseBandPairs = 1 << 15

    func requireCentroid(_ k: Int) throws {
        guard k >= 0, k < classCount else { throw AnalysisError.classOutOfRange(class: k, classCount: classCount) }
        guard counts[k] > 0 else { throw AnalysisError.classWithoutRows(k) }
    }

    /// ‖a − b‖, in Double.
    @inline(__always)
    static func euclidean(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ dim: Int) -> Double {
        squaredEuclidean(a, b, dim).squareRoot()
    }

    /// ‖a − b‖², in Double (two running sums, so `euclidean` and the geometry's spreads share one order).
    @inline(__always)
    static func squaredEuclidean(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ dim: Int) -> Double {
        var s0 = 0.0, s1 = 0.0
        var j = 0
        while j + 2 <= dim {
            let d0 = a[j] - b[j], d1 = a[j + 1] - b[j + 1]
            s0 += d0 * d0; s1 += d1 * d1
            j += 2
        }
        if j < dim { let d = a[j] - b[j]; s0 += d * d }
        return s0 + s1
    }
}

/// A pointer the workers of one band share; each writes only its own rows' slots.
private struct UnsafeSendablePointer<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
    init(_ pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}
