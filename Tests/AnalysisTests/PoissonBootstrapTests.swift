import Testing
import TestSupport
@testable import Analysis

@Suite struct PoissonBootstrapTests {
    /// The documented generator, recomputed independently in Python (arbitrary-precision integers,
    /// thresholds from exact decimals): seed 1, stream 2.
    @Test func weightsMatchTheDocumentedGenerator() {
        let weights = PoissonWeights(seed: 1, stream: 2)
        #expect(weights.base == 0x081a_5c13_7785_6b73)
        let bySample = weights.key(sample: 5), byOrdinal = weights.key(label: 3, ordinal: 7)
        #expect(bySample == 0xa05c_c9b8_fecf_9625)
        #expect(byOrdinal == 0x6160_8c3d_0561_5c8a)
        #expect((0..<24).map { PoissonWeights.weight(key: bySample, replicate: $0) }
                == [0, 2, 2, 1, 0, 2, 0, 3, 1, 0, 0, 0, 1, 1, 1, 1, 2, 0, 2, 0, 0, 2, 1, 3])
        #expect((0..<24).map { PoissonWeights.weight(key: byOrdinal, replicate: $0) }
                == [0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 2])
    }

    /// Poisson(1): mean 1, variance 1, P(0) = e⁻¹. 400 000 draws: standard errors ≈ 0.0016 (mean),
    /// 0.0035 (variance), 0.0008 (P(0)); tolerances are about 5 of them.
    @Test func weightsArePoissonOne() {
        let weights = PoissonWeights(seed: 9, stream: 1)
        var sum = 0.0, squares = 0.0, zeros = 0.0
        let n = 400_000
        for i in 0..<(n / 100) {
            let key = weights.key(sample: Int64(i))
            for b in 0..<100 {
                let w = Double(PoissonWeights.weight(key: key, replicate: b))
                sum += w; squares += w * w; zeros += w == 0 ? 1 : 0
            }
        }
        let mean = sum / Double(n), variance = squares / Double(n) - mean * mean
        #expect(abs(mean - 1) < 0.008)
        #expect(abs(variance - 1) < 0.02)
        #expect(abs(zeros / Double(n) - 0.36787944) < 0.004)
    }

    /// The sums are Σ wᵢ·xᵢ with the documented weights, skip bad rows, ignore other classes, and
    /// have the same bits whatever the number of workers.
    @Test func replicateSumsAreTheWeightedSums() throws {
        let dim = 3
        let rows: [Float] = [1, 2, 3,  9, 9, 9,  -1, 0.5, 2,  .nan, 0, 0,  4, -2, 1]
        let labels: [Int32] = [0, 1, 0, 0, 2]
        let index: [Int64] = [10, 11, 12, 13, 14]
        let weights = PoissonWeights(seed: 4, stream: 1)
        func run(workers: Int, withIndex: Bool) throws -> ReplicateSums {
            var sums = try ReplicateSums(classCount: 3, classes: [2, 0], dim: dim, replicates: 5..<45,
                                         rowNormalization: .none, weights: weights)
            try rows.withUnsafeBufferPointer { r in
                try labels.withUnsafeBufferPointer { l in
                    try index.withUnsafeBufferPointer { s in
                        try sums.add(rows: r, labels: l, sampleIndex: withIndex ? s : nil, workers: workers)
                    }
                }
            }
            return sums
        }
        let one = try run(workers: 1, withIndex: true), three = try run(workers: 3, withIndex: true)
        #expect(one.sums == three.sums && one.totals == three.totals)
        #expect(one.rowCounts == [1, 3])  // slot 0 = class 2, slot 1 = class 0 (the NaN row counted, not added)
        for b in 5..<45 {
            // class 0: rows 0 and 2 (row 3 is NaN).
            let w0 = Double(PoissonWeights.weight(key: weights.key(sample: 10), replicate: b))
            let w2 = Double(PoissonWeights.weight(key: weights.key(sample: 12), replicate: b))
            let i = 1 * 40 + (b - 5)
            #expect(one.totals[i] == w0 + w2)
            #expect(one.sums[i * dim] == w0 * 1 + w2 * -1)
            #expect(one.sums[i * dim + 1] == w0 * 2 + w2 * 0.5)
            let w4 = Double(PoissonWeights.weight(key: weights.key(sample: 14), replicate: b))
            #expect(one.totals[b - 5] == w4 && one.sums[(b - 5) * dim + 1] == w4 * -2)
        }
        // Without sample_index, rows are keyed by (class, ordinal within the class).
        let byOrder = try run(workers: 2, withIndex: false)
        let w = Double(PoissonWeights.weight(key: weights.key(label: 0, ordinal: 1), replicate: 7))
        let w0 = Double(PoissonWeights.weight(key: weights.key(label: 0, ordinal: 0), replicate: 7))
        #expect(byOrder.totals[40 + 2] == w0 + w)
    }

    /// η of a replicate is the formula on the replicate centroids; a class without weight is refused.
    @Test func replicateEtasFollowTheFormula() throws {
        let dim = 2
        var generator = Xoshiro256StarStar(seed: 3)
        let n = 40
        var rows1: [Float] = [], rows2: [Float] = [], labels: [Int32] = []
        for k in 0..<3 {
            for _ in 0..<n {
                let g = gaussian(2, &generator)
                rows1 += [Float(k) * 3 + Float(g[0]), Float(k * k) + Float(g[1])]
                rows2 += [Float(k) * 2.5 + Float(g[1]), Float(k * k) * 1.2 + Float(g[0])]
                labels.append(Int32(k))
            }
        }
        let w1 = PoissonWeights(seed: 8, stream: 1), w2 = PoissonWeights(seed: 8, stream: 2)
        func sums(_ rows: [Float], _ weights: PoissonWeights) throws -> ReplicateSums {
            var s = try ReplicateSums(classCount: 3, classes: [0, 1, 2], dim: dim, replicates: 0..<30,
                                      rowNormalization: .none, weights: weights)
            try rows.withUnsafeBufferPointer { r in
                try labels.withUnsafeBufferPointer { try s.add(rows: r, labels: $0, sampleIndex: nil) }
            }
            return s
        }
        let s1 = try sums(rows1, w1), s2 = try sums(rows2, w2)
        let etas = try Bootstrap.replicateEtas(t1: s1, t2: s2, target: 0, set: [1, 2], scale1: 2, scale2: 3)
        for b in 0..<30 {
            func d(_ s: ReplicateSums, _ k: Int) -> Double {
                let a = s.centroid(slot: 0, replicate: b)!, c = s.centroid(slot: k, replicate: b)!
                return ((a[0] - c[0]) * (a[0] - c[0]) + (a[1] - c[1]) * (a[1] - c[1])).squareRoot()
            }
            let expected = ([1, 2].map { k in (d(s2, k) / 3 - d(s1, k) / 2) / (d(s1, k) / 2) }).reduce(0, +) / 2
            #expect(abs(etas[b] - expected) < 1e-12)
        }
        // One row per class is refused; so is an interval with 60% undefined replicates.
        var tiny = try ReplicateSums(classCount: 2, classes: [0, 1], dim: 1, replicates: 0..<50,
                                     rowNormalization: .none, weights: w1)
        let one: [Float] = [1, 2]
        let twoLabels: [Int32] = [0, 1]
        try one.withUnsafeBufferPointer { r in try twoLabels.withUnsafeBufferPointer { try tiny.add(rows: r, labels: $0, sampleIndex: nil) } }
        #expect(throws: AnalysisError.self) {
            _ = try Bootstrap.replicateEtas(t1: tiny, t2: tiny, target: 0, set: [1], scale1: 1, scale2: 1)
        }
        let undefined = (0..<100).map { $0 % 10 < 6 ? Double.nan : 1 }
        #expect(throws: AnalysisError.self) {
            _ = try Bootstrap.interval(estimate: 0, replicates: undefined, level: 0.95, seed: 0)
        }
        // One undefined replicate in 200 is left out.
        let values = (0..<200).map { $0 == 7 ? Double.nan : Double($0) }
        let kept = try Bootstrap.interval(estimate: 0, replicates: values, level: 0.5, seed: 0)
        #expect(kept.lower == Bootstrap.quantile(sorted: values.filter { !$0.isNaN }, 0.25))
    }
}
