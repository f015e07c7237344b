import Dispatch

/// Poisson-weighted sums of some classes' rows for a block of bootstrap replicates, in Double:
/// replicate `b`'s centroid of class `k` is `Σᵢ wᵢᵦ·xᵢ / Σᵢ wᵢᵦ` over that class's rows, with
/// ``PoissonWeights``. One streaming pass fills it; nothing but the sums is kept, so memory is
/// ``bytes(classes:dim:replicates:)`` whatever the number of rows.
///
/// Rows that cannot be used (NaN/Inf, or all zero under unit length) are passed over, as the
/// centroid pass's skip policy does (the centroid pass has already refused them when asked to).
public struct ReplicateSums: Sendable {
    /// The classes summed, in slot order.
    public let classes: [Int]
    /// Length of a feature row.
    public let dim: Int
    /// The replicates held.
    public let replicates: Range<Int>
    /// How rows are transformed before they are added.
    public let rowNormalization: CentroidAccumulator.RowNormalization
    /// The weights.
    public let weights: PoissonWeights
    /// Slot of each class, -1 when not summed.
    private let slotOf: [Int]
    /// `classes.count × replicates.count × dim` weighted sums (slot, then replicate, then element).
    public private(set) var sums: [Double]
    /// `classes.count × replicates.count` total weights.
    public private(set) var totals: [Double]
    /// Rows seen per slot, usable or not (ordinals of rows without sample_index count them all).
    public private(set) var rowCounts: [Int]
    /// Per slot, the wrapping sum of the rows' keys: equal in two models exactly when (but for a
    /// 2⁻⁶⁴ chance) they hold the same samples of that class, which paired resampling needs.
    public private(set) var fingerprints: [UInt64]

    /// Bytes of the sums and totals for this many classes and replicates.
    public static func bytes(classes: Int, dim: Int, replicates: Int) -> Int {
        classes * replicates * (dim + 1) * MemoryLayout<Double>.stride
    }

    /// Empty sums of `classes` (each in `0..<classCount`) for `replicates`.
    public init(classCount: Int, classes: [Int], dim: Int, replicates: Range<Int>,
                rowNormalization: CentroidAccumulator.RowNormalization, weights: PoissonWeights) throws {
        guard dim > 0, classCount > 0 else { throw AnalysisError.invalidArgument("replicate sums: \(classCount) classes × \(dim) must be positive") }
        guard !replicates.isEmpty, replicates.lowerBound >= 0 else { throw AnalysisError.invalidArgument("replicate sums: replicates \(replicates) must be a non-empty range from 0") }
        var slotOf = [Int](repeating: -1, count: classCount)
        for (slot, k) in classes.enumerated() {
            guard k >= 0, k < classCount else { throw AnalysisError.labelOutOfRange(label: k, classCount: classCount) }
            guard slotOf[k] < 0 else { throw AnalysisError.invalidArgument("replicate sums: class \(k) given twice") }
            slotOf[k] = slot
        }
        self.classes = classes
        self.dim = dim
        self.replicates = replicates
        self.rowNormalization = rowNormalization
        self.weights = weights
        self.slotOf = slotOf
        sums = [Double](repeating: 0, count: classes.count * replicates.count * dim)
        totals = [Double](repeating: 0, count: classes.count * replicates.count)
        rowCounts = [Int](repeating: 0, count: classes.count)
        fingerprints = [UInt64](repeating: 0, count: classes.count)
    }

    /// The slot of class `k`, or nil when it is not summed.
    public func slot(of k: Int) -> Int? { k >= 0 && k < slotOf.count && slotOf[k] >= 0 ? slotOf[k] : nil }

    /// Rows of one class taken into one weight block: the `k` of each ``MatrixKernel/multiplyAdd``.
    /// Bounds the per-worker buffers (`replicates × 256` weights and `256 × dim` rows, in Double).
    public static let rowsPerProduct = 256

    /// Bytes of the buffers each worker of ``add(rows:labels:sampleIndex:workers:kernel:)`` holds.
    public static func workerBytes(dim: Int, replicates: Int) -> Int {
        rowsPerProduct * (replicates + dim) * MemoryLayout<Double>.stride
    }

    /// Adds a block of rows (every class's; rows of classes not summed are passed over).
    ///
    /// A class's rows in the block are taken `rowsPerProduct` at a time: their Poisson weights in the
    /// held replicates form a `replicates × k` matrix `W`, the rows (in Double, scaled) a `k × dim`
    /// matrix `X`, and the class's `replicates × dim` sums grow by `W · X` (one ``MatrixKernel``
    /// product, the rows in block order). The classes are split among `workers` threads, each owning
    /// its classes' sums, so the result has the same bits whatever the number of workers; the bits
    /// depend on the kernel (and, for BLAS, on the machine), the weights never do. Larger blocks
    /// give the kernel more rows per product: pass as many rows as memory allows.
    ///
    /// - Parameters:
    ///   - rows: `labels.count × dim` Floats, row-major.
    ///   - labels: each row's class.
    ///   - sampleIndex: each row's sample_index, when the dump stores it (then it keys the weights).
    ///   - kernel: computes the products (``ReferenceKernel`` unless a faster one is injected).
    public mutating func add(rows: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>,
                             sampleIndex: UnsafeBufferPointer<Int64>?, workers: Int = 1,
                             kernel: any MatrixKernel = ReferenceKernel()) throws {
        let n = labels.count
        guard rows.count == n * dim else {
            throw AnalysisError.shapeMismatch(object: "feature block (\(n) labels × \(dim))", expected: n * dim, actual: rows.count)
        }
        if let sampleIndex, sampleIndex.count != n {
            throw AnalysisError.shapeMismatch(object: "sample_index block", expected: n, actual: sampleIndex.count)
        }
        guard !holdsMeans else { throw AnalysisError.invalidArgument("replicate sums: rows added after divideByTotals()") }
        guard n > 0, let base = rows.baseAddress else { return }
        let dim = dim
        // Pass 1 (one thread): which rows count, their keys and scales, grouped by slot.
        var picked: [(slot: Int, row: Int, key: UInt64, scale: Double)] = []
        picked.reserveCapacity(n)
        for r in 0..<n {
            let label = Int(labels[r])
            guard label >= 0, label < slotOf.count else { throw AnalysisError.labelOutOfRange(label: label, classCount: slotOf.count) }
            let slot = slotOf[label]
            if slot < 0 { continue }
            let key = sampleIndex.map { weights.key(sample: $0[r]) } ?? weights.key(label: label, ordinal: rowCounts[slot])
            rowCounts[slot] += 1
            fingerprints[slot] &+= key
            let row = base + r * dim
            guard CentroidAccumulator.isFinite(row, dim) else { continue }
            var scale = 1.0
            if rowNormalization == .unitLength {
                let squaredNorm = CentroidAccumulator.squaredNorm(row, dim)
                if squaredNorm == 0 { continue }
                scale = 1 / squaredNorm.squareRoot()
            }
            picked.append((slot, r, key, scale))
        }
        if picked.isEmpty { return }
        picked.sort { ($0.slot, $0.row) < ($1.slot, $1.row) }
        var groups: [(slot: Int, range: Range<Int>)] = []
        var start = 0
        for i in 1...picked.count where i == picked.count || picked[i].slot != picked[start].slot {
            groups.append((picked[start].slot, start..<i))
            start = i
        }
        let entries = picked
        let slotGroups = groups
        let count = replicates.count, first = replicates.lowerBound
        let workers = max(1, min(workers, slotGroups.count))
        let chunk = Self.rowsPerProduct
        sums.withUnsafeMutableBufferPointer { s in
            totals.withUnsafeMutableBufferPointer { t in
                let shared = SharedBuffers(sums: s.baseAddress!, totals: t.baseAddress!, rows: base)
                // Worker w takes the groups w, w + workers, …: each class's sums have one writer.
                let job = { @Sendable (w: Int) in
                    let weightBlock = UnsafeMutablePointer<Double>.allocate(capacity: count * chunk)
                    let rowBlock = UnsafeMutablePointer<Double>.allocate(capacity: chunk * dim)
                    defer { weightBlock.deallocate(); rowBlock.deallocate() }
                    for group in stride(from: w, to: slotGroups.count, by: workers).map({ slotGroups[$0] }) {
                        let sum = shared.sums + group.slot * count * dim
                        let total = shared.totals + group.slot * count
                        for lo in stride(from: group.range.lowerBound, to: group.range.upperBound, by: chunk) {
                            let hi = min(lo + chunk, group.range.upperBound), k = hi - lo
                            for i in 0..<k {
                                let entry = entries[lo + i]
                                let row = shared.rows + entry.row * dim, out = rowBlock + i * dim
                                for j in 0..<dim { out[j] = Double(row[j]) * entry.scale }
                            }
                            for b in 0..<count {
                                let weights = weightBlock + b * k
                                var weight = 0.0
                                for i in 0..<k {
                                    weights[i] = Double(PoissonWeights.weight(key: entries[lo + i].key, replicate: first + b))
                                    weight += weights[i]
                                }
                                total[b] += weight
                            }
                            kernel.multiplyAdd(m: count, n: dim, k: k, a: weightBlock, lda: k, b: rowBlock, ldb: dim, c: sum, ldc: dim)
                        }
                    }
                }
                if workers == 1 { job(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: job) }
            }
        }
    }

    /// Whether ``sums`` now hold the replicate centroids (after ``divideByTotals()``).
    public private(set) var holdsMeans = false

    /// Divides every replicate sum by its total weight, in place, so ``sums`` hold the replicate
    /// centroids (a class without weight in a replicate keeps zeros; its total says so). Adding
    /// rows afterwards is an error.
    public mutating func divideByTotals() {
        guard !holdsMeans else { return }
        let dim = dim
        sums.withUnsafeMutableBufferPointer { s in
            for (i, total) in totals.enumerated() where total > 0 {
                let inverse = 1 / total
                let row = s.baseAddress! + i * dim
                for j in 0..<dim { row[j] *= inverse }
            }
        }
        holdsMeans = true
    }

    /// Replicate `b`'s centroid of class `k` (slot given), or nil when the class got no weight.
    public func centroid(slot: Int, replicate b: Int) -> [Double]? {
        let i = slot * replicates.count + (b - replicates.lowerBound)
        let total = totals[i]
        guard total > 0 else { return nil }
        if holdsMeans { return Array(sums[(i * dim)..<((i + 1) * dim)]) }
        let inverse = 1 / total
        return (0..<dim).map { sums[i * dim + $0] * inverse }
    }
}

/// The base addresses one block's workers share; each writes only its own replicates' sums.
private struct SharedBuffers: @unchecked Sendable {
    let sums: UnsafeMutablePointer<Double>
    let totals: UnsafeMutablePointer<Double>
    let rows: UnsafePointer<Float>
}
