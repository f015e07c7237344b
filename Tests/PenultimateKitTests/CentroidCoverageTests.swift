import Foundation
import Testing
import TestSupport
import Penultimate
@testable import PenultimateKit

/// The per-shard centroid workflow (`eta centroids` on each rank's file, then a merge) against one
/// pass over the whole shard set: the same bits where the rows are the same, and a refusal where
/// DistributedSampler padding puts one sample in two ranks (issues #10 and #11).
@Suite struct CentroidCoverageTests {
    static let dim = 16

    /// Writes `count` shard files over `n` samples as DistributedSampler deals them (padding the
    /// index list with its first entries to a multiple of `count`), float32 in 64-row chunks, with
    /// `sample_count` = n; and `expected.f64`: numpy's per-class sums over the distinct samples.
    func writeRun(_ dir: URL, n: Int, count: Int, classes: Int = 5) throws -> [String] {
        try python("""
        import numpy as np, h5py
        n, K, C, D = \(n), \(count), \(classes), \(Self.dim)
        r = np.random.default_rng(11)
        # Magnitudes over 12 decades, so Double sums round and the order of additions shows in the bits.
        x = (r.standard_normal((n, D)) * 10.0 ** r.uniform(-6, 6, (n, 1))).astype("f4")
        y = r.integers(0, C, n)
        total = -(-n // K) * K
        padded = np.array(list(range(n)) + list(range(total - n)))
        for rank in range(K):
            idx = padded[rank::K]
            with h5py.File(f"run.rank{rank}.h5", "w", libver=("earliest", "v110")) as f:
                for k, v in dict(format="penultimate-features", format_version=np.int64(1), model="resnet18",
                                 role="teacher", dataset="toy", ls_alpha=0.1, shard_rank=np.int64(rank),
                                 shard_count=np.int64(K)).items():
                    f.attrs[k] = v
                f["classes/wnid"] = np.array([f"n{i:08d}" for i in range(C)], dtype=h5py.string_dtype())
                f["classifier/weight"] = np.ones((C, D), "f4")
                f["classifier/bias"] = np.zeros(C, "f4")
                g = f.create_group("splits/train")
                g.attrs["sample_count"] = np.int64(n)
                g.create_dataset("features", data=x[idx], chunks=(64, D))
                g["labels"] = y[idx].astype("i8")
                g["sample_index"] = idx.astype("i8")
        sums = np.zeros((C, D)); np.add.at(sums, y, x.astype("f8"))
        import sys; sys.path.insert(0, \"\(packageRoot)/notebooks-export\")
        import penultimate_writer as pw
        pw.write_manifest("run.h5", [f"run.rank{rank}.h5" for rank in range(K)])
        sums.tofile("expected.f64")
        scale = np.zeros((C, D)); np.add.at(scale, y, np.abs(x.astype("f8"))); scale.tofile("scale.f64")
        np.bincount(y, minlength=C).astype("i8").tofile("counts.i64")
        """, in: dir.path)
        return (0..<count).map { dir.appendingPathComponent("run.rank\($0).h5").path }
    }

    func pass(_ paths: [String], partial: Bool = false) throws -> CentroidFile {
        try CentroidFile.compute(dump: try Dump.open(paths, partial: partial), split: "train",
                                 rowNormalization: .none, invalidRows: .refuse)
    }

    /// Each shard's pass written to and read back from a centroid file, as `eta centroids` does.
    func perShardFiles(_ dir: URL, _ shards: [String]) throws -> [String] {
        try shards.enumerated().map { rank, shard in
            let path = dir.appendingPathComponent("c.rank\(rank).h5").path
            try pass([shard], partial: true).write(to: path, provenance: "{}")
            return path
        }
    }

    /// numpy's sums match within the error bound of summing in Double: n·ε·Σ|x| per element.
    func matchesNumpy(_ sums: [Double], _ dir: URL) throws -> Bool {
        let (expected, _) = try expectedSums(dir)
        let data = try Data(contentsOf: dir.appendingPathComponent("scale.f64"))
        let scale = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        return sums.count == expected.count && sums.indices.allSatisfy { abs(sums[$0] - expected[$0]) <= 1e-11 * scale[$0] }
    }

    func expectedSums(_ dir: URL) throws -> ([Double], [Int]) {
        func raw<T>(_ name: String, _: T.Type) throws -> [T] {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        return (try raw("expected.f64", Double.self), try raw("counts.i64", Int64.self).map { Int($0) })
    }

    @Test func perShardPassesMergeToTheWholeSetPassBitForBit() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "coverage-nopad"))
        let shards = try writeRun(dir, n: 6000, count: 3)  // 2000 rows per rank, no padding
        let whole = try pass(shards.reversed())
        let files = try perShardFiles(dir, shards)
        // Given in any order (a shell glob sorts rank10 before rank2), merged in rank order.
        let merged = try CentroidFile.merged(try [files[2], files[0], files[1]].map(CentroidFile.read))
        #expect(merged.accumulator.sums.map(\.bitPattern) == whole.accumulator.sums.map(\.bitPattern))
        #expect(merged.accumulator.counts == whole.accumulator.counts)
        // The manifest is read through its shard files: the same bits again.
        let manifest = try pass([dir.appendingPathComponent("run.h5").path])
        #expect(manifest.accumulator.sums.map(\.bitPattern) == whole.accumulator.sums.map(\.bitPattern))
        #expect(manifest.coverage.whole && manifest.coverage.sampleRanges == [0..<6000])
        // What eta reads from either input: the same bits.
        let fromFiles = try ModelInput(paths: files.reversed()).centroids(split: "train", rowNormalization: .none, invalidRows: .refuse)
        let fromDump = try ModelInput(paths: shards).centroids(split: "train", rowNormalization: .none, invalidRows: .refuse)
        #expect(fromFiles.accumulator.sums.map(\.bitPattern) == fromDump.accumulator.sums.map(\.bitPattern))
        // numpy's sums over the same rows (another order of additions: close, not bitwise).
        let (sums, counts) = try expectedSums(dir)
        #expect(whole.accumulator.counts == counts)
        let matches = try matchesNumpy(whole.accumulator.sums, dir)
        #expect(matches)
        // The test can tell orders apart: numpy's order gives other bits.
        #expect(whole.accumulator.sums.map(\.bitPattern) != sums.map(\.bitPattern))
        // Coverage: every rank, every sample, recorded and read back.
        #expect(whole.coverage.whole && whole.coverage.ranks == [0, 1, 2] && whole.coverage.sampleRanges == [0..<6000])
        #expect(merged.coverage.whole && merged.coverage.ranks == [0, 1, 2] && merged.coverage.sampleRanges == [0..<6000])
        #expect(merged.coverage.sampleCount == 6000 && merged.coverage.shardCount == 3 && merged.coverage.duplicatesDropped == 0)
        let one = try CentroidFile.read(files[1])
        #expect(one.coverage.ranks == [1] && !one.coverage.whole && one.coverage.rows == 2000)
        #expect(one.coverage.sampleRanges?.count == 2000 && one.coverage.sampleRanges?.first == 1..<2)
    }

    @Test func paddingCountedInTwoRanksIsRefusedWhileTheWholeSetDropsIt() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "coverage-pad"))
        // 5999 samples over 3 ranks: position 5999 (rank 2) repeats sample 0 (rank 0's first row).
        let shards = try writeRun(dir, n: 5999, count: 3)
        let whole = try pass(shards)
        #expect(whole.coverage.duplicatesDropped == 1 && whole.coverage.rows == 5999 && whole.coverage.whole)
        let (sums, counts) = try expectedSums(dir)
        let matches = try matchesNumpy(whole.accumulator.sums, dir)
        #expect(whole.accumulator.counts == counts && matches)
        #expect(sums.count == whole.accumulator.sums.count)
        let files = try perShardFiles(dir, shards)
        let error = #expect(throws: InputError.self) { try CentroidFile.merged(try files.map(CentroidFile.read)) }
        #expect(error?.description.hasPrefix("\(files[2]): /coverage/sample_ranges: shares samples with \(files[0]) (first: sample_index 0)") == true)
        // Through eta's input too, and with --partial: overlap is never accepted.
        #expect(throws: InputError.self) { try ModelInput(paths: files, partial: true) }
        // The per-shard sums without the padding rank merge fine but are incomplete.
        let two = try files.prefix(2).map(CentroidFile.read)
        let incomplete = #expect(throws: InputError.self) { try CentroidFile.merged(two) }
        #expect(incomplete?.description == "\(files[0]), \(files[1]): /coverage/shard_ranks: covers shards 0, 1 of 3 (missing 2); pass the centroid files of all 3 shards, or --partial to use part of the split")
        let part = try CentroidFile.merged(two, partial: true)
        #expect(!part.coverage.whole && part.coverage.ranks == [0, 1] && part.coverage.sampleTotal == 4000)
        #expect(part.coverage.summary == "shards: ranks 0, 1 of 3; 4000 rows; 0 repeated sample_index row(s) dropped; 4000 of sample_count 5999 samples; PARTIAL")
    }

    @Test func unshardedFilesAndVersionOneFiles() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "coverage-single"))
        let a = dir.appendingPathComponent("a.h5").path
        try writeEtaDump(a, temperature: 1, seed: 1)
        let file = try CentroidFile.compute(dump: try Dump.open(a), split: "val", rowNormalization: .none, invalidRows: .refuse)
        #expect(file.coverage.whole && file.coverage.ranks == nil && file.coverage.sampleRanges == nil && file.coverage.rows == 12 * 9)
        let c = dir.appendingPathComponent("c.h5").path, old = dir.appendingPathComponent("old.h5").path
        try file.write(to: c, provenance: "{}")
        // A whole split cannot take more rows.
        let twice = #expect(throws: InputError.self) { try CentroidFile.merged([try CentroidFile.read(c), try CentroidFile.read(c)]) }
        #expect(twice?.description.contains("already covers the whole split") == true)
        // A version-1 file (as earlier eta wrote): read alone, never merged.
        try python("""
        import h5py, shutil, numpy as np
        shutil.copy("c.h5", "old.h5")
        with h5py.File("old.h5", "a") as f:
            f.attrs["format_version"] = np.int64(1); del f["coverage"]
            assert int(h5py.File("c.h5", "r").attrs["format_version"]) == 2
        """, in: dir.path)
        let v1 = try CentroidFile.read(old)
        #expect(!v1.coverage.known && v1.accumulator.sums == file.accumulator.sums)
        #expect(try CentroidFile.merged([v1]).accumulator.counts == file.accumulator.counts)
        // A record that does not describe the sums is refused (rows read vs counted).
        try python("""
        import h5py, shutil, numpy as np
        shutil.copy("c.h5", "lying.h5")
        with h5py.File("lying.h5", "a") as f:
            f["coverage"].attrs["rows"] = np.int64(50)
        """, in: dir.path)
        let lying = dir.appendingPathComponent("lying.h5").path
        let lie = #expect(throws: InputError.self) { try CentroidFile.read(lying) }
        #expect(lie?.description.hasPrefix("\(lying): /counts: sum to 108 rows (with the skipped ones) but /coverage says 50 rows were read") == true)
        let merge = #expect(throws: InputError.self) { try CentroidFile.merged([v1, try CentroidFile.read(old)], partial: true) }
        #expect(merge?.description.hasPrefix("\(old): attribute format_version: is 1: the file does not record which samples it covers") == true)
    }
}
