import Foundation
import Testing
import TestSupport
@testable import FeatureStore

/// The reader keeps less of a split resident (issue #12): the coverage's sample ranges come from
/// the duplicate check's bitmap, and labels are read a block at a time. The answers must be the
/// ones the whole arrays gave; expected values are computed by numpy from the written indices.
@Suite struct StreamedIndexTests {
    func dir() throws -> URL { URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-streamed")) }

    /// Half-open runs of the sorted distinct values, as numpy sees them.
    static let runs = """
    def runs(v):
        v = np.unique(np.asarray(v))
        cut = np.flatnonzero(np.diff(v) != 1) + 1
        return ";".join(f"{p[0]}..<{p[-1] + 1}" for p in np.split(v, cut))

    """

    func text(_ ranges: [Range<Int64>]?) -> String {
        (ranges ?? []).map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ";")
    }

    @Test func shuffledIndicesWithGapsGiveTheSortedRuns() throws {
        let d = try dir()
        let expected = try python(Self.runs + """
        x, y = toy(N=200, D=4, seed=3)
        r = np.random.default_rng(11)
        idx = r.permutation(np.r_[0:50, 60:61, 70:219, 1000:1000])[:200]
        write_dump("shuffled.h5", x, y, sample_index=idx)
        print(runs(idx))
        """, in: d).trimmingCharacters(in: .whitespacesAndNewlines)
        let reader = try Dump.open(d.appendingPathComponent("shuffled.h5").path).split("train")
        #expect(text(reader.sampleRanges()) == expected)
        #expect(text(reader.shardReaders()[0].sampleRanges()) == expected)
    }

    @Test func shardsWithPaddingGiveTheUnionAndEachShardItsOwnRuns() throws {
        let d = try dir()
        let expected = try python(Self.runs + """
        x, y = toy(N=23, D=4, seed=5)
        r = np.random.default_rng(2)
        perm = list(r.permutation(23) * 2)   # even sample indices only: every run has length one
        padded = perm + perm[:1]              # 24 positions over 23 samples, 3 ranks
        out = []
        for k in range(3):
            pos = list(range(k, 24, 3))
            idx = [padded[p] for p in pos]
            a = dict(shard_rank=np.int64(k), shard_count=np.int64(3))
            write_dump(f"s.rank{k}.h5", x[[p % 23 for p in pos]], y[[p % 23 for p in pos]], sample_index=idx, attrs=a)
            out.append(runs(idx[:-1] if k == 2 else idx))   # position 23 (rank 2's last row) repeats perm[0]
        print(runs(perm))
        for o in out: print(o)
        """, in: d).split(separator: "\n").map(String.init)
        let paths = (0..<3).map { d.appendingPathComponent("s.rank\($0).h5").path }
        let reader = try Dump.open(paths).split("train")
        #expect(reader.rows == 23 && reader.duplicatesDropped == 1)
        #expect(text(reader.sampleRanges()) == expected[0])
        #expect(reader.shardReaders().map { text($0.sampleRanges()) } == Array(expected[1...3]))
    }

    @Test func labelsReadInBlocksKeepEveryRowAndNameTheFirstBadOne() throws {
        let d = try dir()
        // More rows than one block of labels (2^17), so rows and values cross block edges.
        try python("""
        n = 300_000
        x = np.zeros((n, 2), "f4")
        y = (np.arange(n) * 7) % 3
        write_dump("good.h5", x, y)
        bad = y.copy(); bad[200_001] = 5; bad[299_999] = -4
        write_dump("bad.h5", x, bad)
        """, in: d)
        let reader = try Dump.open(d.appendingPathComponent("good.h5").path).split("train")
        let labels = try reader.labels()
        #expect(labels.count == 300_000)
        #expect(labels.enumerated().allSatisfy { Int($0.element) == ($0.offset * 7) % 3 })
        let path = d.appendingPathComponent("bad.h5").path
        let error = #expect(throws: StoreError.self) { try Dump.open(path) }
        #expect(error?.description == "\(path): /splits/train/labels: 2 label(s) outside 0..<3 (first: row 200001 = 5)")
    }

    /// Labels kept as runs (a file sorted by label) give the same labels as the array, for any
    /// range, and more runs than the bound are not kept.
    @Test func labelRunsAnswerEveryRangeAsTheArrayDoes() throws {
        var random = SystemRandomNumberGenerator()
        let sorted = (0..<5000).map { Int32($0 / 700) } + [2, 2, 9, 0]
        let runs = try #require(LabelRuns(sorted))
        #expect(runs.rows == sorted.count)
        for _ in 0..<500 {
            let a = Int.random(in: 0...sorted.count, using: &random), b = Int.random(in: 0...sorted.count, using: &random)
            let range = min(a, b)..<max(a, b)
            #expect(runs.labels(range) == Array(sorted[range]), "\(range)")
        }
        #expect(runs.labels(0..<sorted.count) == sorted)
        let alternating = (0..<(LabelRuns.maxRuns + 1)).map { Int32($0 % 2) }
        #expect(LabelRuns(alternating) == nil)
        #expect(LabelRuns(Array(alternating.dropLast())) != nil)
        #expect(LabelRuns([])?.labels(0..<0) == [])
    }

    /// Columns read a window at a time get a chunk cache that fits what they need: none when
    /// unfiltered (libhdf5 copies just the rows), one whole chunk when filtered, however large, so
    /// a gzip column written as one chunk is inflated once per pass, not once per window (measured:
    /// 0.08 s instead of 1.96 s for 600,000 labels).
    @Test func windowColumnsCacheAWholeFilteredChunkAndNothingElse() throws {
        let d = try dir()
        try python("""
        n = 200_000  # a 1.6 MB chunk, more than the default 1 MiB cache
        y = np.arange(n) % 3
        write_dump("plain.h5", np.ones((n, 4), "f4"), y)
        write_dump("gz.h5", np.ones((n, 4), "f4"), y)
        with h5py.File("plain.h5", "r+") as f:
            del f["splits/train/labels"]
            f.create_dataset("splits/train/labels", data=y.astype("i8"), chunks=(4096,))
        with h5py.File("gz.h5", "r+") as f:
            del f["splits/train/labels"]
            f.create_dataset("splits/train/labels", data=y.astype("i8"), compression="gzip", chunks=(n,))
        """, in: d)
        let plain = try Dump.open(d.appendingPathComponent("plain.h5").path).split("train")
        #expect(try plain.sources[0].labelColumn.dataset.chunkCacheBytes == 0)
        let gz = try Dump.open(d.appendingPathComponent("gz.h5").path).split("train")
        #expect(try gz.sources[0].labelColumn.dataset.chunkCacheBytes >= 200_000 * 8)
        #expect(try gz.labels() == (0..<200_000).map { Int32($0 % 3) })
    }

    /// After the open has checked them, passes read the labels again a window at a time (the
    /// reader holds none): a file rewritten in between with a label out of range is an error
    /// naming the row, on both read paths, never an index out of range in the accumulator.
    @Test func aLabelChangedAfterOpeningIsAnErrorNotACrash() throws {
        let d = try dir()
        try python("""
        n = 100_000  # one run per row, more than LabelRuns keeps: the labels are read again
        write_dump("dump.h5", np.ones((n, 4), "f4"), np.arange(n) % 3)
        """, in: d)
        let path = d.appendingPathComponent("dump.h5").path
        let reader = try Dump.open(path).split("train")
        #expect(try reader.labels().count == 100_000)
        try python("""
        with h5py.File("dump.h5", "r+") as f:
            f["splits/train/labels"][12_345] = 7
        """, in: d)
        for concurrent in [false, true] {
            let error = #expect(throws: StoreError.self) {
                if concurrent {
                    _ = try reader.forEachRowsConcurrently(workers: 2, makeState: { _ in 0 }) { _, _ in }
                } else {
                    try reader.forEachBlock(maxRows: 1000) { _ in }
                }
            }
            #expect(error?.description.contains("row 12345 now holds label 7, outside 0..<3") == true, "\(String(describing: error))")
        }
    }
}
