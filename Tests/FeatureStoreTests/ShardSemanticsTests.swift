import Foundation
import Testing
import TestSupport
@testable import FeatureStore

/// Shard sets must be complete and of one model, one file holds each sample once, and the split
/// attribute `sample_count` is kept (issues #10 and #11). Real files written by h5py.
@Suite struct ShardSemanticsTests {
    /// Writes `NAME.rank{r}.h5` for each rank in `ranks` over `n` samples padded as
    /// DistributedSampler pads them (positions r, r + count, ... of 0..<n plus the first indices).
    func writeShards(_ dir: URL, name: String = "d", count: Int, ranks: [Int], n: Int, sampleCount: Int? = nil,
                     attrs: [Int: String] = [:]) throws -> [String] {
        let extra = sampleCount.map { "lambda f: f['splits/train'].attrs.create('sample_count', np.int64(\($0)))" } ?? "None"
        var script = """
        x, y = toy(N=\(n), D=4, seed=5)
        total = -(-\(n) // \(count)) * \(count)
        padded = list(range(\(n))) + list(range(total - \(n)))

        """
        for r in ranks {
            script += """
            idx = padded[\(r)::\(count)]
            a = dict(shard_rank=np.int64(\(r)), shard_count=np.int64(\(count)))
            for u in [\(attrs[r] ?? "")]: a.update(u)
            write_dump("\(name).rank\(r).h5", x[idx], y[idx], sample_index=idx, attrs=a, extra=\(extra))

            """
        }
        try python(script, in: dir)
        return ranks.map { dir.appendingPathComponent("\(name).rank\($0).h5").path }
    }

    func dir() throws -> URL { URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-shards")) }

    @Test func aSingleFileWithRepeatedSampleIndexIsRefused() throws {
        let d = try dir()
        try python(#"""
        x, y = toy()
        write_dump("zeros.h5", x, y, sample_index=np.zeros(10, "i8"))
        write_dump("ok.h5", x, y, sample_index=np.arange(10)[::-1])
        """#, in: d)
        let path = d.appendingPathComponent("zeros.h5").path
        let error = #expect(throws: StoreError.self) { try Dump.open(path) }
        #expect(error?.description == "\(path): /splits/train/sample_index: 9 row(s) repeat an earlier sample_index (first: 0 at rows 0 and 1); a single file must hold each sample once; write each sample once (only the shards of a DistributedSampler run repeat padding samples)")
        // Even with --partial: a repeat in one file is never padding.
        #expect(throws: StoreError.self) { try Dump.open(path, partial: true) }
        let ok = try Dump.open(d.appendingPathComponent("ok.h5").path).split("train")
        #expect(ok.rows == 10 && ok.duplicatesDropped == 0 && ok.sampleRanges() == [0..<10])
    }

    @Test func aLoneShardIsRefusedUnlessPartial() throws {
        let d = try dir()
        let paths = try writeShards(d, count: 2, ranks: [0], n: 11)
        let error = #expect(throws: StoreError.self) { try Dump.open(paths) }
        #expect(error?.description == "\(paths[0]): attribute shard_count: is shard 0 of 2; pass all 2 shards (or the manifest), or --partial to read one part")
        let dump = try Dump.open(paths, partial: true)
        #expect(dump.isPartial && dump.shards == ShardSet(ranks: [0], count: 2))
        #expect(dump.layoutDescription == "shards: rank 0 of 2 (partial)")
        #expect(try dump.split("train").rows == 6)
    }

    @Test func aShardSetMustHaveEveryRankOnce() throws {
        let d = try dir()
        let paths = try writeShards(d, count: 3, ranks: [0, 1, 2], n: 10)
        let missing = #expect(throws: StoreError.self) { try Dump.open([paths[2], paths[0]]) }
        #expect(missing?.description == "\(paths[0]): attribute shard_count: holds shards 0, 2 of 3 (missing 1); pass all 3 shards (or the manifest), or --partial to read one part")
        let partial = try Dump.open([paths[2], paths[0]], partial: true)
        #expect(partial.shards == ShardSet(ranks: [0, 2], count: 3) && partial.isPartial)
        let twice = #expect(throws: StoreError.self) { try Dump.open([paths[0], paths[1], paths[1]]) }
        #expect(twice?.description.contains("attribute shard_rank: rank 1 also in \(paths[1]): the same rank was given twice") == true)
        // Complete in any order: three ranks, padding 0 and 1 dropped (12 positions over 10 samples).
        let whole = try Dump.open([paths[1], paths[2], paths[0]])
        #expect(!whole.isPartial && whole.shards == ShardSet(ranks: [0, 1, 2], count: 3))
        let train = try whole.split("train")
        #expect(train.rows == 10 && train.duplicatesDropped == 2 && train.sampleRanges() == [0..<10])
        #expect(train.shardReaders().map(\.rows) == [4, 3, 3] && train.shardReaders().map(\.duplicatesDropped) == [0, 1, 1])
    }

    @Test func shardCountsAndRanksMustBeConsistent() throws {
        let d = try dir()
        let a = try writeShards(d, name: "a", count: 2, ranks: [0], n: 8)
        let b = try writeShards(d, name: "b", count: 3, ranks: [1], n: 8)
        let e1 = #expect(throws: StoreError.self) { try Dump.open(a + b) }
        #expect(e1?.description == "\(b[0]): attribute shard_count: is 3 but \(a[0]) has 2: not shards of one dump")
        let c = try writeShards(d, name: "c", count: 2, ranks: [1], n: 8, attrs: [1: "dict(shard_rank=np.int64(5))"])
        let e2 = #expect(throws: StoreError.self) { try Dump.open(a + c) }
        #expect(e2?.description == "\(c[0]): attribute shard_rank: is 5, not below shard_count 2")
        try python(#"""
        x, y = toy()
        write_dump("plain.h5", x, y, sample_index=np.arange(10) + 100)
        """#, in: d)
        let plain = d.appendingPathComponent("plain.h5").path
        let e3 = #expect(throws: StoreError.self) { try Dump.open(a + [plain]) }
        #expect(e3?.description.hasPrefix("\(plain): attribute shard_count: missing, but \(a[0]) has shard_rank/shard_count") == true)
        try python(#"""
        x, y = toy()
        write_dump("zero.h5", x, y, sample_index=np.arange(10), attrs=dict(shard_rank=np.int64(0), shard_count=np.int64(0)))
        write_dump("rankonly.h5", x, y, sample_index=np.arange(10), attrs=dict(shard_rank=np.int64(0)))
        write_dump("one.h5", x, y, sample_index=np.arange(10), attrs=dict(shard_rank=np.int64(0), shard_count=np.int64(1)))
        """#, in: d)
        let zero = d.appendingPathComponent("zero.h5").path, rankOnly = d.appendingPathComponent("rankonly.h5").path
        #expect(throws: StoreError(file: zero, object: "attribute shard_count", message: "is 0; the number of ranks is an integer in 1...1048576")) { try Dump.open(zero) }
        #expect(throws: StoreError(file: rankOnly, object: "attribute shard_count", message: "missing although shard_rank is set; a shard file needs both")) {
            try Dump.open(rankOnly)
        }
        // One shard of one is the whole dump.
        let one = try Dump.open(d.appendingPathComponent("one.h5").path)
        #expect(!one.isPartial && one.shards == ShardSet(ranks: [0], count: 1))
    }

    @Test(arguments: [("kd_temperature", "kd_temperature=64.0", "is 64.0 but", "has 1.0"),
                      ("ls_alpha", "ls_alpha=0.0", "is 0.0 but", "has 0.1"),
                      ("model", "model='resnet50'", "is resnet50 but", "has resnet18"),
                      ("seed", "seed=np.int64(8)", "is 8 but", "has 7"),
                      ("teacher_ls_alpha", "teacher_ls_alpha=0.0", "is 0.0 but", "has 0.1"),
                      ("epoch", "epoch=np.int64(3)", "is 3 but", "has absent")])
    func shardsMustDescribeOneModel(_ key: String, _ change: String, _ theirs: String, _ mine: String) throws {
        let d = try dir()
        let student = "role='student', teacher_model='resnet50', teacher_ls_alpha=0.1, kd_temperature=1.0"
        let paths = try writeShards(d, count: 2, ranks: [0, 1], n: 8, attrs: [0: "dict(\(student))", 1: "dict(\(student)), dict(\(change))"])
        let error = #expect(throws: StoreError.self) { try Dump.open(paths) }
        #expect(error?.description == "\(paths[1]): attribute \(key): \(theirs) \(paths[0]) \(mine): not shards of one dump")
    }

    @Test func perFileProvenanceMayDiffer() throws {
        let d = try dir()
        let paths = try writeShards(d, count: 2, ranks: [0, 1], n: 8,
                                    attrs: [0: "dict(writer='a 1.0', config_json='{\"rank\": 0}')", 1: "dict(writer='a 1.1', config_json='{\"rank\": 1}')"])
        // The shards do differ in writer and config_json (else this test would prove nothing)…
        let first = try Dump.open([paths[0]], partial: true).attributes
        let second = try Dump.open([paths[1]], partial: true).attributes
        #expect(first.writer == "a 1.0" && second.writer == "a 1.1")
        #expect(first.configJSON != second.configJSON)
        // …yet those are not model attributes, so the set opens whole as one model.
        #expect(first.modelAttributeDifferences(second).isEmpty)
        let dump = try Dump.open(paths)
        #expect(try !dump.isPartial && dump.split("train").rows == 8)
    }

    @Test func sampleCountIsCheckedWhereStored() throws {
        let d = try dir()
        // Complete: 11 samples over 2 ranks, sample 0 repeated once as padding.
        let ok = try writeShards(d, name: "ok", count: 2, ranks: [0, 1], n: 11, sampleCount: 11)
        let train = try Dump.open(ok).split("train")
        #expect(train.sampleCount == 11 && train.rows == 11 && train.duplicatesDropped == 1)
        // sample_count larger than the samples present: incomplete, unless partial.
        let short = try writeShards(d, name: "short", count: 2, ranks: [0, 1], n: 11, sampleCount: 14)
        let e1 = #expect(throws: StoreError.self) { try Dump.open(short) }
        #expect(e1?.description == "\(short.joined(separator: ", ")): /splits/train/sample_index: holds 11 distinct samples but sample_count is 14: the reading is incomplete (missing 3: 11, 12, 13); pass every shard (or the manifest), or --partial to read part of the split")
        #expect(try Dump.open(short, partial: true).split("train").sampleCount == 14)
        // A lone shard with --partial: values checked against sample_count, completeness not.
        #expect(try Dump.open([ok[1]], partial: true).split("train").rows == 6)
        // Values outside 0..<sample_count are refused even partially.
        let small = try writeShards(d, name: "small", count: 2, ranks: [0, 1], n: 11, sampleCount: 10)
        let e2 = #expect(throws: StoreError.self) { try Dump.open(small, partial: true) }
        #expect(e2?.description == "\(small[0]): /splits/train/sample_index: 1 value(s) outside 0..<10 (sample_count) (first: row 5 = 10)")
        // Shards must agree.
        let other = try writeShards(d, name: "other", count: 2, ranks: [1], n: 11, sampleCount: 12)
        let e3 = #expect(throws: StoreError.self) { try Dump.open([ok[0], other[0]]) }
        #expect(e3?.description == "\(other[0]): attribute sample_count of /splits/train: is 12 but \(ok[0]) has 11: not shards of one dump")
        try python(#"""
        x, y = toy()
        write_dump("float.h5", x, y, extra=lambda f: f["splits/train"].attrs.create("sample_count", 10.0))
        write_dump("rows.h5", x, y, extra=lambda f: f["splits/train"].attrs.create("sample_count", np.int64(12)))
        write_dump("fits.h5", x, y, extra=lambda f: f["splits/train"].attrs.create("sample_count", np.int32(10)))
        """#, in: d)
        let float = d.appendingPathComponent("float.h5").path
        let e4 = #expect(throws: StoreError.self) { try Dump.open(float) }
        #expect(e4?.description.hasPrefix("\(float): attribute sample_count of /splits/train: stored as float64") == true)
        let rows = d.appendingPathComponent("rows.h5").path
        let e5 = #expect(throws: StoreError.self) { try Dump.open(rows) }
        #expect(e5?.description.hasPrefix("\(rows): /splits/train: holds 10 rows but sample_count is 12") == true)
        #expect(try Dump.open(d.appendingPathComponent("fits.h5").path).split("train").sampleCount == 10)
        // A corrupt, huge sample_count is refused without allocating anything of its size.
        try python(#"""
        x, y = toy()
        write_dump("huge.h5", x, y, sample_index=np.arange(10), extra=lambda f: f["splits/train"].attrs.create("sample_count", np.int64(2**62)))
        """#, in: d)
        let huge = d.appendingPathComponent("huge.h5").path
        let e6 = #expect(throws: StoreError.self) { try Dump.open(huge) }
        #expect(e6?.description == "\(huge): /splits/train/sample_index: holds 10 distinct samples but sample_count is 4611686018427387904: the reading is incomplete (missing 4611686018427387894: 10, 11, 12, 13, 14, ...); pass every shard (or the manifest), or --partial to read part of the split")
    }
}
