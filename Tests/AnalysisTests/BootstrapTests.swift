import Testing
import TestSupport
@testable import Analysis

/// Rows of classes 0–2 around given centres with unit noise, `n` per class.
private func rows(centres: [[Float]], n: Int, seed: UInt64) -> [Int: [Float]] {
    var generator = Xoshiro256StarStar(seed: seed)
    var result: [Int: [Float]] = [:]
    for (k, centre) in centres.enumerated() {
        let noise = gaussian(n * centre.count, &generator)
        result[k] = (0..<(n * centre.count)).map { centre[$0 % centre.count] + 0.5 * noise[$0] }
    }
    return result
}

@Suite struct BootstrapTests {
    let t1 = rows(centres: [[0, 0, 0], [4, 0, 0], [0, 6, 0]], n: 60, seed: 11)
    let t2 = rows(centres: [[0, 0, 0], [3, 0, 0], [0, 7, 0]], n: 50, seed: 12)

    @Test func sameSeedSameReplicates() throws {
        let a = try Bootstrap.diffusionIndex(t1: t1, t2: t2, dim: 3, target: 0, set: [1, 2], rowNormalization: .none,
                                             scale1: 1, scale2: 1, replicates: 200, seed: 42)
        let b = try Bootstrap.diffusionIndex(t1: t1, t2: t2, dim: 3, target: 0, set: [1, 2], rowNormalization: .none,
                                             scale1: 1, scale2: 1, replicates: 200, seed: 42)
        let c = try Bootstrap.diffusionIndex(t1: t1, t2: t2, dim: 3, target: 0, set: [1, 2], rowNormalization: .none,
                                             scale1: 1, scale2: 1, replicates: 200, seed: 43)
        #expect(a == b)
        #expect(a.replicates != c.replicates)
        #expect(Set(a.replicates).count > 150)  // replicates really differ from each other
    }

    @Test(arguments: [false, true])
    func intervalHoldsTheEstimate(paired: Bool) throws {
        let t2 = paired ? rows(centres: [[0, 0, 0], [3, 0, 0], [0, 7, 0]], n: 60, seed: 12) : t2
        let result = try Bootstrap.diffusionIndex(t1: t1, t2: t2, dim: 3, target: 0, set: [1, 2],
                                                  rowNormalization: .none, scale1: 1, scale2: 1,
                                                  replicates: 400, level: 0.9, seed: 1, paired: paired)
        // The point estimate equals η of the full-data centroids.
        var a1 = try CentroidAccumulator(classCount: 3, dim: 3), a2 = a1
        for k in 0..<3 {
            try a1.add(rows: t1[k]!, labels: [Int32](repeating: Int32(k), count: t1[k]!.count / 3))
            try a2.add(rows: t2[k]!, labels: [Int32](repeating: Int32(k), count: t2[k]!.count / 3))
        }
        let full = try diffusionIndex(t1: a1.centroids(), t2: a2.centroids(), target: 0, set: [1, 2], normalization: .none)
        #expect(close(result.estimate, full.eta, 1e-12))
        // Roughly (3/4 − 1 + 7/6 − 1)/2 ≈ −0.04; the interval is narrow and holds the estimate.
        #expect(result.lower < result.estimate && result.estimate < result.upper)
        #expect(result.upper - result.lower < 0.1)
        #expect(result.level == 0.9 && result.replicates.count == 400)
    }

    @Test func quantileInterpolatesLikeNumpy() {
        // np.quantile([1, 2, 4, 8], [0.25, 0.5, 0.9]) = [1.75, 3.0, 6.8]
        #expect(Bootstrap.quantile(sorted: [1, 2, 4, 8], 0.25) == 1.75)
        #expect(Bootstrap.quantile(sorted: [1, 2, 4, 8], 0.5) == 3)
        #expect(abs(Bootstrap.quantile(sorted: [1, 2, 4, 8], 0.9) - 6.8) < 1e-12)
        #expect(Bootstrap.quantile(sorted: [1, 2, 4, 8], 1) == 8)
    }

    @Test func errors() throws {
        #expect(throws: AnalysisError.classWithoutRows(2)) {
            try Bootstrap.diffusionIndex(t1: [0: [0, 0], 1: [1, 1]], t2: [0: [0, 0], 1: [1, 1], 2: [2, 2]], dim: 2,
                                         target: 0, set: [1, 2], rowNormalization: .none, scale1: 1, scale2: 1, seed: 0)
        }
        #expect(throws: AnalysisError.emptySet) {
            try Bootstrap.diffusionIndex(t1: t1, t2: t2, dim: 3, target: 0, set: [], rowNormalization: .none,
                                         scale1: 1, scale2: 1, seed: 0)
        }
        #expect(throws: AnalysisError.self) {  // paired needs equal row counts (60 vs 50)
            try Bootstrap.diffusionIndex(t1: t1, t2: t2, dim: 3, target: 0, set: [1], rowNormalization: .none,
                                         scale1: 1, scale2: 1, seed: 0, paired: true)
        }
        #expect(throws: AnalysisError.coincidentCentroids(target: 0, member: 1)) {
            try Bootstrap.diffusionIndex(t1: [0: [1, 1], 1: [1, 1]], t2: [0: [0, 0], 1: [1, 1]], dim: 2,
                                         target: 0, set: [1], rowNormalization: .none, scale1: 1, scale2: 1, seed: 0)
        }
        #expect(throws: AnalysisError.zeroRows(count: 1, firstRow: 0)) {
            try Bootstrap.diffusionIndex(t1: [0: [0, 0], 1: [1, 1]], t2: [0: [1, 0], 1: [1, 1]], dim: 2,
                                         target: 0, set: [1], rowNormalization: .unitLength, scale1: 1, scale2: 1, seed: 0)
        }
    }
}

@Suite struct AccuracyTests {
    @Test func handCases() throws {
        // Row 0: label 2, logits (1, 5, 3): rank of class 2 is 1 (only class 1 above) → top-1 wrong, top-2 right.
        // Row 1: label 0, logits (4, 4, 0): tie with class 1; class 0 has the lower index → top-1 right.
        // Row 2: label 1, logits (4, 4, 0): tie, class 0 ranks first → top-1 wrong, top-2 right.
        // Row 3: label 2, logits (7, 7, 7): two classes rank above → right only for k = 3.
        let logits: [Float] = [1, 5, 3, 4, 4, 0, 4, 4, 0, 7, 7, 7]
        let labels: [Int32] = [2, 0, 1, 2]
        #expect(try topKCorrect(logits: logits, labels: labels, classCount: 3, k: 1) == 1)
        #expect(try topKCorrect(logits: logits, labels: labels, classCount: 3, k: 2) == 3)
        #expect(try topKAccuracy(logits: logits, labels: labels, classCount: 3, k: 3) == 1)
        #expect(try topKAccuracy(logits: logits, labels: labels, classCount: 3, k: 1) == 0.25)
    }

    @Test func errors() throws {
        #expect(throws: AnalysisError.self) { try topKAccuracy(logits: [1, .nan], labels: [0], classCount: 2, k: 1) }
        #expect(throws: AnalysisError.labelOutOfRange(label: 2, classCount: 2)) {
            try topKAccuracy(logits: [1, 2], labels: [2], classCount: 2, k: 1)
        }
        #expect(throws: AnalysisError.self) { try topKAccuracy(logits: [1, 2], labels: [0], classCount: 2, k: 3) }
        #expect(throws: AnalysisError.self) { try topKAccuracy(logits: [1, 2, 3], labels: [0], classCount: 2, k: 1) }
        #expect(throws: AnalysisError.self) { try topKAccuracy(logits: [], labels: [], classCount: 2, k: 1) }
    }
}
