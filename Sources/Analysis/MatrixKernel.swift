/// The two dense Double products the bootstrap needs, behind a protocol so that `Analysis` stays pure
/// Swift: ``ReferenceKernel`` is the definition (plain loops, used by the tests and wherever no
/// faster kernel is given) and a workflow may inject a BLAS one (PenultimateKit's `OpenBLASKernel`,
/// dgemm and dsyrk), which a differential test holds equal to the reference within a stated tolerance.
///
/// All matrices are row-major with a leading dimension (the distance between the starts of two
/// rows, in elements), so a strided view (one replicate's centroids of every class) needs no copy.
/// A kernel must give the same bits for the same arguments every time it is called on one machine
/// (the BLAS one runs single-threaded; callers spread work over cores themselves).
public protocol MatrixKernel: Sendable {
    /// `C += A · B` for `A` m × k, `B` k × n, `C` m × n.
    func multiplyAdd(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, ldb: Int,
                     c: UnsafeMutablePointer<Double>, ldc: Int)

    /// `C = A · Aᵀ` for `A` n × k: the Gram matrix of `A`'s rows, both triangles written.
    func gram(n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int)
}

/// The reference kernel: the products as plain loops in Double (each output element summed over
/// `k` in order, four outputs at a time). Slower than BLAS, but the definition the BLAS kernel is
/// tested against.
public struct ReferenceKernel: MatrixKernel {
    public init() {}

    public func multiplyAdd(m: Int, n: Int, k: Int,
                            a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            c: UnsafeMutablePointer<Double>, ldc: Int) {
        for i in 0..<m {
            let row = c + i * ldc
            for p in 0..<k {
                let weight = a[i * lda + p]
                if weight == 0 { continue }
                let source = b + p * ldb
                var j = 0
                while j + 4 <= n {
                    row[j] += weight * source[j]
                    row[j + 1] += weight * source[j + 1]
                    row[j + 2] += weight * source[j + 2]
                    row[j + 3] += weight * source[j + 3]
                    j += 4
                }
                while j < n { row[j] += weight * source[j]; j += 1 }
            }
        }
    }

    public func gram(n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
        for i in 0..<n {
            for j in i..<n {
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                let x = a + i * lda, y = a + j * lda
                var p = 0
                while p + 4 <= k {
                    s0 += x[p] * y[p]; s1 += x[p + 1] * y[p + 1]
                    s2 += x[p + 2] * y[p + 2]; s3 += x[p + 3] * y[p + 3]
                    p += 4
                }
                while p < k { s0 += x[p] * y[p]; p += 1 }
                let s = (s0 + s1) + (s2 + s3)
                c[i * ldc + j] = s
                c[j * ldc + i] = s
            }
        }
    }
}
