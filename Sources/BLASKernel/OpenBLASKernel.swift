import Analysis
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ``MatrixKernel`` through OpenBLAS: `multiplyAdd` is `cblas_dgemm` (β = 1), `gram` is
/// `cblas_dsyrk` on the upper triangle, mirrored to the lower.
///
/// OpenBLAS runs single-threaded here (loading pins it with `openblas_set_num_threads(1)`):
/// callers split work over cores themselves, by class or replicate, so a result's bits depend on
/// neither the number of workers nor OpenBLAS's thread scheduling, only on the machine (the kernel
/// OpenBLAS runs for the CPU) and the arguments. The kernel is used only where `BLASKernelTests`
/// holds it equal to ``ReferenceKernel`` (1e-12 of the summed magnitudes of each element's terms).
///
/// Why OpenBLAS is loaded here rather than linked: OpenBLAS picks its kernels for the CPU when it
/// is loaded, and Debian 12's 0.3.21 does not know recent Intel cores (Emerald Rapids, family 6
/// model 207): it falls back to its Prescott (SSE3) kernels, which run our products 2–3 times
/// slower. Loading it ourselves lets us name the core first, through `OPENBLAS_CORETYPE`, from the
/// CPU's flags: `SkylakeX` with AVX-512 (F, CD, BW, DQ, VL), `Haswell` with AVX2 and FMA, which is
/// what OpenBLAS itself picks on the cores it knows. A set `OPENBLAS_CORETYPE` is left alone.
public struct OpenBLASKernel: MatrixKernel {
    private let library: Library

    /// The kernel, or nil when OpenBLAS cannot be loaded (callers then use ``ReferenceKernel``).
    public static let shared: OpenBLASKernel? = Library.load().map { OpenBLASKernel(library: $0) }

    /// The core named from the CPU's flags before loading (nil: OpenBLAS chooses).
    public static var cpuFlagsCore: String? { Library.coreFromCPUFlags() }

    /// OpenBLAS's build and the core whose kernels it runs (for benchmarks and provenance).
    public var configuration: String { "\(library.config) (\(library.core))" }

    public func multiplyAdd(m: Int, n: Int, k: Int,
                            a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        library.dgemm(Library.rowMajor, Library.noTrans, Library.noTrans, Int32(m), Int32(n), Int32(k),
                      1, a, Int32(lda), b, Int32(ldb), 1, c, Int32(ldc))
    }

    public func gram(n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard n > 0 else { return }
        guard k > 0 else {
            for i in 0..<n { for j in 0..<n { c[i * ldc + j] = 0 } }
            return
        }
        library.dsyrk(Library.rowMajor, Library.upper, Library.noTrans, Int32(n), Int32(k), 1, a, Int32(lda), 0, c, Int32(ldc))
        for i in 0..<n { for j in 0..<i { c[i * ldc + j] = c[j * ldc + i] } }
    }
}

/// The OpenBLAS entry points, looked up once.
private struct Library: @unchecked Sendable {
    typealias Gemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
                                     UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    typealias Syrk = @convention(c) (Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
                                     Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    // CBLAS's enum values (cblas.h).
    static let rowMajor: Int32 = 101, noTrans: Int32 = 111, upper: Int32 = 121

    let dgemm: Gemm
    let dsyrk: Syrk
    let config: String
    let core: String

    static func load() -> Library? {
        #if os(Linux)
        let names = ["libopenblas.so.0", "libopenblas.so"]
        #else
        let names = ["libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", "/usr/local/opt/openblas/lib/libopenblas.dylib"]
        #endif
        let named = getenv("OPENBLAS_CORETYPE") == nil ? coreFromCPUFlags() : nil
        if let named { setenv("OPENBLAS_CORETYPE", named, 1) }
        defer { if named != nil { unsetenv("OPENBLAS_CORETYPE") } }  // not passed on to children
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first,
              let gemm = dlsym(handle, "cblas_dgemm"), let syrk = dlsym(handle, "cblas_dsyrk"),
              let setThreads = dlsym(handle, "openblas_set_num_threads") else { return nil }
        unsafeBitCast(setThreads, to: (@convention(c) (Int32) -> Void).self)(1)
        func text(_ symbol: String) -> String {
            guard let f = dlsym(handle, symbol) else { return "?" }
            return unsafeBitCast(f, to: (@convention(c) () -> UnsafePointer<CChar>?).self)().map { String(cString: $0) } ?? "?"
        }
        return Library(dgemm: unsafeBitCast(gemm, to: Gemm.self), dsyrk: unsafeBitCast(syrk, to: Syrk.self),
                       config: text("openblas_get_config"), core: text("openblas_get_corename"))
    }

    /// The OpenBLAS core for this CPU's flags (Linux's /proc/cpuinfo), or nil to let OpenBLAS choose.
    static func coreFromCPUFlags() -> String? {
        #if os(Linux) && arch(x86_64)
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
            if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
            if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
            return nil
        }
        #endif
        return nil
    }
}
