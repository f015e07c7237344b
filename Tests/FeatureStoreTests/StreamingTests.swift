import Foundation
@testable import FeatureStore
import Testing
import TestSupport

@Suite struct StreamingTests {
    /// Rows sorted by label: a class filter reads just that class's rows, in few reads.
    @Test func classFilterReadsOnlyTheWantedRowsOfASortedFile() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests")).appendingPathComponent("s.h5").path
        let dim = 3, rows = 40
        let labels = (0..<rows).map { Int32($0 / 10) }  // 4 classes, 10 rows each, sorted
        let features = toyFeatures(rows: rows, dim: dim)
        let writer = try FeatureWriter(path: path, attributes: toyAttributes, classes: ClassList(names: ["a", "b", "c", "d"]),
                                       weight: [Float](repeating: 1, count: 12), bias: [0, 0, 0, 0],
                                       options: .init(chunkRows: 8))
        try writer.append(split: "val", features: features, labels: labels)
        try writer.finish()
        let reader = try Dump.open(path).split("val")
        let source = reader.sources[0]
        let wanted = [false, false, true, false]
        #expect(try reader.readRanges(source, wanted: wanted, maxRows: 100) == [20..<30])
        #expect(try reader.readRanges(source, wanted: wanted, maxRows: 4) == [20..<24, 24..<28, 28..<30])
        #expect(try reader.readRanges(source, wanted: [true, false, false, true], maxRows: 100) == [0..<10, 30..<40])
        // Unfiltered reads step in whole chunks that fit in maxRows.
        #expect(try reader.readRanges(source, wanted: nil, maxRows: 20) == [0..<16, 16..<32, 32..<40])
        let picked = try readAll(reader, maxRows: 4, classes: [2])
        #expect(picked.labels == [Int32](repeating: 2, count: 10))
        #expect(picked.features == Array(features[(20 * dim)..<(30 * dim)]))
        #expect(picked.blocks == 3)
    }
}

@Suite struct RawReadTests {
    @Test func rawReadsMatchLibhdf5ForChunkedAndContiguousFloat32() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        // 3000 × 1024 float32 = 12 MiB: large enough for the two-thread split.
        try python(#"""
        r = np.random.default_rng(5)
        x = r.standard_normal((3000, 1024)).astype("f4"); y = r.integers(0, 3, 3000)
        write_dump("chunked.h5", x, y, C=3)
        with h5py.File("chunked.h5", "a") as f:
            del f["splits/train/features"]
            f.create_dataset("splits/train/features", data=x, chunks=(100, 1024))
        write_dump("contiguous.h5", x, y, C=3, extra=lambda f: None)
        with h5py.File("contiguous.h5", "a") as f:
            del f["splits/train/features"]
            f.create_dataset("splits/train/features", data=x)
        write_dump("gzip.h5", x[:10], y[:10], compression="gzip")
        write_dump("half.h5", x[:10], y[:10], dtype="f2")
        """#, in: dir)
        for name in ["chunked.h5", "contiguous.h5"] {
            let reader = try Dump.open(dir.appendingPathComponent(name).path).split("train")
            let source = reader.sources[0]
            let raw = try #require(source.raw, "\(name) should take the raw path")
            for rows in [0..<3000, 150..<2950, 99..<101, 2999..<3000] {
                var direct = [Float](repeating: .nan, count: rows.count * 1024)
                var library = [Float](repeating: 0, count: rows.count * 1024)
                try direct.withUnsafeMutableBufferPointer { try raw.read(rows: rows, into: $0) }
                try library.withUnsafeMutableBufferPointer { try source.features.read(rows: rows, into: $0) }
                #expect(direct == library, "\(name) rows \(rows)")
            }
        }
        for name in ["gzip.h5", "half.h5"] {
            #expect(try Dump.open(dir.appendingPathComponent(name).path).split("train").sources[0].raw == nil)
        }
    }
}

extension RawReadTests {
    /// A gzip chunk is decoded whole by each worker, so the fast path takes chunks of at most
    /// 256 MiB (ChunkPlan.maxChunkBytes); larger ones are read through libhdf5, one at a time.
    @Test func gzipChunksOver256MiBAreLeftToLibhdf5() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        defer { try? FileManager.default.removeItem(at: dir) }
        try python(#"""
        def one_chunk(rows):
            x = np.zeros((rows, 1024), "f4"); x[:, 0] = np.arange(rows) % 7
            def replace(f):
                del f["splits/train/features"], f["splits/train/labels"]
                f.create_dataset("splits/train/features", data=x, chunks=x.shape, compression="gzip", compression_opts=1)
                f["splits/train/labels"] = np.zeros(rows, "i8")
            return replace
        x, y = toy(D=1024)
        write_dump("at.h5", x, y, extra=one_chunk(65536))      # 256 MiB exactly
        write_dump("over.h5", x, y, extra=one_chunk(65537))    # 4 KiB more
        """#, in: dir)
        let at = try Dump.open(dir.appendingPathComponent("at.h5").path).split("train")
        #expect(at.sources[0].plan != nil)
        let over = try Dump.open(dir.appendingPathComponent("over.h5").path).split("train")
        #expect(over.sources[0].plan == nil)
        // libhdf5 reads it through a cache that holds the chunk, so each block does not inflate
        // all 256 MiB again (the cache is sized by a dataset's first open handle).
        #expect(try over.sources[0].features.chunkCacheBytes == 2 * 65537 * 1024 * 4)
        var firstColumn: [Float] = []
        try over.forEachBlock(maxRows: 4096) { block in
            firstColumn += (0..<block.rowCount).map { block.features[$0 * block.dim] }
        }
        #expect(firstColumn == (0..<65537).map { Float($0 % 7) })
    }
}

@Test func finiteCheckSeesNonFiniteValuesInLanesAndTail() {
    var values = [Float](repeating: 1e30, count: 37)
    #expect(SplitReader.allFinite(values))
    #expect(SplitReader.allFinite([]))
    for (i, bad) in [(3, Float.nan), (20, -.infinity), (36, .infinity), (33, .nan)] {
        values[i] = bad
        #expect(!SplitReader.allFinite(values), "index \(i)")
        values[i] = 1e30
    }
}
