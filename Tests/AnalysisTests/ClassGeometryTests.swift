import Testing
import TestSupport
@testable import Analysis

@Suite struct ClassGeometryTests {
    /// Class 0: (0,0), (2,0); class 1: (1,3), (1,5); class 2: (5,0) alone; class 3 has no rows.
    /// By hand: centroids (1,0), (1,4), (5,0); spreads 1, 1, none; d(0,1) = d(0,2) = 4 (a tie,
    /// so class 0's nearest is 1), d(1,2) = √32; N = 5, μ = (1.8, 1.6), within = 4/5,
    /// between = (6.4 + 12.8 + 12.8)/5 = 6.4, within/between = 0.125, mean ratio 0.25.
    static let rows: [Float] = [0, 0, 1, 3, 2, 0, 5, 0, 1, 5]
    static let labels: [Int32] = [0, 1, 0, 2, 1]

    @Test func handComputedCase() throws {
        var accumulator = try CentroidAccumulator(classCount: 4, dim: 2, tracksSpread: true)
        try accumulator.add(rows: Self.rows, labels: Self.labels)
        #expect(accumulator.squaredDeviations == [2, 2, 0, 0])
        let g = try ClassGeometry(accumulator)
        #expect(g.classes.map(\.rows) == [2, 2, 1, 0])
        #expect(g.classes.map(\.spread) == [1, 1, nil, nil])
        #expect(g.classes.map(\.nearest) == [1, 0, 0, nil])
        #expect(g.classes.map(\.nearestDistance) == [4, 4, 4, nil])
        #expect(g.classes.map(\.ratio) == [0.25, 0.25, nil, nil])
        #expect(g.rows == 5 && g.ratioCount == 2 && g.meanRatio == 0.25)
        #expect(abs(g.within - 0.8) < 1e-15 && abs(g.between - 6.4) < 1e-14)
        #expect(abs(g.withinBetween - 0.125) < 1e-15)
    }

    @Test func universeLimitsNearestAndSummary() throws {
        var accumulator = try CentroidAccumulator(classCount: 4, dim: 2, tracksSpread: true)
        try accumulator.add(rows: Self.rows, labels: Self.labels)
        let g = try ClassGeometry(accumulator, classes: [2, 1])
        #expect(g.classes.map(\.classIndex) == [1, 2])
        #expect(g.classes.map(\.nearest) == [2, 1])
        #expect(abs(g.classes[0].nearestDistance! - 32.0.squareRoot()) < 1e-15)
        #expect(g.rows == 3)
        #expect(abs(g.within - 2.0 / 3) < 1e-15)
    }

    @Test func refusals() throws {
        var accumulator = try CentroidAccumulator(classCount: 4, dim: 2, tracksSpread: true)
        try accumulator.add(rows: Self.rows, labels: Self.labels)
        #expect(throws: AnalysisError.self) { try ClassGeometry(accumulator, classes: [0, 3]) }  // one class with rows
        #expect(throws: AnalysisError.self) { try ClassGeometry(accumulator, classes: [0, 0, 1]) }
        #expect(throws: AnalysisError.classOutOfRange(class: 7, classCount: 4)) { try ClassGeometry(accumulator, classes: [0, 7]) }
        var same = try CentroidAccumulator(classCount: 2, dim: 1, tracksSpread: true)
        try same.add(rows: [1, 3, 2, 2], labels: [0, 0, 1, 1])  // both centroids at 2
        #expect(throws: AnalysisError.self) { try ClassGeometry(same) }
        let plain = try CentroidAccumulator(classCount: 2, dim: 1)
        #expect(throws: AnalysisError.self) { try ClassGeometry(plain) }
        #expect(throws: AnalysisError.self) { try CentroidAccumulator(classCount: 2, dim: 1, rowNormalization: .unitLength, tracksSpread: true) }
    }

    /// Blocks of any size, merged in any grouping, give the squared deviations of one two-pass
    /// computation, also when the mean is 10⁴ times the spread (where Σ‖x‖² − n‖c‖² loses every digit).
    @Test func streamingMatchesTwoPassAtLargeMean() throws {
        var random = SplitMix64(seed: 7)
        let (n, dim, classCount) = (997, 5, 3)
        var rows: [Float] = [], labels: [Int32] = []
        for _ in 0..<n {
            let k = Int(random.next() % UInt64(classCount))
            labels.append(Int32(k))
            for j in 0..<dim { rows.append(Float(1e4 * Double(k + j + 1) + (Double(random.next() % 2001) / 1000 - 1))) }
        }
        // Reference: two passes in Double.
        var expected = [Double](repeating: 0, count: classCount)
        var means = [Double](repeating: 0, count: classCount * dim), counts = [Int](repeating: 0, count: classCount)
        for r in 0..<n { counts[Int(labels[r])] += 1; for j in 0..<dim { means[Int(labels[r]) * dim + j] += Double(rows[r * dim + j]) } }
        for k in 0..<classCount { for j in 0..<dim { means[k * dim + j] /= Double(counts[k]) } }
        for r in 0..<n { for j in 0..<dim { let d = Double(rows[r * dim + j]) - means[Int(labels[r]) * dim + j]; expected[Int(labels[r])] += d * d } }
        for blockRows in [1, 2, 7, 100, n] {
            var parts = [try CentroidAccumulator(classCount: classCount, dim: dim, tracksSpread: true),
                         try CentroidAccumulator(classCount: classCount, dim: dim, tracksSpread: true)]
            var start = 0, part = 0
            while start < n {
                let end = min(n, start + blockRows)
                try parts[part].add(rows: Array(rows[(start * dim)..<(end * dim)]), labels: Array(labels[start..<end]))
                start = end
                part ^= 1
            }
            var total = parts[0]
            try total.merge(parts[1])
            for k in 0..<classCount {
                let got = total.squaredDeviations![k]
                #expect(abs(got - expected[k]) <= 1e-10 * expected[k], "block \(blockRows) class \(k): \(got) vs \(expected[k])")
            }
            #expect(total.counts == counts)
        }
    }

    @Test func halvesGiveTheSameSpreadAsFloats() throws {
        let floats: [Float] = [0.5, -1, 2, 0.25, 3, 1, -0.75, 8]
        let halves = floats.map { Float16($0).bitPattern }
        let labels: [Int32] = [0, 1, 0, 1]
        var a = try CentroidAccumulator(classCount: 2, dim: 2, tracksSpread: true)
        var b = try CentroidAccumulator(classCount: 2, dim: 2, tracksSpread: true)
        try a.add(rows: floats, labels: labels)
        try halves.withUnsafeBufferPointer { h in try labels.withUnsafeBufferPointer { l in try b.add(halfRows: h, labels: l) } }
        #expect(a.squaredDeviations == b.squaredDeviations && a.sums == b.sums)
    }

    @Test func nonFiniteRowsRefusedOrSkippedWithSpread() throws {
        var refuse = try CentroidAccumulator(classCount: 2, dim: 1, tracksSpread: true)
        #expect(throws: AnalysisError.nonFiniteRows(count: 1, firstRow: 1)) { try refuse.add(rows: [1, .nan, 2], labels: [0, 0, 1]) }
        var skip = try CentroidAccumulator(classCount: 2, dim: 1, invalidRowPolicy: .skip, tracksSpread: true)
        try skip.add(rows: [1, .nan, 3, 2], labels: [0, 0, 0, 1])
        #expect(skip.counts == [2, 1] && skip.skippedNonFinite == 1 && skip.squaredDeviations == [2, 0])
        var filtered = try CentroidAccumulator(classCount: 2, dim: 1, tracksSpread: true)
        try filtered.add(rows: [1, 5, 3], labels: [0, 1, 0], classes: [0])
        #expect(filtered.counts == [2, 0] && filtered.squaredDeviations == [2, 0])
        var plain = try CentroidAccumulator(classCount: 2, dim: 1)
        #expect(throws: AnalysisError.self) { try plain.merge(skip) }
    }
}
