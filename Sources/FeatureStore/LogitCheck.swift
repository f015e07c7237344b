/// Checks stored logits against features·Wᵀ + b, proving that the features are the input of the
/// stored classifier (a hook on the wrong layer — before a final LayerNorm, ReLU or dropout —
/// gives features whose centroids and projections mean nothing, yet look like any others).
///
/// Each expected logit e = Σᵢ xᵢ·wᵢ + b is accumulated in Double and compared with the stored
/// logit z. The tolerance for row r and class k is
///
///     tol = (u_x + u_c)·Σᵢ |xᵢ·wᵢ| + 2⁻²⁵·Σᵢ |wᵢ| [float16 features only] + u_c·|b| + u_z·|z|
///
/// - u_x, the unit roundoff of the stored feature type (2⁻¹¹ float16, 2⁻²⁴ float32, 2⁻⁵³
///   float64): the dump holds x = x*(1 + δ) with |δ| ≤ u_x, so Σ xᵢwᵢ is off by at most
///   u_x·Σ|xᵢwᵢ|; float16's subnormals (below 2⁻¹⁴) round with absolute error ≤ 2⁻²⁵ instead;
/// - u_c = 2⁻¹⁰, for the model's own arithmetic: float32 accumulation of up to 2¹⁴ products in
///   the worst case, or GPU matmuls in TF32 or float16 with float32 accumulation;
/// - u_z, the unit roundoff of the stored logit type (rounding of z itself).
///
/// Correct features pass in float16 and float32; features taken one layer too early differ by
/// orders of magnitude more (the measured ConvNeXt case: up to 1.35). Logits computed in
/// bfloat16 (8-bit mantissa) can exceed the bound: store float32 logits of a float32 forward pass.
struct LogitCheck {
    /// The worst logit found: the largest |z − e| / tol (below 1 when every logit is within tolerance).
    struct Worst: Sendable, Equatable {
        var ratio: Double
        var row: Int
        var classIndex: Int
        var difference: Double
        var tolerance: Double
    }

    let classCount: Int
    let dim: Int
    let weight: [Double]
    let bias: [Double]
    /// Σᵢ|wᵢ| per class, for float16's subnormal rounding.
    let weightAbsSums: [Double]
    let featureRoundoff: Double
    let subnormalTerm: Bool
    let logitRoundoff: Double
    static let computeRoundoff = 0x1p-10

    /// Rows checked so far (rows with non-finite features are skipped: they are counted as NaN/Inf).
    var rowsChecked = 0
    /// Rows with at least one logit beyond its tolerance.
    var rowsBeyond = 0
    var worst: Worst?

    init(weight: [Float], bias: [Float], classCount: Int, dim: Int, featureType: ElementTypeName, logitType: ElementTypeName) {
        self.classCount = classCount
        self.dim = dim
        self.weight = weight.map(Double.init)
        self.bias = bias.map(Double.init)
        weightAbsSums = (0..<classCount).map { k in (0..<dim).reduce(0.0) { $0 + abs(Double(weight[k * dim + $1])) } }
        featureRoundoff = featureType.unitRoundoff
        subnormalTerm = featureType == .float16
        logitRoundoff = logitType.unitRoundoff
    }

    /// The float types a dump stores, with their unit roundoff.
    enum ElementTypeName: Equatable {
        case float16, float32, float64
        /// A non-IEEE float (bfloat16, ...) with `significandBits` bits of precision.
        case custom(significandBits: Int)
        var unitRoundoff: Double {
            switch self {
            case .float16: 0x1p-11
            case .float32: 0x1p-24
            case .float64: 0x1p-53
            case let .custom(bits): Double(sign: .plus, exponent: -bits, significand: 1)
            }
        }
    }

    /// Rows checked together against each class's weights: the tile's rows (in Double) stay in
    /// cache while the weights stream past once per tile instead of once per row.
    static let tileRows = 16

    /// Checks one block; `firstRow` is the stream position of its first row.
    mutating func check(features: [Float], logits: [Float], rowCount: Int, firstRow: Int) {
        let uc = Self.computeRoundoff
        var x = [Double](repeating: 0, count: Self.tileRows * dim)
        var rows: [Int] = []
        rows.reserveCapacity(Self.tileRows)
        for tileStart in stride(from: 0, to: rowCount, by: Self.tileRows) {
            // The tile's rows with finite features (the others are counted as NaN/Inf).
            rows.removeAll(keepingCapacity: true)
            for r in tileStart..<min(rowCount, tileStart + Self.tileRows) {
                let row = features[(r * dim)..<((r + 1) * dim)]
                guard row.allSatisfy(\.isFinite) else { continue }
                let t = rows.count
                for (i, v) in row.enumerated() { x[t * dim + i] = Double(v) }
                rows.append(r)
            }
            rowsChecked += rows.count
            var beyond = [Bool](repeating: false, count: rows.count)
            weight.withUnsafeBufferPointer { w in x.withUnsafeBufferPointer { xb in
                for k in 0..<classCount {
                    let wk = UnsafeBufferPointer(rebasing: w[(k * dim)..<((k + 1) * dim)])
                    for (t, r) in rows.enumerated() {
                        let (dot, absDot) = Self.dot(UnsafeBufferPointer(rebasing: xb[(t * dim)..<((t + 1) * dim)]), wk)
                        let expected = dot + bias[k]
                        let stored = Double(logits[r * classCount + k])
                        var tolerance = (featureRoundoff + uc) * absDot + uc * abs(bias[k]) + logitRoundoff * abs(stored)
                        if subnormalTerm { tolerance += 0x1p-25 * weightAbsSums[k] }
                        let difference = abs(stored - expected)
                        if !(difference <= tolerance) { beyond[t] = true }
                        // NaN or infinite stored logits rank above every finite excess.
                        let ratio = difference.isFinite ? difference / max(tolerance, .leastNonzeroMagnitude) : .infinity
                        if worst == nil || ratio > worst!.ratio || (ratio == worst!.ratio && firstRow + r < worst!.row) {
                            worst = Worst(ratio: ratio, row: firstRow + r, classIndex: k, difference: difference, tolerance: tolerance)
                        }
                    }
                }
            } }
            rowsBeyond += beyond.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    /// Σ xᵢwᵢ and Σ |xᵢwᵢ| in Double, eight lanes at a time (the order of summation only moves
    /// the result by Double rounding, far below any tolerance here).
    static func dot(_ x: UnsafeBufferPointer<Double>, _ w: UnsafeBufferPointer<Double>) -> (Double, Double) {
        let n = min(x.count, w.count)
        guard n > 0 else { return (0, 0) }
        var sum = SIMD8<Double>(), absSum = SIMD8<Double>()
        let signless = SIMD8<UInt64>(repeating: 0x7FFF_FFFF_FFFF_FFFF)
        var i = 0
        let xr = UnsafeRawPointer(x.baseAddress!), wr = UnsafeRawPointer(w.baseAddress!)
        let stride = MemoryLayout<Double>.stride
        while i + 8 <= n {
            let p = xr.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Double>.self)
                * wr.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Double>.self)
            sum += p
            // |p| by clearing the sign bits.
            absSum += unsafeBitCast(unsafeBitCast(p, to: SIMD8<UInt64>.self) & signless, to: SIMD8<Double>.self)
            i += 8
        }
        var dot = sum.sum(), absDot = absSum.sum()
        while i < n {
            let p = x[i] * w[i]
            dot += p
            absDot += abs(p)
            i += 1
        }
        return (dot, absDot)
    }
}
