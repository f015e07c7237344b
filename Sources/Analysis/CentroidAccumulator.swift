/// Per-class sums and counts of feature rows, accumulated in Double.
///
/// Sums and counts (not means) are the state, because they add across shards and blocks:
/// ``merge(_:)`` of two accumulators equals one accumulator fed both inputs (up to the order of
/// floating-point additions). ``centroids()`` divides at the end.
///
/// The hot path is `add(rows:labels:classes:)` on unsafe buffers, over a block of `rows × dim` Floats: one pass over
/// each row to check it (and, for unit length, to take its norm) while it is in cache, one pass adding
/// it into its class's Double sums, all through unsafe buffers so the inner loops carry no bounds checks.
///
/// With `tracksSpread`, the same pass also keeps each class's sum of squared deviations from its
/// mean, Σᵢ ‖xᵢ − c‖² (``squaredDeviations``), for `geometry`. It is not taken as Σ‖x‖² − n‖c‖²,
/// which cancels catastrophically when the mean is large next to the spread (features after a
/// ReLU). Chan et al.'s parallel update M2 = M2a + M2b + ‖δ‖² na nb / n combines the parts, all in
/// Double: each row into its class (a part of one row: M2 += (x − m_old)·(x − m_new), in the loop
/// that adds it to the sums), then workers and shards in ``merge(_:)``.
public struct CentroidAccumulator: Sendable {
    /// How each row is transformed before it is added.
    public enum RowNormalization: String, CaseIterable, Sendable {
        /// Rows are added as they are.
        case none
        /// Each row is divided by its L2 norm first, so every sample weighs the same whatever its scale.
        case unitLength
    }

    /// What to do with a row that cannot be used: one holding NaN or ±infinity, or, under
    /// ``RowNormalization/unitLength``, an all-zero row (it has no direction).
    public enum InvalidRowPolicy: String, CaseIterable, Sendable {
        /// Throw ``AnalysisError/nonFiniteRows(count:firstRow:)`` or ``AnalysisError/zeroRows(count:firstRow:)``
        /// with the number of such rows in the block. Rows of the block before the first bad one have
        /// already been added: discard the accumulator after a throw.
        case refuse
        /// Leave the row out and count it in ``skippedNonFinite`` or ``skippedZero``.
        case skip
    }

    /// Number of classes; labels must lie in `0..<classCount`.
    public let classCount: Int
    /// Length of a feature row.
    public let dim: Int
    /// The transform applied to each row before adding it.
    public let rowNormalization: RowNormalization
    /// What to do with rows that cannot be used.
    public let invalidRowPolicy: InvalidRowPolicy
    /// Per-class sums, `classCount × dim`, row-major.
    public private(set) var sums: [Double]
    /// Rows added per class.
    public private(set) var counts: [Int]
    /// Rows left out because they held NaN or infinity (skip policy only).
    public private(set) var skippedNonFinite: Int = 0
    /// All-zero rows left out under unit-length normalisation (skip policy only).
    public private(set) var skippedZero: Int = 0
    /// Per class, Σᵢ ‖xᵢ − c‖² over its rows (c its mean): only when built with `tracksSpread`,
    /// else nil.
    public private(set) var squaredDeviations: [Double]?

    /// Whether ``squaredDeviations`` is kept.
    public var tracksSpread: Bool { squaredDeviations != nil }

    /// An empty accumulator.
    ///
    /// - Parameter tracksSpread: also keep each class's sum of squared deviations
    ///   (``squaredDeviations``); rows as they are only (`rowNormalization` `.none`).
    public init(classCount: Int, dim: Int, rowNormalization: RowNormalization = .none,
                invalidRowPolicy: InvalidRowPolicy = .refuse, tracksSpread: Bool = false) throws {
        guard classCount > 0, dim > 0 else {
            throw AnalysisError.invalidArgument("centroid accumulator: class count \(classCount) and dimension \(dim) must be positive")
        }
        if tracksSpread {
            guard rowNormalization == .none else {
                throw AnalysisError.invalidArgument("centroid accumulator: the spread is kept for rows as they are, not under \(rowNormalization.rawValue) normalisation")
            }
            self.squaredDeviations = [Double](repeating: 0, count: classCount)
        }
        self.classCount = classCount
        self.dim = dim
        self.rowNormalization = rowNormalization
        self.invalidRowPolicy = invalidRowPolicy
        self.sums = [Double](repeating: 0, count: classCount * dim)
        self.counts = [Int](repeating: 0, count: classCount)
    }

    /// An accumulator resumed from stored sums and counts (for example a centroid file).
    public init(classCount: Int, dim: Int, rowNormalization: RowNormalization, sums: [Double], counts: [Int],
                invalidRowPolicy: InvalidRowPolicy = .refuse) throws {
        try self.init(classCount: classCount, dim: dim, rowNormalization: rowNormalization, invalidRowPolicy: invalidRowPolicy)
        guard sums.count == classCount * dim else {
            throw AnalysisError.shapeMismatch(object: "centroid sums", expected: classCount * dim, actual: sums.count)
        }
        guard counts.count == classCount else {
            throw AnalysisError.shapeMismatch(object: "centroid counts", expected: classCount, actual: counts.count)
        }
        if let bad = counts.first(where: { $0 < 0 }) {
            throw AnalysisError.invalidArgument("centroid counts: negative count \(bad)")
        }
        self.sums = sums
        self.counts = counts
    }

    /// Adds one row with its label.
    public mutating func add(row: UnsafeBufferPointer<Float>, label: Int) throws {
        guard row.count == dim else {
            throw AnalysisError.shapeMismatch(object: "feature row", expected: dim, actual: row.count)
        }
        guard label >= 0, label < classCount else {
            throw AnalysisError.labelOutOfRange(label: label, classCount: classCount)
        }
        try withUnsafePointer(to: Int32(label)) {
            try add(rows: row, labels: UnsafeBufferPointer(start: $0, count: 1), classes: nil)
        }
    }

    /// Adds one row with its label.
    public mutating func add(row: [Float], label: Int) throws {
        try row.withUnsafeBufferPointer { try add(row: $0, label: label) }
    }

    /// Adds a block of rows with their labels.
    ///
    /// - Parameters:
    ///   - rows: `labels.count × dim` Floats, row-major.
    ///   - labels: each row's class, in `0..<classCount`.
    ///   - classes: when given, rows of other classes are passed over (not counted anywhere).
    public mutating func add(rows: [Float], labels: [Int32], classes: Set<Int>? = nil) throws {
        try rows.withUnsafeBufferPointer { r in
            try labels.withUnsafeBufferPointer { l in try add(rows: r, labels: l, classes: classes) }
        }
    }

    /// Adds a block of rows with their labels: the fast path.
    ///
    /// - Parameters:
    ///   - rows: `labels.count × dim` Floats, row-major.
    ///   - labels: each row's class, in `0..<classCount`.
    ///   - classes: when given, rows of other classes are passed over (not counted anywhere).
    public mutating func add(rows: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>,
                             classes: Set<Int>? = nil) throws {
        try add(FloatRows.self, rows: rows, labels: labels, classes: classes)
    }

    /// Adds a block of float16 rows, given as their IEEE half bits, with their labels.
    ///
    /// Each half is widened in registers while it is added (half → Double is exact), so this gives
    /// the same sums, bit for bit, as converting the rows to Float and calling
    /// `add(rows:labels:classes:)` on the Floats, without the Float copy.
    ///
    /// - Parameters:
    ///   - halfRows: `labels.count × dim` halves, row-major.
    ///   - labels: each row's class, in `0..<classCount`.
    ///   - classes: when given, rows of other classes are passed over (not counted anywhere).
    public mutating func add(halfRows: UnsafeBufferPointer<UInt16>, labels: UnsafeBufferPointer<Int32>,
                             classes: Set<Int>? = nil) throws {
        try add(HalfRows.self, rows: halfRows, labels: labels, classes: classes)
    }

    private mutating func add<Kind: RowKind>(_ kind: Kind.Type, rows: UnsafeBufferPointer<Kind.Element>,
                                            labels: UnsafeBufferPointer<Int32>, classes: Set<Int>?) throws {
        let n = labels.count
        guard rows.count == n * dim else {
            throw AnalysisError.shapeMismatch(object: "feature block (\(n) labels × \(dim))", expected: n * dim, actual: rows.count)
        }
        if n == 0 { return }
        let classCount = classCount
        for label in labels where label < 0 || Int(label) >= classCount {
            throw AnalysisError.labelOutOfRange(label: Int(label), classCount: classCount)
        }
        var wanted: [Bool]? = nil
        if let classes {
            var mask = [Bool](repeating: false, count: classCount)
            for k in classes where k >= 0 && k < classCount { mask[k] = true }
            wanted = mask
        }
        if tracksSpread {
            try addTracked(kind, rows: rows, labels: labels, wanted: wanted)
            return
        }
        let dim = dim
        let unit = rowNormalization == .unitLength
        let refuse = invalidRowPolicy == .refuse
        guard let base = rows.baseAddress else { return }
        var nonFinite = 0, zero = 0
        var firstBad = -1
        var badIsZero = false
        // One row as Float, for the unit-length path over halves (norm and scaled add).
        let scratch = Kind.needsScratch && unit ? UnsafeMutablePointer<Float>.allocate(capacity: dim) : nil
        defer { scratch?.deallocate() }

        sums.withUnsafeMutableBufferPointer { sumBuffer in
            counts.withUnsafeMutableBufferPointer { countBuffer in
                let sumBase = sumBuffer.baseAddress!
                for r in 0..<n {
                    let label = Int(labels[r])
                    if let wanted, !wanted[label] { continue }
                    let row = base + r * dim
                    // A refused block is only scanned (to count its bad rows) after the first bad row.
                    let scanOnly = refuse && firstBad >= 0
                    if !Kind.isFinite(row, dim) {
                        nonFinite += 1
                        if refuse && firstBad < 0 { firstBad = r; badIsZero = false }
                        continue
                    }
                    var scale = 1.0
                    var floats: UnsafePointer<Float>? = nil
                    if unit {
                        let f = Kind.floats(row, dim, scratch: scratch)
                        floats = f
                        let squaredNorm = Self.squaredNorm(f, dim)
                        if squaredNorm == 0 {
                            zero += 1
                            if refuse && firstBad < 0 { firstBad = r; badIsZero = true }
                            continue
                        }
                        scale = 1 / squaredNorm.squareRoot()
                    }
                    if scanOnly { continue }
                    let sum = sumBase + label * dim
                    if let floats {
                        for j in 0..<dim { sum[j] += Double(floats[j]) * scale }
                    } else {
                        Kind.add(row, into: sum, dim)
                    }
                    countBuffer[label] += 1
                }
            }
        }
        if refuse && firstBad >= 0 {
            if badIsZero { throw AnalysisError.zeroRows(count: zero, firstRow: firstBad) }
            throw AnalysisError.nonFiniteRows(count: nonFinite, firstRow: firstBad)
        }
        skippedNonFinite += nonFinite
        skippedZero += zero
    }

    /// Adds another accumulator's sums, counts and skip counts (shards of one split, say).
    public mutating func merge(_ other: CentroidAccumulator) throws {
        guard other.classCount == classCount, other.dim == dim else {
            throw AnalysisError.incompatible("merging centroid sums: \(other.classCount) classes × \(other.dim) into \(classCount) classes × \(dim)")
        }
        guard other.rowNormalization == rowNormalization else {
            throw AnalysisError.incompatible("merging centroid sums: row normalisation \(other.rowNormalization.rawValue) into \(rowNormalization.rawValue)")
        }
        // Counts from files are untrusted: an overflow is an error, not a trap.
        var merged = counts
        for k in 0..<classCount {
            let (sum, overflow) = counts[k].addingReportingOverflow(other.counts[k])
            guard !overflow else { throw AnalysisError.invalidArgument("merging centroid sums: class \(k)'s row count overflows") }
            merged[k] = sum
        }
        let (nonFinite, o1) = skippedNonFinite.addingReportingOverflow(other.skippedNonFinite)
        let (zero, o2) = skippedZero.addingReportingOverflow(other.skippedZero)
        guard !o1, !o2 else { throw AnalysisError.invalidArgument("merging centroid sums: the skipped-row counts overflow") }
        guard tracksSpread == other.tracksSpread else {
            throw AnalysisError.incompatible("merging centroid sums: one keeps the spread and the other does not")
        }
        if var mine = squaredDeviations, let theirs = other.squaredDeviations {
            // Chan et al.: needs both sides' means, so before the sums are added.
            for k in 0..<classCount {
                mine[k] = Self.combinedSquaredDeviations(
                    mine[k], count: counts[k], sum: sums[(k * dim)..<((k + 1) * dim)],
                    theirs[k], otherCount: other.counts[k], otherSum: other.sums[(k * dim)..<((k + 1) * dim)])
            }
            squaredDeviations = mine
        }
        sums.withUnsafeMutableBufferPointer { mine in
            other.sums.withUnsafeBufferPointer { theirs in
                for i in 0..<mine.count { mine[i] += theirs[i] }
            }
        }
        counts = merged
        skippedNonFinite = nonFinite
        skippedZero = zero
    }

    /// Chan et al.'s parallel update of a sum of squared deviations: two groups of `count` and
    /// `otherCount` rows with sums `sum`, `otherSum` and squared deviations `m2a`, `m2b` together
    /// have m2a + m2b + ‖δ‖² na nb / (na + nb), δ the difference of their means.
    static func combinedSquaredDeviations(_ m2a: Double, count na: Int, sum: ArraySlice<Double>,
                                          _ m2b: Double, otherCount nb: Int, otherSum: ArraySlice<Double>) -> Double {
        if nb == 0 { return m2a }
        if na == 0 { return m2b }
        let inverseA = 1 / Double(na), inverseB = 1 / Double(nb)
        var squared = 0.0
        for (a, b) in zip(sum, otherSum) {
            let delta = b * inverseB - a * inverseA
            squared += delta * delta
        }
        return m2a + m2b + squared * (Double(na) * Double(nb) / (Double(na) + Double(nb)))
    }

    /// The block add with spread tracking: one pass over the rows, each row a block of one for
    /// Chan's update (its exact mean is the row, its squared deviation 0), so with n rows before,
    /// M2 += ‖x − m‖² · n / (n + 1) = (x − m_old)·(x − m_new), m from the running sums; the sums are
    /// updated in the same loop. Blocks of many rows of one class were tried first (exact block
    /// mean and deviations, then Chan): with 1000 classes a block holds about one row per class,
    /// and the per-block buffers made the pass 2.8 times slower than the centroid pass.
    private mutating func addTracked<Kind: RowKind>(_ kind: Kind.Type, rows: UnsafeBufferPointer<Kind.Element>,
                                                   labels: UnsafeBufferPointer<Int32>, wanted: [Bool]?) throws {
        let n = labels.count, dim = dim
        guard let base = rows.baseAddress else { return }
        let refuse = invalidRowPolicy == .refuse
        var nonFinite = 0, firstBad = -1
        let scratch = Kind.needsScratch ? UnsafeMutablePointer<Float>.allocate(capacity: dim) : nil
        defer { scratch?.deallocate() }
        var m2 = squaredDeviations!
        squaredDeviations = nil  // no copy on write while m2 is updated
        defer { squaredDeviations = m2 }
        sums.withUnsafeMutableBufferPointer { sumBuffer in
            counts.withUnsafeMutableBufferPointer { countBuffer in
                let sumBase = sumBuffer.baseAddress!
                for r in 0..<n {
                    let label = Int(labels[r])
                    if let wanted, !wanted[label] { continue }
                    let row = base + r * dim
                    if !Kind.isFinite(row, dim) {
                        nonFinite += 1
                        if firstBad < 0 { firstBad = r }
                        continue
                    }
                    // A refused block is only scanned (to count its bad rows) after the first bad row.
                    if refuse && firstBad >= 0 { continue }
                    let x = Kind.floats(row, dim, scratch: scratch)
                    let sum = sumBase + label * dim
                    let before = countBuffer[label]
                    if before == 0 {
                        for j in 0..<dim { sum[j] += Double(x[j]) }
                    } else {
                        let inverseOld = 1 / Double(before), inverseNew = 1 / Double(before + 1)
                        var a0 = 0.0, a1 = 0.0
                        var j = 0
                        while j + 2 <= dim {
                            let x0 = Double(x[j]), x1 = Double(x[j + 1])
                            let s0 = sum[j], s1 = sum[j + 1]
                            let n0 = s0 + x0, n1 = s1 + x1
                            a0 += (x0 - s0 * inverseOld) * (x0 - n0 * inverseNew)
                            a1 += (x1 - s1 * inverseOld) * (x1 - n1 * inverseNew)
                            sum[j] = n0; sum[j + 1] = n1
                            j += 2
                        }
                        if j < dim {
                            let x0 = Double(x[j]), s0 = sum[j], n0 = s0 + x0
                            a0 += (x0 - s0 * inverseOld) * (x0 - n0 * inverseNew)
                            sum[j] = n0
                        }
                        m2[label] += a0 + a1
                    }
                    countBuffer[label] += 1
                }
            }
        }
        if refuse && firstBad >= 0 { throw AnalysisError.nonFiniteRows(count: nonFinite, firstRow: firstBad) }
        skippedNonFinite += nonFinite
    }

    /// The class means: sums divided by counts. A class without rows gets a zero row and count 0.
    public func centroids() -> Centroids {
        var values = sums
        for k in 0..<classCount where counts[k] > 0 {
            let inverse = 1 / Double(counts[k])
            for j in 0..<dim { values[k * dim + j] *= inverse }
        }
        return Centroids(uncheckedClassCount: classCount, dim: dim, values: values, counts: counts,
                         rowNormalization: rowNormalization)
    }

    /// Whether every element of the row is finite, from the exponent bits in SIMD lanes.
    ///
    /// An exponent field `e` (bits 23–30) is all ones exactly when `e + 2²³` carries into bit 31,
    /// so OR-ing `(x & 0x7f80_0000) + 0x0080_0000` over the row and testing bit 31 needs no compare
    /// and no branch per element.
    @inline(__always)
    static func isFinite(_ row: UnsafePointer<Float>, _ dim: Int) -> Bool {
        let raw = UnsafeRawPointer(row)
        var lanes = SIMD16<UInt32>()
        var j = 0
        while j + 16 <= dim {
            let bits = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<UInt32>.self)
            lanes |= (bits & 0x7f80_0000) &+ 0x0080_0000
            j += 16
        }
        var special: UInt32 = 0
        while j < dim {
            special |= (raw.loadUnaligned(fromByteOffset: j * 4, as: UInt32.self) & 0x7f80_0000) &+ 0x0080_0000
            j += 1
        }
        for k in 0..<16 { special |= lanes[k] }
        return special & 0x8000_0000 == 0
    }

    /// Σ x², in Double with four partial sums so the loop is not one long dependency chain.
    @inline(__always)
    static func squaredNorm(_ row: UnsafePointer<Float>, _ dim: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var j = 0
        while j + 4 <= dim {
            let a = Double(row[j]), b = Double(row[j + 1]), c = Double(row[j + 2]), d = Double(row[j + 3])
            s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
            j += 4
        }
        while j < dim { let a = Double(row[j]); s0 += a * a; j += 1 }
        return (s0 + s1) + (s2 + s3)
    }
}

/// The element-type-specific kernels of ``CentroidAccumulator``'s block add (specialised per kind).
private protocol RowKind {
    associatedtype Element
    /// Whether ``floats(_:_:scratch:)`` needs a row of scratch Floats.
    static var needsScratch: Bool { get }
    /// Whether every element of the row is finite.
    static func isFinite(_ row: UnsafePointer<Element>, _ dim: Int) -> Bool
    /// The row as Floats (exactly): the row itself, or converted into `scratch`.
    static func floats(_ row: UnsafePointer<Element>, _ dim: Int, scratch: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float>
    /// `sum[j] += Double(row[j])` for every j, in one pass.
    static func add(_ row: UnsafePointer<Element>, into sum: UnsafeMutablePointer<Double>, _ dim: Int)
}

private enum FloatRows: RowKind {
    static var needsScratch: Bool { false }

    @inline(__always)
    static func isFinite(_ row: UnsafePointer<Float>, _ dim: Int) -> Bool { CentroidAccumulator.isFinite(row, dim) }

    @inline(__always)
    static func floats(_ row: UnsafePointer<Float>, _ dim: Int, scratch: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> { row }

    @inline(__always)
    static func add(_ row: UnsafePointer<Float>, into sum: UnsafeMutablePointer<Double>, _ dim: Int) {
        for j in 0..<dim { sum[j] += Double(row[j]) }
    }
}

/// IEEE half rows (their bits), widened in SIMD lanes with integer arithmetic and one multiply
/// (no F16C needed). ``floats(_:_:scratch:)`` and ``add(_:into:_:)`` take finite rows only (the
/// block add checks every row with ``isFinite(_:_:)`` first).
private enum HalfRows: RowKind {
    static var needsScratch: Bool { true }

    /// An exponent field (bits 10–14) is all ones exactly when adding 2¹⁰ carries into bit 15.
    @inline(__always)
    static func isFinite(_ row: UnsafePointer<UInt16>, _ dim: Int) -> Bool {
        let raw = UnsafeRawPointer(row)
        var lanes = SIMD16<UInt16>()
        var j = 0
        while j + 16 <= dim {
            let bits = raw.loadUnaligned(fromByteOffset: j * 2, as: SIMD16<UInt16>.self)
            lanes |= (bits & 0x7c00) &+ 0x0400
            j += 16
        }
        var special: UInt16 = 0
        while j < dim {
            special |= (row[j] & 0x7c00) &+ 0x0400
            j += 1
        }
        for k in 0..<16 { special |= lanes[k] }
        return special & 0x8000 == 0
    }

    /// Eight finite halves as Floats, exactly.
    ///
    /// Only for rows that passed ``isFinite(_:_:)``, which is what lets this skip the infinity/NaN
    /// lanes FeatureStore's general conversion handles: each half is moved to the top of a 32-bit
    /// lane (sign in the sign bit), an arithmetic shift right by 3 puts exponent and mantissa in
    /// single-precision position (the sign copies into bits 28–30, masked off), and as a Float that
    /// is the value times 2^-112, so one multiply (sign preserved, subnormal halves included, zero
    /// stays zero) gives the exact value. Five vector operations per four halves.
    @inline(__always)
    static func convert8(_ h: SIMD8<UInt16>) -> SIMD8<Float> {
        let high = unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16, to: SIMD8<Int32>.self)
        let bits = (high &>> 3) & Int32(bitPattern: 0x8fff_e000)
        return unsafeBitCast(bits, to: SIMD8<Float>.self) * 0x1p112
    }

    @inline(__always)
    static func convert1(_ h: UInt16) -> Float {
        var lane = SIMD8<UInt16>()
        lane[0] = h
        return convert8(lane)[0]
    }

    @inline(__always)
    static func floats(_ row: UnsafePointer<UInt16>, _ dim: Int, scratch: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> {
        let scratch = scratch!
        let src = UnsafeRawPointer(row), dst = UnsafeMutableRawPointer(scratch)
        var j = 0
        while j + 8 <= dim {
            dst.storeBytes(of: convert8(src.loadUnaligned(fromByteOffset: j * 2, as: SIMD8<UInt16>.self)),
                           toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < dim { scratch[j] = convert1(row[j]); j += 1 }
        return UnsafePointer(scratch)
    }

    @inline(__always)
    static func add(_ row: UnsafePointer<UInt16>, into sum: UnsafeMutablePointer<Double>, _ dim: Int) {
        let src = UnsafeRawPointer(row), dst = UnsafeMutableRawPointer(sum)
        var j = 0
        while j + 8 <= dim {
            let f = convert8(src.loadUnaligned(fromByteOffset: j * 2, as: SIMD8<UInt16>.self))
            let lo = SIMD4<Double>(Double(f[0]), Double(f[1]), Double(f[2]), Double(f[3]))
            let hi = SIMD4<Double>(Double(f[4]), Double(f[5]), Double(f[6]), Double(f[7]))
            dst.storeBytes(of: dst.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self) + lo,
                           toByteOffset: j * 8, as: SIMD4<Double>.self)
            dst.storeBytes(of: dst.loadUnaligned(fromByteOffset: j * 8 + 32, as: SIMD4<Double>.self) + hi,
                           toByteOffset: j * 8 + 32, as: SIMD4<Double>.self)
            j += 8
        }
        while j < dim { sum[j] += Double(convert1(row[j])); j += 1 }
    }
}
