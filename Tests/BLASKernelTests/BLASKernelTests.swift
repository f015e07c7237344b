import Analysis
import BLASKernel
import Testing
import TestSupport

/// The differential test that licenses the BLAS path: OpenBLAS's products equal Analysis's pure
/// Swift ``ReferenceKernel`` within a stated tolerance, on the shapes the bootstrap uses (and odd
/// ones: k = 1, strided views, non-zero C), and so do the replicate sums and replicate η built on them.
///
/// Tolerance: each element within 1e-12 of the sum of the magnitudes of its terms
/// (Σₚ|aᵢₚ·bₚⱼ| + |cᵢⱼ|): both sides round each term's product and sum once, in different orders,
/// which moves the result by at most about k·ε of that magnitude (k ≤ 512: 1.1e-13).
///
/// This test bundle links MiniLab, which loads OpenBLAS when the process starts: here OpenBLAS runs
/// the kernels it chose itself. The kernels `eta` names for the CPU are held to the reference by
/// `test_blas_kernel_matches_the_reference` in Tests/Python/test_bootstrap.py (eta with
/// `PENULTIMATE_MATRIX_KERNEL=reference` against eta with OpenBLAS).
@Suite struct BLASKernelTests {
    let blas = OpenBLASKernel.shared!
    let reference = ReferenceKernel()

    func values(_ count: Int, _ generator: inout Xoshiro256StarStar) -> [Double] {
        (0..<count).map { _ in Double(Int64(bitPattern: generator.next() >> 11)) / Double(1 << 52) - 1 }
    }

    @Test(arguments: [(1, 1, 1), (7, 5, 1), (130, 512, 64), (1000, 512, 13), (3, 9, 256), (64, 33, 300)])
    func multiplyAddMatchesTheReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var generator = Xoshiro256StarStar(seed: UInt64(m * 31 + n * 7 + k))
        // Strided: lda, ldb, ldc larger than the rows they hold.
        let lda = k + 3, ldb = n + 1, ldc = n + 5
        let a = values(m * lda, &generator), b = values(k * ldb, &generator)
        let c0 = values(m * ldc, &generator)
        var c1 = c0, c2 = c0
        c1.withUnsafeMutableBufferPointer { c in blas.multiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc) }
        c2.withUnsafeMutableBufferPointer { c in reference.multiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc) }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<ldc {
                guard j < n else { #expect(c1[i * ldc + j] == c0[i * ldc + j]); continue }  // padding untouched
                var magnitude = abs(c0[i * ldc + j])
                for p in 0..<k { magnitude += abs(a[i * lda + p] * b[p * ldb + j]) }
                worst = max(worst, abs(c1[i * ldc + j] - c2[i * ldc + j]) / magnitude)
            }
        }
        #expect(worst <= 1e-12)
    }

    @Test(arguments: [(1, 1), (10, 512), (300, 17), (257, 513)])
    func gramMatchesTheReference(shape: (Int, Int)) {
        let (n, k) = shape
        var generator = Xoshiro256StarStar(seed: UInt64(n * 13 + k))
        let lda = k + 2
        let a = values(n * lda, &generator)
        var g1 = [Double](repeating: .nan, count: n * n), g2 = g1
        g1.withUnsafeMutableBufferPointer { blas.gram(n: n, k: k, a: a, lda: lda, c: $0.baseAddress!, ldc: n) }
        g2.withUnsafeMutableBufferPointer { reference.gram(n: n, k: k, a: a, lda: lda, c: $0.baseAddress!, ldc: n) }
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<n {
                #expect(g1[i * n + j] == g1[j * n + i])  // both triangles written, symmetric
                var magnitude = 0.0
                for p in 0..<k { magnitude += abs(a[i * lda + p] * a[j * lda + p]) }
                worst = max(worst, abs(g1[i * n + j] - g2[i * n + j]) / magnitude)
            }
        }
        #expect(worst <= 1e-12)
    }

    /// Replicate sums of shuffled rows of 40 classes (some of one row, some of 300): OpenBLAS equals
    /// the reference within the tolerance, totals exactly; one worker or three, the same bits.
    @Test func replicateSumsAndEtasMatchTheReference() throws {
        let dim = 24, classCount = 40
        var generator = Xoshiro256StarStar(seed: 21)
        var rows: [Float] = [], labels: [Int32] = [], index: [Int64] = []
        for i in 0..<4000 {
            let label = i < 3000 ? Int32(generator.index(below: 10)) : Int32(10 + generator.index(below: classCount - 10))
            labels.append(label)
            index.append(Int64(i * 7 + 3))
            rows += gaussian(dim, &generator).enumerated().map { Float(label) * ($0.offset % 3 == 0 ? 1 : -0.5) + $0.element }
        }
        let weights = PoissonWeights(seed: 5, stream: 1)
        // The second model: every other element scaled, its own weights.
        let rows2 = rows.enumerated().map { $0.offset % 2 == 0 ? $0.element * 0.9 : $0.element }
        func sums(_ kernel: any MatrixKernel, workers: Int, second: Bool = false) throws -> ReplicateSums {
            let rows = second ? rows2 : rows
            var s = try ReplicateSums(classCount: classCount, classes: Array(0..<classCount), dim: dim, replicates: 3..<120,
                                      rowNormalization: .none, weights: second ? PoissonWeights(seed: 5, stream: 2) : weights)
            // Two blocks, so each class's sums grow by more than one product.
            for half in [0..<1700, 1700..<4000] {
                try rows[(half.lowerBound * dim)..<(half.upperBound * dim)].withUnsafeBufferPointer { r in
                    try labels[half].withUnsafeBufferPointer { l in
                        try index[half].withUnsafeBufferPointer { try s.add(rows: r, labels: l, sampleIndex: $0, workers: workers, kernel: kernel) }
                    }
                }
            }
            return s
        }
        let one = try sums(blas, workers: 1), three = try sums(blas, workers: 3), exact = try sums(reference, workers: 2)
        #expect(one.sums == three.sums && one.totals == three.totals)
        #expect(one.totals == exact.totals)
        var worst = 0.0
        for (x, y) in zip(one.sums, exact.sums) { worst = max(worst, abs(x - y) / max(1, abs(y))) }
        #expect(worst <= 1e-12)

        // Replicate η of every class against two sets, from the Gram matrices: BLAS against the
        // reference kernel, and against the direct distances of the single-target function.
        var (m1, m2) = (one, exact)
        var (n1, n2) = (try sums(blas, workers: 2, second: true), try sums(reference, workers: 1, second: true))
        m1.divideByTotals(); m2.divideByTotals(); n1.divideByTotals(); n2.divideByTotals()
        let targets = (0..<classCount).map { k in
            Bootstrap.ReplicateTarget(target: k, sets: [[(k + 1) % classCount, (k + 2) % classCount], (0..<classCount).filter { $0 != k }])
        }
        let viaBLAS = try Bootstrap.replicateEtas(t1: m1, t2: n1, targets: targets, scale1: 2, scale2: 3, kernel: blas, workers: 2)
        let viaReference = try Bootstrap.replicateEtas(t1: m2, t2: n2, targets: targets, scale1: 2, scale2: 3, kernel: reference)
        #expect(viaBLAS.count == classCount * 2 * 117)
        var etaWorst = 0.0
        for (x, y) in zip(viaBLAS, viaReference) where !(x.isNaN && y.isNaN) { etaWorst = max(etaWorst, abs(x - y)) }
        #expect(etaWorst <= 1e-10)
        // The single-target function sums undivided replicate sums, divided here on the fly.
        let direct = try Bootstrap.replicateEtas(t1: m2, t2: n2, target: 7, set: targets[7].sets[1], scale1: 2, scale2: 3)
        for b in 0..<117 where !direct[b].isNaN {
            #expect(abs(direct[b] - viaReference[(7 * 2 + 1) * 117 + b]) <= 1e-10)
        }
    }
}
