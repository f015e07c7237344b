// Small dense linear algebra in Double: all the projections need (a few vectors of length D+1, 3×3 matrices).

/// Dot product of two equally long vectors.
@inline(__always)
func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}

/// Euclidean length.
@inline(__always)
func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

/// `a − b`.
@inline(__always)
func subtract(_ a: [Double], _ b: [Double]) -> [Double] { (0..<a.count).map { a[$0] - b[$0] } }

/// Thin QR of the matrix whose columns are `columns` (each of length m ≥ columns.count), by modified
/// Gram–Schmidt with one re-orthogonalisation pass (twice is enough for full-rank inputs).
///
/// R's diagonal is positive by construction, which makes Q unique for a full-rank matrix.
/// Returns nil for a column whose remainder is below `relativeTolerance` × the largest column norm
/// (rank deficiency), with the rank found so far.
func thinQR(columns: [[Double]], relativeTolerance: Double = 1e-10) -> (q: [[Double]], r: [[Double]], rank: Int) {
    let n = columns.count
    let largest = columns.map(norm).max() ?? 0
    var q: [[Double]] = []
    var r = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for j in 0..<n {
        var v = columns[j]
        for _ in 0..<2 {
            for i in 0..<q.count {
                let c = dot(q[i], v)
                r[i][j] += c
                for t in 0..<v.count { v[t] -= c * q[i][t] }
            }
        }
        let length = norm(v)
        guard largest > 0, length > relativeTolerance * largest else { return (q, r, q.count) }
        r[j][j] = length
        q.append(v.map { $0 / length })
    }
    return (q, r, n)
}

/// Eigen-decomposition of a symmetric n × n matrix (row-major) by cyclic Jacobi rotations.
///
/// Eigenvalues come sorted in descending order; each eigenvector is normalised and signed so that its
/// component of largest magnitude (the first such, on ties) is positive.
func symmetricEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [[Double]]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
        var offDiagonal = 0.0
        var diagonal = 0.0
        for i in 0..<n {
            diagonal += a[i * n + i] * a[i * n + i]
            for j in (i + 1)..<n { offDiagonal += a[i * n + j] * a[i * n + j] }
        }
        if offDiagonal <= 1e-32 * diagonal || offDiagonal == 0 { break }
        for p in 0..<n {
            for q in (p + 1)..<n where a[p * n + q] != 0 {
                // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
                let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot()
                let s = t * c
                for k in 0..<n {
                    let akp = a[k * n + p], akq = a[k * n + q]
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {
                    let apk = a[p * n + k], aqk = a[q * n + k]
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
    let values = order.map { a[$0 * n + $0] }
    let vectors = order.map { column -> [Double] in
        var e = (0..<n).map { v[$0 * n + column] }
        let length = norm(e)
        e = e.map { $0 / length }
        var largest = 0
        for i in 1..<n where abs(e[i]) > abs(e[largest]) { largest = i }
        return e[largest] < 0 ? e.map { -$0 } : e
    }
    return (values, vectors)
}

/// Reduced QR of the matrix whose columns are `columns` (each of length m ≥ columns.count) by
/// Householder reflections, exactly as LAPACK's `dgeqr2` + `dorg2r` (what `numpy.linalg.qr` calls):
/// each reflector's β = −sign(α)·‖x‖, so R's diagonal keeps whatever sign that gives and Q's columns
/// carry the matching signs. Used only to reproduce the paper's released code (``QRPCAConvention/paperCode``);
/// ``thinQR(columns:relativeTolerance:)`` is the documented basis. Returns Q's columns.
func householderQR(columns: [[Double]]) -> [[Double]] {
    let n = columns.count
    let m = columns.first?.count ?? 0
    var a = columns  // a[j] is column j
    var reflectors: [(v: [Double], tau: Double)] = []
    for j in 0..<n {
        let alpha = a[j][j]
        var xnorm = 0.0
        for i in (j + 1)..<m { xnorm += a[j][i] * a[j][i] }
        xnorm = xnorm.squareRoot()
        var v = [Double](repeating: 0, count: m - j)
        v[0] = 1
        var tau = 0.0
        if xnorm != 0 {
            // dlarfg: β = −sign(α)·hypot(α, ‖x‖) (Fortran SIGN: α = 0 counts as positive).
            let length = (alpha * alpha + xnorm * xnorm).squareRoot()
            let beta = alpha >= 0 ? -length : length
            tau = (beta - alpha) / beta
            let scale = 1 / (alpha - beta)
            for i in (j + 1)..<m { v[i - j] = a[j][i] * scale }
            a[j][j] = beta
        }
        // Apply H = I − τ v vᵀ to the remaining columns.
        for k in (j + 1)..<n where tau != 0 {
            var w = 0.0
            for i in j..<m { w += v[i - j] * a[k][i] }
            for i in j..<m { a[k][i] -= tau * w * v[i - j] }
        }
        reflectors.append((v, tau))
    }
    // dorg2r: Q = H₁ H₂ … Hₙ applied to the first n columns of the identity.
    var q = (0..<n).map { c -> [Double] in
        var e = [Double](repeating: 0, count: m)
        e[c] = 1
        return e
    }
    for j in stride(from: n - 1, through: 0, by: -1) {
        let (v, tau) = reflectors[j]
        guard tau != 0 else { continue }
        for c in 0..<n {
            var w = 0.0
            for i in j..<m { w += v[i - j] * q[c][i] }
            for i in j..<m { q[c][i] -= tau * w * v[i - j] }
        }
    }
    return q
}

/// sklearn's `svd_flip(U, Vt)` with `u_based_decision=True` (its PCA's sign rule up to 1.4): each
/// axis v is signed so that the score u = X·v of largest magnitude over the centred rows X (the first
/// such row on ties, as `np.argmax`) is positive. A zero score leaves the axis as it is.
func svdFlip(axes: [SIMD3<Double>], centred rows: [SIMD3<Double>]) -> [SIMD3<Double>] {
    axes.map { axis in
        var best = 0.0, sign = 1.0
        for row in rows {
            let u = (row * axis).sum()
            if abs(u) > best { best = abs(u); sign = u < 0 ? -1 : 1 }
        }
        return axis * sign
    }
}
