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
        var unitRoundoff: Double {
            switch self {
            case .float16: 0x1p-11
            case .float32: 0x1p-24
            case .float64: 0x1p-53
            }
        }
    }

    /// Checks one block; `firstRow` is the stream position of its first row.
    mutating func check(features: [Float], logits: [Float], rowCount: Int, firstRow: Int) {
        var x = [Double](repeating: 0, count: dim)
        let uc = Self.computeRoundoff
        for r in 0..<rowCount {
            var finite = true
            for i in 0..<dim {
                let v = features[r * dim + i]
                if !v.isFinite { finite = false; break }
                x[i] = Double(v)
            }
            guard finite else { continue }
            rowsChecked += 1
            var beyond = false
            weight.withUnsafeBufferPointer { w in x.withUnsafeBufferPointer { xb in
                for k in 0..<classCount {
                    let (dot, absDot) = Self.dot(xb, UnsafeBufferPointer(rebasing: w[(k * dim)..<((k + 1) * dim)]))
                    let expected = dot + bias[k]
                    let stored = Double(logits[r * classCount + k])
                    var tolerance = (featureRoundoff + uc) * absDot + uc * abs(bias[k]) + logitRoundoff * abs(stored)
                    if subnormalTerm { tolerance += 0x1p-25 * weightAbsSums[k] }
                    let difference = abs(stored - expected)
                    if !(difference <= tolerance) { beyond = true }
                    // NaN or infinite stored logits rank above every finite excess.
                    let ratio = difference.isFinite ? difference / max(tolerance, .leastNonzeroMagnitude) : .infinity
                    if worst == nil || ratio > worst!.ratio {
                        worst = Worst(ratio: ratio, row: firstRow + r, classIndex: k, difference: difference, tolerance: tolerance)
                    }
                }
            } }
            if beyond { rowsBeyond += 1 }
        }
    }

    /// Σ xᵢwᵢ and Σ |xᵢwᵢ| in Double, four lanes at a time (the order of summation only moves
    /// the result by Double rounding, far below any tolerance here).
    static func dot(_ x: UnsafeBufferPointer<Double>, _ w: UnsafeBufferPointer<Double>) -> (Double, Double) {
        let n = min(x.count, w.count)
        guard n > 0 else { return (0, 0) }
        var sum = SIMD4<Double>(), absSum = SIMD4<Double>()
        var i = 0
        let xr = UnsafeRawPointer(x.baseAddress!), wr = UnsafeRawPointer(w.baseAddress!)
        let stride = MemoryLayout<Double>.stride
        while i + 4 <= n {
            let p = xr.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
                * wr.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
            sum += p
            absSum += p.replacing(with: -p, where: p .< 0)
            i += 4
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
