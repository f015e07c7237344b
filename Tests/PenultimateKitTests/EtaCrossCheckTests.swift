import Foundation
import Testing
import Penultimate
import BLASKernel
@testable import PenultimateKit
import TestSupport

/// numpy float64 reference, reading the same HDF5 files with h5py: centroids of both models
/// (flattened), the two scales, then η(S1) η(S2) per target given as JSON [[t, S1, S2], ...].
private let referenceScript = """
import sys, json, h5py, numpy as np
p1, p2, split, norm, targets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
def centroids(p):
    with h5py.File(p, 'r') as f:
        X = f['splits/%s/features' % split][...].astype(np.float64)
        y = f['splits/%s/labels' % split][...]
        C = len(f['classes/wnid'])
    if norm == 'unit':
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    return np.stack([X[y == k].mean(axis=0) for k in range(C)])
def scale(c):
    if norm != 'centroid-scale':
        return 1.0
    C = len(c)
    return float(np.mean([np.linalg.norm(c[i] - c[j]) for i in range(C) for j in range(i + 1, C)]))
c1, c2 = centroids(p1), centroids(p2)
s1, s2 = scale(c1), scale(c2)
print(' '.join(repr(float(v)) for v in c1.ravel()))
print(' '.join(repr(float(v)) for v in c2.ravel()))
print(repr(s1), repr(s2))
def eta(t, S):
    d1 = np.array([np.linalg.norm(c1[t] - c1[k]) / s1 for k in S])
    d2 = np.array([np.linalg.norm(c2[t] - c2[k]) / s2 for k in S])
    return float(np.mean((d2 - d1) / d1))
for t, S1, S2 in targets:
    print(repr(eta(t, S1)), repr(eta(t, S2)))
"""

@Suite struct EtaCrossCheckTests {
    @Test(arguments: DistanceNormalization.allCases)
    func centroidsScalesAndEtaMatchNumpy(normalization: DistanceNormalization) throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let p1 = try writeEtaDump(dir + "/t1.h5", temperature: 1, seed: 1)
        let p2 = try writeEtaDump(dir + "/t3.h5", temperature: 3, seed: 2)
        let t1 = try ModelInput(paths: [p1]), t2 = try ModelInput(paths: [p2])
        let request = EtaRequest(splits: ["train", "val"], targets: ["retrievers", "snakes"],
                                 normalization: normalization)
        let classes = try etaClasses(t1)
        let report = try EtaReport.compute(t1: t1, t2: [t2], request: request, classes: classes, showProgress: false)
        #expect(report.rows.count == 20)
        for split in ["train", "val"] {
            let rows = report.rows.filter { $0.split == split }
            let spec = "[" + rows.map { "[\($0.target), \($0.s1), \($0.s2)]" }.joined(separator: ", ") + "]"
            let reference = try numberRows(python(referenceScript, arguments: [p1, p2, split, normalization.rawValue, spec]))
            let rowNormalization = normalization.rowNormalization
            let c1 = try t1.centroids(split: split, rowNormalization: rowNormalization, invalidRows: .refuse).accumulator.centroids()
            let c2 = try t2.centroids(split: split, rowNormalization: rowNormalization, invalidRows: .refuse).accumulator.centroids()
            #expect(zip(c1.values, reference[0]).allSatisfy { close($0, $1) })
            #expect(zip(c2.values, reference[1]).allSatisfy { close($0, $1) })
            #expect(c1.values.count == reference[0].count)
            #expect(close(try normalization.scale(of: c1), reference[2][0]))
            #expect(close(try normalization.scale(of: c2), reference[2][1]))
            for (row, values) in zip(rows, reference.dropFirst(3)) {
                #expect(close(row.etaS1, values[0]), "\(row.targetID) S1 \(split): \(row.etaS1) vs \(values[0])")
                #expect(close(row.etaS2, values[1]), "\(row.targetID) S2 \(split): \(row.etaS2) vs \(values[1])")
            }
            #expect(reference.count == 3 + rows.count)
        }
        // The synthetic families pull together as T grows: the pattern the presets look for.
        #expect(report.rows.filter { $0.target < 10 }.allSatisfy { $0.etaS1 < 0 })
    }

    @Test func presetSetsAreTheOtherFourAndTheOtherFamily() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let t1 = try ModelInput(paths: [try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)])
        let targets = try EtaRequest().resolveTargets(in: try etaClasses(t1))
        #expect(targets.count == 10)
        #expect(targets[0] == EtaTarget(target: 0, s1: [1, 2, 3, 4], s2: [5, 6, 7, 8, 9]))
        #expect(targets[7] == EtaTarget(target: 7, s1: [5, 6, 8, 9], s2: [0, 1, 2, 3, 4]))
        // Defaults outside presets: siblings (the other retrievers) and LCA depth ≤ 8 (the snakes,
        // which meet the retrievers at vertebrate, and the submarine; the poodle shares "dog").
        let plain = try EtaRequest(targets: ["n02099849"]).resolveTargets(in: try etaClasses(t1))
        #expect(plain == [EtaTarget(target: 4, s1: [0, 1, 2, 3], s2: [5, 6, 7, 8, 9, 11])])
    }

    /// Three classes in 2-D, names only, explicit sets: every number by hand.
    @Test func handComputedTinyCase() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        func write(_ path: String, _ t: Double, _ rows: [[Float]], _ labels: [Int32]) throws {
            var attributes = DumpAttributes(model: "tiny", role: .student, dataset: "toy", lsAlpha: 0)
            attributes.kdTemperature = t
            let writer = try FeatureWriter(path: path, attributes: attributes, classes: ClassList(names: ["a", "b", "c"]),
                                           weight: [Float](repeating: 0, count: 6), bias: [0, 0, 0])
            try writer.append(split: "train", features: rows.flatMap { $0 }, labels: labels)
            try writer.finish()
        }
        // T1 centroids: a (1, 0) from (0, 0) and (2, 0); b (4, 0); c (1, 4).
        try write(dir + "/t1.h5", 1, [[0, 0], [2, 0], [4, 0], [1, 4]], [0, 0, 1, 2])
        // T2 centroids: a (1, 0); b (2, 0); c (1, 8).
        try write(dir + "/t2.h5", 2, [[1, 0], [2, 0], [1, 7], [1, 9]], [0, 1, 2, 2])
        let t1 = try ModelInput(paths: [dir + "/t1.h5"]), t2 = try ModelInput(paths: [dir + "/t2.h5"])
        let classes = try ClassResolution(classes: t1.classes, file: t1.label, wordNet: etaWordNet)
        func eta(_ n: DistanceNormalization) throws -> EtaRow {
            let request = EtaRequest(splits: ["train"], targets: ["a"], s1: .explicit(["b"]), s2: .explicit(["2"]), normalization: n)
            return try EtaReport.compute(t1: t1, t2: [t2], request: request, classes: classes, showProgress: false).rows[0]
        }
        // none: S1 = {b}: d1 = 3, d2 = 1 → −2/3; S2 = {c}: d1 = 4, d2 = 8 → 1.
        let raw = try eta(.none)
        #expect(close(raw.etaS1, -2.0 / 3) && close(raw.etaS2, 1))
        #expect(raw.diffusion)
        // centroid scale: T1 pairs 3, 4, 5 → 4; T2 pairs 1, 8, √65 → (9 + √65)/3.
        let s2 = (9 + 65.0.squareRoot()) / 3
        let scaled = try eta(.centroidScale)
        #expect(close(scaled.etaS1, (1 / s2 - 3.0 / 4) / (3.0 / 4)))
        #expect(close(scaled.etaS2, (8 / s2 - 1) / 1))
        // unit: T1 unit rows a: (0,0) is all zero → refused with a count; skipped it leaves a = (1, 0).
        let unitError = etaErrorText { _ = try eta(.unit) }
        #expect(unitError.contains("t1.h5") && unitError.contains("/splits/train/features") && unitError.contains("1 of 4 rows are all zero"))
    }

    @Test func centroidFileRoundTripAndShardMergeEqualTheSinglePass() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let whole = try writeEtaDump(dir + "/whole.h5", temperature: 2, seed: 5, rowsPerClass: 8)
        // Two "shards": the same generator split in two runs of rows is not the same rows, so cut
        // the whole dump's rows in two by reading them back.
        let dump = try Dump.open(whole)
        var features: [Float] = [], labels: [Int32] = []
        try dump.split("train").forEachBlock { block in features += block.features; labels += block.labels }
        let half = labels.count / 2
        // They are shards 0 and 1 of 2 with sample indices, as a DDP run writes them: per-shard
        // centroid files record what they cover, and only then do they merge.
        for (rank, (name, range)) in [("a", 0..<half), ("b", half..<labels.count)].enumerated() {
            var attributes = dump.attributes
            attributes.shardRank = Int64(rank)
            attributes.shardCount = 2
            let writer = try FeatureWriter(path: dir + "/\(name).h5", attributes: attributes, classes: dump.classes,
                                           weight: [Float](repeating: 0, count: 12 * 6), bias: [Float](repeating: 0, count: 12))
            try writer.append(split: "train", features: Array(features[(range.lowerBound * 6)..<(range.upperBound * 6)]),
                              labels: Array(labels[range]), sampleIndex: range.map(Int64.init))
            try writer.finish()
        }
        for rows in [CentroidAccumulator.RowNormalization.none, .unitLength] {
            let single = try CentroidFile.compute(dump: dump, split: "train", rowNormalization: rows, invalidRows: .refuse)
            var paths: [String] = []
            for name in ["a", "b"] {
                let part = try CentroidFile.compute(dump: try Dump.open(dir + "/\(name).h5", partial: true), split: "train",
                                                    rowNormalization: rows, invalidRows: .refuse)
                let path = dir + "/\(name).\(rows.rawValue).centroids.h5"
                try part.write(to: path, provenance: "{\"test\": true}")
                let back = try CentroidFile.read(path)
                #expect(back.accumulator.sums == part.accumulator.sums && back.accumulator.counts == part.accumulator.counts)
                #expect(back.classes == part.classes && back.source == part.source && back.split == "train")
                #expect(back.provenance == "{\"test\": true}")
                paths.append(path)
            }
            let merged = try ModelInput(paths: paths)
            #expect(merged.isCentroidFiles)
            let m = try merged.centroids(split: "train", rowNormalization: rows, invalidRows: .refuse)
            #expect(m.accumulator.counts == single.accumulator.counts)
            #expect(zip(m.accumulator.sums, single.accumulator.sums).allSatisfy { close($0, $1, 1e-12) })
        }
        // Two whole (unsharded) dumps' files do not merge: nothing says they are parts of one split.
        let single = try CentroidFile.compute(dump: dump, split: "train", rowNormalization: .none, invalidRows: .refuse)
        try single.write(to: dir + "/whole.centroids.h5", provenance: "{}")
        let twice = etaErrorText { _ = try ModelInput(paths: [dir + "/whole.centroids.h5", dir + "/whole.centroids.h5"]) }
        #expect(twice.contains("already covers the whole split"))
        // Files of different row normalisations do not merge.
        let mixed = etaErrorText { _ = try ModelInput(paths: [dir + "/a.none.centroids.h5", dir + "/b.unitLength.centroids.h5"]) }
        #expect(mixed.contains("b.unitLength.centroids.h5: attribute row_normalization: is unitLength"))
        // A file built for raw rows cannot serve --normalize unit.
        let wrong = etaErrorText {
            _ = try ModelInput(paths: [dir + "/a.none.centroids.h5"], partial: true).centroids(split: "train", rowNormalization: .unitLength, invalidRows: .refuse)
        }
        #expect(wrong.contains("rebuild it with `eta centroids --normalize unit`"))
    }

    @Test func bootstrapPlanFitsTheBudgets() throws {
        let ten = try EtaReport.bootstrapPlan(replicates: 1000, targets: 10, classes: 10, dim: 512)
        #expect(ten.blocks == 1 && ten.blockReplicates == 1000 && ten.sumBytes == 2 * 10 * 1000 * 513 * 8)
        let all = try EtaReport.bootstrapPlan(replicates: 1000, targets: 1000, classes: 1000, dim: 512, workers: 2)
        #expect(all.blockReplicates == 130 && all.blocks == 8 && all.sumBytes <= EtaRequest.bootstrapSumBudget)
        #expect(all.etaBytes == 1000 * 2 * 1000 * 8 + 2 * 1000 * 8)
        // Too many replicates for the targets' η, or one replicate over the sums' budget: refused.
        #expect(throws: InputError.self) { try EtaReport.bootstrapPlan(replicates: 100_000, targets: 1000, classes: 1000, dim: 512) }
        #expect(throws: InputError.self) { try EtaReport.bootstrapPlan(replicates: 10, targets: 1, classes: 100_000, dim: 2048) }
        // Everything held at once (sums, η, staged rows, weight blocks, Gram matrices) fits the total
        // bound; threads that do not fit are dropped; Gram matrices that cannot fit one thread are refused.
        #expect(all.totalBytes <= EtaRequest.bootstrapMemoryBudget && all.workers == 2)
        let many = try EtaReport.bootstrapPlan(replicates: 1000, targets: 1000, classes: 1000, dim: 512, workers: 64)
        #expect(many.workers < 64 && many.workers >= 1 && many.totalBytes <= EtaRequest.bootstrapMemoryBudget)
        let wide = etaErrorText { _ = try EtaReport.bootstrapPlan(replicates: 10, targets: 1, classes: 12_000, dim: 64) }
        #expect(wide.contains("Gram matrices") && wide.contains("1792 MiB bound"))
    }

    @Test func bootstrapIntervalsContainTheEstimateAndRepeatWithTheSeed() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let t1 = try ModelInput(paths: [try writeEtaDump(dir + "/t1.h5", temperature: 1, seed: 1)])
        let t2 = try ModelInput(paths: [try writeEtaDump(dir + "/t3.h5", temperature: 3, seed: 2)])
        let request = EtaRequest(splits: ["val"], targets: ["n02099601"], bootstrapReplicates: 50, seed: 7)
        let a = try EtaReport.compute(t1: t1, t2: [t2], request: request, classes: try etaClasses(t1), showProgress: false)
        let b = try EtaReport.compute(t1: t1, t2: [t2], request: request, classes: try etaClasses(t1), showProgress: false)
        let row = try #require(a.rows.first)
        let ci1 = try #require(row.ciS1), ci2 = try #require(row.ciS2)
        #expect(ci1.lowerBound < ci1.upperBound && ci2.lowerBound < ci2.upperBound)
        #expect(ci1.contains(row.etaS1) || abs(row.etaS1 - ci1.lowerBound) < 0.5)
        #expect(a.rows == b.rows)
        // The intervals equal Analysis's replicate sums over the class rows read directly (unpaired:
        // streams 1 and 2), staged into one block as eta stages them, on the kernel eta injects.
        let classes = Set([row.target] + row.s1 + row.s2).sorted()
        func sums(_ input: ModelInput, stream: UInt64) throws -> ReplicateSums {
            var sums = try ReplicateSums(classCount: input.classes.count, classes: classes, dim: 6, replicates: 0..<50,
                                         rowNormalization: .none, weights: PoissonWeights(seed: 7, stream: stream))
            var features: [Float] = [], labels: [Int32] = []
            try input.dump!.split("val").forEachBlock { block in
                // These dumps store no sample_index: rows are keyed by their order within their class.
                #expect(block.sampleIndex == nil)
                features += block.features
                labels += block.labels
            }
            try features.withUnsafeBufferPointer { f in
                try labels.withUnsafeBufferPointer { try sums.add(rows: f, labels: $0, sampleIndex: nil, kernel: EtaReport.kernel) }
            }
            sums.divideByTotals()
            return sums
        }
        let c1 = try t1.centroids(split: "val", rowNormalization: .none, invalidRows: .refuse).accumulator.centroids()
        let c2 = try t2.centroids(split: "val", rowNormalization: .none, invalidRows: .refuse).accumulator.centroids()
        let both = try Bootstrap.replicateEtas(t1: try sums(t1, stream: 1), t2: try sums(t2, stream: 2),
                                               targets: [.init(target: row.target, sets: [row.s1, row.s2])],
                                               scale1: try c1.meanPairwiseCentroidDistance(),
                                               scale2: try c2.meanPairwiseCentroidDistance(), kernel: EtaReport.kernel)
        let etas = Array(both[0..<50])
        let direct = try Bootstrap.interval(estimate: row.etaS1, replicates: etas, level: 0.95, seed: 7)
        #expect(direct.lower == ci1.lowerBound && direct.upper == ci1.upperBound)
        // Paired: these dumps store no sample_index, so their rows cannot be matched (pairing by
        // position within a class could pair different images): refused. With sample_index, see
        // EtaEndToEndTests and Tests/Python/test_bootstrap.py.
        var paired = request
        paired.paired = true
        let unmatched = etaErrorText {
            _ = try EtaReport.compute(t1: t1, t2: [t2], request: paired, classes: try etaClasses(t1), showProgress: false)
        }
        #expect(unmatched.contains("sample_index: missing: paired resampling matches rows by sample_index"))
        // Centroid files cannot be resampled: refused before any pass.
        let file = try t2.centroids(split: "val", rowNormalization: .none, invalidRows: .refuse)
        try file.write(to: dir + "/t3.centroids.h5", provenance: "{}")
        let refused = etaErrorText {
            _ = try EtaReport.compute(t1: t1, t2: [try ModelInput(paths: [dir + "/t3.centroids.h5"])], request: request,
                                      classes: try etaClasses(t1), showProgress: false)
        }
        #expect(refused.contains("t3.centroids.h5: input: centroid files hold no rows to resample"))
    }
}
