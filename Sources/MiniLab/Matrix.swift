import COpenBLAS

/// A dense row-major Float32 matrix: the one array type the networks pass around.
public struct Matrix: Sendable, Equatable {
    /// Number of rows (samples, for activations).
    public var rows: Int
    /// Number of columns (features).
    public var cols: Int
    /// `rows * cols` values, row by row.
    public var values: [Float]

    /// A zero matrix.
    public init(rows: Int, cols: Int) {
        self.init(rows: rows, cols: cols, values: [Float](repeating: 0, count: rows * cols))
    }

    /// Wraps existing row-major values; `values.count` must be `rows * cols`.
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(rows >= 0 && cols >= 0 && values.count == rows * cols,
                     "Matrix: \(values.count) values for a \(rows)×\(cols) matrix")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// Element at row `r`, column `c`.
    public subscript(r: Int, c: Int) -> Float {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    /// The rows at `indices`, in that order (a mini-batch gather).
    public func gatherRows(_ indices: some Collection<Int>) -> Matrix {
        var out = [Float](repeating: 0, count: indices.count * cols)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, r) in indices.enumerated() {
                    precondition(r >= 0 && r < rows, "Matrix.gatherRows: row \(r) outside 0..<\(rows)")
                    for c in 0..<cols { dst[k * cols + c] = src[r * cols + c] }
                }
            }
        }
        return Matrix(rows: indices.count, cols: cols, values: out)
    }
}

/// Process-wide OpenBLAS settings.
public enum BLAS {
    /// Fixes the number of OpenBLAS threads. MiniLab calls this before training so that the
    /// summation order inside `sgemm`, and hence every weight, is the same on every run.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
}

/// `C = alpha · op(A) · op(B) + beta · C` on row-major buffers, through `cblas_sgemm`.
///
/// `op(A)` is `m×k`, `op(B)` is `k×n`, `C` is `m×n`; `transposeA`/`transposeB` say whether A and B are
/// stored transposed (A as `k×m`, B as `n×k`).
@inline(__always)
func gemm(
    _ a: UnsafePointer<Float>, transposeA: Bool,
    _ b: UnsafePointer<Float>, transposeB: Bool,
    _ c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0
) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(transposeA ? m : k),
        b, Int32(transposeB ? k : n),
        beta, c, Int32(n))
}
