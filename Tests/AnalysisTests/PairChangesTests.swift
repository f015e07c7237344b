import Testing
import TestSupport
@testable import Analysis

@Suite struct PairChangesTests {
    /// Three classes in the plane, by hand: T1 centroids (0,0), (3,0), (0,4): distances 3, 4, 5;
    /// T2 centroids (0,0), (6,0), (0,2): distances 6, 2, √40. Raw distances (scale 1):
    /// r(0,1) = (6 − 3)/3 = 1, r(0,2) = (2 − 4)/4 = −0.5, r(1,2) = (√40 − 5)/5.
    @Test func handComputedTinyCase() throws {
        let c1 = try Centroids(classCount: 3, dim: 2, values: [0, 0, 3, 0, 0, 4], counts: [1, 1, 1])
        let c2 = try Centroids(classCount: 3, dim: 2, values: [0, 0, 6, 0, 0, 2], counts: [1, 1, 1])
        let d1 = try PairChanges.distances(c1, classes: [0, 1, 2], scale: 1)
        let d2 = try PairChanges.distances(c2, classes: [0, 1, 2], scale: 1)
        #expect(d1 == [3, 4, 5])
        #expect(d2[0] == 6 && d2[1] == 2 && abs(d2[2] - 40.0.squareRoot()) < 1e-15)
        let r = try PairChanges.changes(d1: d1, d2: d2, classes: [0, 1, 2])
        #expect(r[0] == 1 && r[1] == -0.5 && abs(r[2] - (40.0.squareRoot() - 5) / 5) < 1e-15)
        // Centroid scale: T1's mean distance is 4, T2's (8 + √40)/3; the change of pair (0,1) is
        // (6/s2 − 3/4)/(3/4).
        let s1 = try DistanceNormalization.centroidScale.scale(of: c1), s2 = try DistanceNormalization.centroidScale.scale(of: c2)
        #expect(s1 == 4)
        let scaled = try PairChanges.changes(d1: PairChanges.distances(c1, classes: [0, 1, 2], scale: s1),
                                             d2: PairChanges.distances(c2, classes: [0, 1, 2], scale: s2), classes: [0, 1, 2])
        #expect(abs(scaled[0] - (6 / s2 - 0.75) / 0.75) < 1e-14)
        // Groups: pairs (0,1) and (1,2) in group 0, pair (0,2) alone in group 1.
        let summaries = try PairChanges.summaries(changes: r, group: [0, 1, 0], groupCount: 2)
        #expect(summaries[0].pairs == 2 && summaries[1].pairs == 1)
        #expect(abs(summaries[0].mean - (1 + r[2]) / 2) < 1e-15)
        #expect(summaries[0].median == summaries[0].mean)  // even count: mean of the two middle values
        #expect(summaries[1].mean == -0.5 && summaries[1].median == -0.5)
    }

    @Test func pairOrderAndIndex() {
        let n = 7
        var p = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                #expect(PairChanges.pairIndex(i, j, count: n) == p)
                #expect(PairChanges.pair(at: p, count: n) == (i, j))
                p += 1
            }
        }
        #expect(p == PairChanges.pairCount(n))
    }

    @Test func medianRules() {
        #expect(PairChanges.median([3, 1, 2]) == 2)
        #expect(PairChanges.median([4, 1, 3, 2]) == 2.5)
        #expect(PairChanges.median([5]) == 5)
        #expect(PairChanges.median([]).isNaN)
    }

    @Test func refusals() throws {
        let c = try Centroids(classCount: 3, dim: 2, values: [0, 0, 0, 0, 1, 1], counts: [1, 1, 0])
        // Coincident centroids in T1: no relative change.
        let d = try PairChanges.distances(c, classes: [0, 1], scale: 1)
        #expect(throws: AnalysisError.coincidentCentroids(target: 0, member: 1)) {
            try PairChanges.changes(d1: d, d2: [1], classes: [0, 1])
        }
        // A class without rows, a bad scale, shapes that do not fit, a group out of range.
        #expect(throws: AnalysisError.classWithoutRows(2)) { try PairChanges.distances(c, classes: [0, 2], scale: 1) }
        #expect(throws: AnalysisError.self) { try PairChanges.distances(c, classes: [0, 1], scale: 0) }
        #expect(throws: AnalysisError.self) { try PairChanges.distances(c, classes: [0, 1], scale: .nan) }
        #expect(throws: AnalysisError.self) { try PairChanges.changes(d1: [1, 2], d2: [1], classes: [0, 1]) }
        #expect(throws: AnalysisError.self) { try PairChanges.summaries(changes: [1], group: [2], groupCount: 2) }
    }

    /// Replicate group means equal the formula on each replicate's centroids (read back one by
    /// one), are NaN where a class got no weight, and have the same bits for any number of workers.
    @Test func replicateGroupMeansFollowTheReplicateCentroids() throws {
        let dim = 3, classCount = 4, perClass = 6
        var rows: [Float] = [], labels: [Int32] = []
        var generator = Xoshiro256StarStar(seed: 2)
        for k in 0..<classCount {
            for _ in 0..<perClass {
                labels.append(Int32(k))
                for j in 0..<dim { rows.append(Float(k * (j + 1)) + Float(generator.index(below: 1000)) / 1000) }
            }
        }
        func sums(stream: UInt64) throws -> ReplicateSums {
            var s = try ReplicateSums(classCount: classCount, classes: [0, 1, 2, 3], dim: dim, replicates: 0..<50,
                                      rowNormalization: .none, weights: PoissonWeights(seed: 7, stream: stream))
            try rows.withUnsafeBufferPointer { r in
                try labels.withUnsafeBufferPointer { try s.add(rows: r, labels: $0, sampleIndex: nil) }
            }
            s.divideByTotals()
            return s
        }
        let t1 = try sums(stream: 1), t2 = try sums(stream: 2)
        let classes = [0, 1, 2, 3], group: [Int32] = [0, 1, 1, 0, 1, 0]  // 6 pairs, 2 groups
        let one = try PairChanges.replicateGroupMeans(t1: t1, t2: t2, classes: classes, group: group, groupCount: 2,
                                                      scale1: 2, scale2: 3, workers: 1)
        let four = try PairChanges.replicateGroupMeans(t1: t1, t2: t2, classes: classes, group: group, groupCount: 2,
                                                       scale1: 2, scale2: 3, workers: 4)
        #expect(one.count == 2 * 50)
        #expect(zip(one, four).allSatisfy { $0.bitPattern == $1.bitPattern })
        var undefined = 0
        for b in 0..<50 {
            var sum = [0.0, 0.0], defined = [true, true]
            var p = 0
            for i in 0..<4 {
                for j in (i + 1)..<4 {
                    let g = Int(group[p]); p += 1
                    guard let a1 = t1.centroid(slot: i, replicate: b), let b1 = t1.centroid(slot: j, replicate: b),
                          let a2 = t2.centroid(slot: i, replicate: b), let b2 = t2.centroid(slot: j, replicate: b) else {
                        defined[g] = false; continue
                    }
                    func distance(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }
                    let d1 = distance(a1, b1) / 2, d2 = distance(a2, b2) / 3
                    sum[g] += (d2 - d1) / d1
                }
            }
            for g in 0..<2 {
                let value = one[g * 50 + b]
                if defined[g] {
                    #expect(abs(value - sum[g] / 3) <= 1e-12 * max(1, abs(value)), "replicate \(b) group \(g)")
                } else {
                    #expect(value.isNaN)
                    undefined += 1
                }
            }
        }
        // 6 rows per class: a class is unweighted with chance e⁻⁶ per model and replicate.
        #expect(undefined < 10)
        // The interval over the defined replicates.
        let interval = try Bootstrap.interval(estimate: 0, replicates: Array(one[0..<50]), level: 0.9, seed: 7)
        #expect(interval.lower <= interval.upper)
    }

    @Test func replicateGroupMeansRefuseBadArguments() throws {
        let s = try ReplicateSums(classCount: 2, classes: [0, 1], dim: 1, replicates: 0..<2, rowNormalization: .none,
                                  weights: PoissonWeights(seed: 0, stream: 1))
        var divided = s
        divided.divideByTotals()
        // Not divided yet; a class with too few rows; a group list of the wrong length.
        #expect(throws: AnalysisError.self) {
            try PairChanges.replicateGroupMeans(t1: s, t2: s, classes: [0, 1], group: [0], groupCount: 1, scale1: 1, scale2: 1)
        }
        #expect(throws: AnalysisError.self) {
            try PairChanges.replicateGroupMeans(t1: divided, t2: divided, classes: [0, 1], group: [0], groupCount: 1, scale1: 1, scale2: 1)
        }
        #expect(throws: AnalysisError.self) {
            try PairChanges.replicateGroupMeans(t1: divided, t2: divided, classes: [0, 1], group: [0, 0], groupCount: 1, scale1: 1, scale2: 1)
        }
    }
}
