import Analysis
import COpenBLAS

/// ``MatrixKernel`` through OpenBLAS: `multiplyAdd` is `cblas_dgemm` (β = 1), `gram` is
/// `cblas_dsyrk` on the upper triangle, mirrored to the lower.
///
/// OpenBLAS runs single-threaded here (``init()`` pins it with `openblas_set_num_threads(1)`):
/// callers split work over cores themselves, by class or replicate, so a result's bits depend on
/// neither the number of workers nor OpenBLAS's own thread scheduling, only on the machine (the
/// kernel OpenBLAS picks for the CPU) and the arguments. The kernel is used only where
/// `BLASKernelTests` holds it equal to ``ReferenceKernel`` (relative 1e-12 of the summed magnitudes).
public struct OpenBLASKernel: MatrixKernel {
    /// Pins OpenBLAS to one thread (process-wide, idempotent).
    public init() {
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// OpenBLAS's build and the kernel it chose for this CPU (for provenance and benchmarks).
    public static var configuration: String {
        let config = openblas_get_config().map { String(cString: $0) } ?? "?"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
        return "OpenBLAS \(config) (\(core))"
    }

    public func multiplyAdd(m: Int, n: Int, k: Int,
                            a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                    1, a, blasint(lda), b, blasint(ldb), 1, c, blasint(ldc))
    }

    public func gram(n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard n > 0 else { return }
        guard k > 0 else {
            for i in 0..<n { for j in 0..<n { c[i * ldc + j] = 0 } }
            return
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, blasint(n), blasint(k), 1, a, blasint(lda), 0, c, blasint(ldc))
        for i in 0..<n { for j in 0..<i { c[i * ldc + j] = c[j * ldc + i] } }
    }
}
