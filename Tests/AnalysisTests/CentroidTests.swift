import Testing
import TestSupport
@testable import Analysis

@Suite struct CentroidAccumulatorTests {
    @Test func meansOfRawRows() throws {
        var accumulator = try CentroidAccumulator(classCount: 3, dim: 2)
        // class 0: (1, 2), (3, 6) → (2, 4); class 2: (−1, 0) → (−1, 0); class 1 has no rows.
        try accumulator.add(rows: [1, 2, -1, 0, 3, 6], labels: [0, 2, 0])
        let centroids = accumulator.centroids()
        #expect(centroids.values == [2, 4, 0, 0, -1, 0])
        #expect(centroids.counts == [2, 0, 1])
        #expect(centroids.classesWithRows == [0, 2])
        #expect(try centroids.distance(0, 2) == 5)  // (3, 4)
        #expect(throws: AnalysisError.classWithoutRows(1)) { try centroids.distance(0, 1) }
    }

    @Test func unitLengthRows() throws {
        var accumulator = try CentroidAccumulator(classCount: 1, dim: 2, rowNormalization: .unitLength)
        // (3, 4) → (0.6, 0.8); (0, −2) → (0, −1); mean (0.3, −0.1).
        try accumulator.add(row: [3, 4], label: 0)
        try accumulator.add(row: [0, -2], label: 0)
        let c = accumulator.centroids()
        #expect(abs(c.values[0] - 0.3) < 1e-15 && abs(c.values[1] + 0.1) < 1e-15)
        #expect(c.rowNormalization == .unitLength)
    }

    @Test func classFilterPassesOverOtherRows() throws {
        var accumulator = try CentroidAccumulator(classCount: 3, dim: 1)
        try accumulator.add(rows: [1, 10, 3, 20], labels: [0, 1, 0, 2], classes: [0, 2])
        #expect(accumulator.counts == [2, 0, 1])
        #expect(accumulator.sums == [4, 0, 20])
    }

    @Test func nonFiniteRowsAreRefusedWithTheirCount() throws {
        var accumulator = try CentroidAccumulator(classCount: 2, dim: 2)
        #expect(throws: AnalysisError.nonFiniteRows(count: 2, firstRow: 1)) {
            try accumulator.add(rows: [1, 1, .nan, 0, 2, 2, 0, -.infinity], labels: [0, 1, 0, 1])
        }
    }

    @Test func nonFiniteAndZeroRowsAreSkippedAndCounted() throws {
        var accumulator = try CentroidAccumulator(classCount: 2, dim: 2, rowNormalization: .unitLength, invalidRowPolicy: .skip)
        try accumulator.add(rows: [2, 0, .nan, 0, 0, 0, 0, .infinity, 0, 5], labels: [0, 1, 1, 0, 1])
        #expect(accumulator.counts == [1, 1])
        #expect(accumulator.skippedNonFinite == 2)
        #expect(accumulator.skippedZero == 1)
        #expect(accumulator.centroids().values == [1, 0, 0, 1])
    }

    @Test func zeroRowUnderUnitLengthIsRefused() throws {
        var accumulator = try CentroidAccumulator(classCount: 1, dim: 2, rowNormalization: .unitLength)
        #expect(throws: AnalysisError.zeroRows(count: 1, firstRow: 0)) { try accumulator.add(row: [0, 0], label: 0) }
        // Without unit length a zero row is an ordinary row.
        var raw = try CentroidAccumulator(classCount: 1, dim: 2)
        try raw.add(row: [0, 0], label: 0)
        #expect(raw.counts == [1])
    }

    @Test func badShapesAndLabels() throws {
        var accumulator = try CentroidAccumulator(classCount: 2, dim: 2)
        #expect(throws: AnalysisError.labelOutOfRange(label: 2, classCount: 2)) { try accumulator.add(rows: [1, 1], labels: [2]) }
        #expect(throws: AnalysisError.labelOutOfRange(label: -1, classCount: 2)) { try accumulator.add(row: [1, 1], label: -1) }
        #expect(throws: AnalysisError.self) { try accumulator.add(rows: [1, 1, 1], labels: [0]) }
        #expect(accumulator.counts == [0, 0])
    }

    @Test func mergeEqualsOnePass() throws {
        var generator = Xoshiro256StarStar(seed: 7)
        let rows = gaussian(40 * 5, &generator)
        let labels = (0..<40).map { Int32($0 % 4) }
        var whole = try CentroidAccumulator(classCount: 4, dim: 5, rowNormalization: .unitLength)
        try whole.add(rows: rows, labels: labels)
        var first = try CentroidAccumulator(classCount: 4, dim: 5, rowNormalization: .unitLength)
        var second = first
        try first.add(rows: Array(rows[..<100]), labels: Array(labels[..<20]))
        try second.add(rows: Array(rows[100...]), labels: Array(labels[20...]))
        try first.merge(second)
        #expect(first.counts == whole.counts)
        #expect(allClose(first.sums, whole.sums, 1e-14))
        let other = try CentroidAccumulator(classCount: 4, dim: 5)
        #expect(throws: AnalysisError.self) { try first.merge(other) }
    }

    @Test func resumeFromStoredSums() throws {
        var accumulator = try CentroidAccumulator(classCount: 2, dim: 1, rowNormalization: .none, sums: [6, 0], counts: [3, 0])
        try accumulator.add(row: [2], label: 0)
        #expect(accumulator.centroids().values == [2, 0])
        #expect(throws: AnalysisError.self) {
            try CentroidAccumulator(classCount: 2, dim: 1, rowNormalization: .none, sums: [6], counts: [3, 0])
        }
    }

    @Test func meanPairwiseDistanceSkipsEmptyClasses() throws {
        // Centroids (0,0), (3,4), (6,0) and an empty class: pairs 5, 6, 5 → 16/3.
        let c = try Centroids(classCount: 4, dim: 2, values: [0, 0, 3, 4, 9, 9, 6, 0], counts: [1, 1, 0, 1])
        #expect(abs(try c.meanPairwiseCentroidDistance() - 16.0 / 3) < 1e-15)
        let lonely = try Centroids(classCount: 2, dim: 1, values: [1, 0], counts: [1, 0])
        #expect(throws: AnalysisError.self) { try lonely.meanPairwiseCentroidDistance() }
    }

    /// The distances are computed on several threads in bands and summed in pair order: the bits
    /// of one plain loop, for any number of workers and across band boundaries (300 classes make
    /// 44,850 pairs, more than one band; a class without rows shifts the band offsets).
    @Test func meanPairwiseDistanceHasTheBitsOfOneLoopForAnyWorkerCount() throws {
        let (classCount, dim) = (300, 7)
        var random = Xoshiro256StarStar(seed: 12)
        let values = (0..<(classCount * dim)).map { _ in Double.random(in: -3...3, using: &random) * 1e3 }
        var counts = [Int](repeating: 1, count: classCount)
        counts[17] = 0
        counts[200] = 0
        let c = try Centroids(classCount: classCount, dim: dim, values: values, counts: counts)
        #expect(classCount * (classCount - 1) / 2 > Centroids.pairwiseBandPairs)
        let present = (0..<classCount).filter { counts[$0] > 0 }
        var total = 0.0
        for i in present.indices {
            for j in (i + 1)..<present.count {
                var s0 = 0.0, s1 = 0.0, k = 0
                let a = present[i] * dim, b = present[j] * dim
                while k + 2 <= dim {
                    let d0 = values[a + k] - values[b + k], d1 = values[a + k + 1] - values[b + k + 1]
                    s0 += d0 * d0; s1 += d1 * d1
                    k += 2
                }
                if k < dim { let d = values[a + k] - values[b + k]; s0 += d * d }
                total += (s0 + s1).squareRoot()
            }
        }
        let expected = total / Double(present.count * (present.count - 1) / 2)
        for workers in [1, 2, 3, 8] {
            #expect(try c.meanPairwiseCentroidDistance(workers: workers).bitPattern == expected.bitPattern, "workers \(workers)")
        }
        // eta pairs' distances and geometry's nearest centroids come from the same banded loop.
        let direct = try present.indices.flatMap { i in
            try present[(i + 1)...].map { try c.distance(present[i], $0) / 2 }
        }
        for workers in [1, 3] {
            let banded = try PairChanges.distances(c, classes: present, scale: 2, workers: workers)
            #expect(banded.map(\.bitPattern) == direct.map(\.bitPattern), "workers \(workers)")
        }
        let deviations = [Double](repeating: 1, count: classCount)
        let sums = values.indices.map { values[$0] * Double(counts[$0 / dim]) }
        let one = try ClassGeometry(counts: counts, sums: sums, squaredDeviations: deviations, dim: dim, workers: 1)
        let four = try ClassGeometry(counts: counts, sums: sums, squaredDeviations: deviations, dim: dim, workers: 4)
        #expect(one.classes.map(\.nearest) == four.classes.map(\.nearest))
        #expect(one.classes.map(\.nearestDistance) == four.classes.map(\.nearestDistance))
        for k in present {
            let others = present.filter { $0 != k }
            let nearest = try others.min { try c.distance(k, $0) < c.distance(k, $1) }!
            #expect(one.classes[k].nearest == nearest, "class \(k)")
        }
    }
}
