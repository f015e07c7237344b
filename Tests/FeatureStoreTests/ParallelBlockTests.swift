import Foundation
@testable import FeatureStore
import Testing

/// What one worker saw: every block's sample indices, labels and features, in arrival order.
private struct Seen: Sendable {
    var sampleIndex: [Int64] = []
    var labels: [Int32] = []
    var features: [Float] = []
    var sums: [Double]
    /// Blocks lent as raw halves (``FeatureRows/halves``).
    var halfBlocks = 0
    init(classCount: Int, dim: Int) { sums = [Double](repeating: 0, count: classCount * dim) }
}

/// Both entry points, checked to agree bit for bit; returns one of them.
private func collectConcurrently(_ reader: SplitReader, workers: Int, maxRows: Int = 65536,
                                 classes: Set<Int>? = nil) throws -> [Seen] {
    let copied = try collectCopied(reader, workers: workers, maxRows: maxRows, classes: classes)
    for halfRows in [false, true] {
        let lent = try collectLent(reader, workers: workers, maxRows: maxRows, classes: classes, halfRows: halfRows)
        #expect(lent.map(\.sampleIndex) == copied.map(\.sampleIndex) && lent.map(\.labels) == copied.map(\.labels))
        #expect(lent.map { $0.features.map(\.bitPattern) } == copied.map { $0.features.map(\.bitPattern) })
        #expect(lent.map(\.sums) == copied.map(\.sums))
        if !halfRows { #expect(lent.allSatisfy { $0.halfBlocks == 0 }) }
    }
    return copied
}

/// `forEachRowsConcurrently`; with `halfRows`, blocks lent as halves are converted here (and counted).
private func collectLent(_ reader: SplitReader, workers: Int, maxRows: Int, classes: Set<Int>?,
                 halfRows: Bool = false) throws -> [Seen] {
    let (c, d) = (reader.classCount, reader.dim)
    return try reader.forEachRowsConcurrently(workers: workers, maxRows: maxRows, classes: classes,
                                              halfRows: halfRows) { _ in
        Seen(classCount: c, dim: d)
    } _: { seen, rows in
        var features = Array(rows.features)
        if let halves = rows.halves {
            #expect(rows.features.isEmpty && halves.count == rows.rowCount * rows.dim)
            features = [Float](repeating: 0, count: halves.count)
            features.withUnsafeMutableBufferPointer { HalfConversion.convert(halves.baseAddress!, to: $0.baseAddress!, count: halves.count) }
            seen.halfBlocks += 1
        }
        #expect(features.count == rows.rowCount * rows.dim && rows.labels.count == rows.rowCount)
        seen.sampleIndex += rows.sampleIndex.map { Array($0) } ?? []
        seen.labels += rows.labels
        seen.features += features
        for r in 0..<rows.rowCount {
            for j in 0..<d { seen.sums[Int(rows.labels[r]) * d + j] += Double(features[r * d + j]) }
        }
    }
}

private func collectCopied(_ reader: SplitReader, workers: Int, maxRows: Int, classes: Set<Int>?) throws -> [Seen] {
    let (c, d) = (reader.classCount, reader.dim)
    return try reader.forEachBlockConcurrently(workers: workers, maxRows: maxRows, classes: classes) { _ in
        Seen(classCount: c, dim: d)
    } _: { seen, block in
        #expect(block.features.count == block.rowCount * block.dim && block.labels.count == block.rowCount)
        seen.sampleIndex += block.sampleIndex ?? []
        seen.labels += block.labels
        seen.features += block.features
        for r in 0..<block.rowCount {
            for j in 0..<d { seen.sums[Int(block.labels[r]) * d + j] += Double(block.features[r * d + j]) }
        }
    }
}

/// Rows put back in sample_index order (sample_index = row number in these files).
private func assemble(_ states: [Seen], rows: Int, dim: Int) -> (features: [Float], labels: [Int32], covered: Int) {
    var features = [Float](repeating: .nan, count: rows * dim)
    var labels = [Int32](repeating: -1, count: rows)
    var covered = 0
    for s in states {
        for (i, index) in s.sampleIndex.enumerated() {
            let r = Int(index)
            features.replaceSubrange((r * dim)..<((r + 1) * dim), with: s.features[(i * dim)..<((i + 1) * dim)])
            labels[r] = s.labels[i]
            covered += 1
        }
    }
    return (features, labels, covered)
}

@Suite struct ParallelBlockTests {
    /// 1003 rows (chunks of 64 do not divide it), D = 37 (SIMD tails everywhere), 5 classes.
    static let variants: [(name: String, concurrent: Bool)] = [
        ("f32-chunked", true), ("f32-contiguous", true), ("f16-chunked", true), ("f16-contiguous", true),
        ("f32-gzip-shuffle", true), ("f16-gzip-shuffle", true), ("f32-gzip", true), ("f32-shuffle", true),
        ("f32-gzip-fletcher", false), ("f64-chunked", false), ("f16-gzip", true),
    ]

    static func writeVariants(in dir: URL) throws {
        try python(#"""
        r = np.random.default_rng(11)
        N, D = 1003, 37
        x = (r.standard_normal((N, D)) * 4).astype("f4"); y = r.integers(0, 5, N)
        x[5, 3] = 1e-7; x[6, 4] = -0.0; x[7, 5] = 65504.0   # float16 subnormal, signed zero, max
        x.tofile("x.f32"); x.astype("f2").astype("f4").tofile("x16.f32"); y.astype("i4").tofile("y.i32")
        opts = {
            "f32-chunked": ("f4", dict(chunks=(64, D))),
            "f32-contiguous": ("f4", dict()),
            "f16-chunked": ("f2", dict(chunks=(64, D))),
            "f16-contiguous": ("f2", dict()),
            "f32-gzip-shuffle": ("f4", dict(chunks=(64, D), compression="gzip", compression_opts=4, shuffle=True)),
            "f16-gzip-shuffle": ("f2", dict(chunks=(100, D), compression="gzip", shuffle=True)),
            "f32-gzip": ("f4", dict(chunks=(64, D), compression="gzip")),
            "f16-gzip": ("f2", dict(chunks=(64, D), compression="gzip")),
            "f32-shuffle": ("f4", dict(chunks=(64, D), shuffle=True)),
            "f32-gzip-fletcher": ("f4", dict(chunks=(64, D), compression="gzip", fletcher32=True)),
            "f64-chunked": ("f8", dict(chunks=(64, D))),
        }
        for name, (dtype, kw) in opts.items():
            def extra(f, dtype=dtype, kw=kw):
                del f["splits/train/features"]
                f.create_dataset("splits/train/features", data=x.astype(dtype), **kw)
            write_dump(name + ".h5", x[:1], y[:1], C=5, extra=extra)
            with h5py.File(name + ".h5", "a") as f:
                del f["splits/train/labels"]
                f["splits/train/labels"] = y.astype("i8")
                f["splits/train/sample_index"] = np.arange(N, dtype="i8")
        """#, in: dir)
    }

    @Test func everyLayoutMatchesTheSequentialReaderAndNumpy() throws {
        let dir = try temporaryDirectory()
        try Self.writeVariants(in: dir)
        let x32 = try readRaw(dir.appendingPathComponent("x.f32"), as: Float.self)
        let x16 = try readRaw(dir.appendingPathComponent("x16.f32"), as: Float.self)
        let y = try readRaw(dir.appendingPathComponent("y.i32"), as: Int32.self)
        let rows = 1003, dim = 37
        for (name, concurrent) in Self.variants {
            let reader = try Dump.open(dir.appendingPathComponent(name + ".h5").path).split("train")
            #expect(reader.readsConcurrently == concurrent, "\(name)")
            let expected = name.hasPrefix("f16") ? x16 : x32
            var sequentialSums = [Double](repeating: 0, count: 5 * dim)
            try reader.forEachBlock(maxRows: 100) { block in
                for r in 0..<block.rowCount {
                    for j in 0..<dim { sequentialSums[Int(block.labels[r]) * dim + j] += Double(block.features[r * dim + j]) }
                }
            }
            for workers in [1, 2, 3] {
                // maxRows 10: several blocks per 64-row chunk, the last one short.
                let states = try collectConcurrently(reader, workers: workers, maxRows: 10)
                #expect(states.count == (concurrent ? workers : 1), "\(name) workers \(workers)")
                let (features, labels, covered) = assemble(states, rows: rows, dim: dim)
                #expect(covered == rows, "\(name) workers \(workers)")
                #expect(labels == y, "\(name) workers \(workers)")
                #expect(features.map(\.bitPattern) == expected.map(\.bitPattern), "\(name) workers \(workers)")
                var sums = [Double](repeating: 0, count: 5 * dim)
                for s in states { for i in sums.indices { sums[i] += s.sums[i] } }
                for i in sums.indices {
                    #expect(abs(sums[i] - sequentialSums[i]) <= 1e-12 * max(1, abs(sequentialSums[i])), "\(name) sum \(i)")
                }
                // Each worker gets chunk i when i % workers == w, and sees its rows in file order.
                if concurrent, let chunkRows = reader.sources[0].plan?.chunkRows {
                    for (w, s) in states.enumerated() {
                        #expect(s.sampleIndex == s.sampleIndex.sorted(), "\(name) worker \(w) order")
                        #expect(s.sampleIndex.allSatisfy { (Int($0) / chunkRows) % workers == w }, "\(name) worker \(w) chunks")
                    }
                }
            }
        }
    }

    @Test func sameFileGivesTheSameBitsEveryRun() throws {
        let dir = try temporaryDirectory()
        try Self.writeVariants(in: dir)
        let reader = try Dump.open(dir.appendingPathComponent("f32-gzip-shuffle.h5").path).split("train")
        let first = try collectConcurrently(reader, workers: 2).map(\.sums)
        for _ in 0..<5 {
            #expect(try collectConcurrently(reader, workers: 2).map(\.sums) == first)
        }
    }

    @Test func classFilterAndDuplicatesFallBackToTheSequentialReader() throws {
        let dir = try temporaryDirectory()
        try python(#"""
        r = np.random.default_rng(3)
        x = r.standard_normal((300, 8)).astype("f4"); y = np.sort(r.integers(0, 4, 300))
        write_dump("sorted.h5", x, y, C=4, extra=lambda f: None)
        s = np.arange(300); s[-1] = 0                   # rank 1's padding repeats sample 0
        for r in range(2):
            write_dump(f"dup.rank{r}.h5", x[r * 150:(r + 1) * 150], y[r * 150:(r + 1) * 150], C=4,
                       sample_index=s[r * 150:(r + 1) * 150], attrs=dict(shard_rank=np.int64(r), shard_count=np.int64(2)))
        """#, in: dir)
        let sorted = try Dump.open(dir.appendingPathComponent("sorted.h5").path).split("train")
        let picked = try collectConcurrently(sorted, workers: 2, classes: [2])
        #expect(picked.count == 1)
        var sequential: [Int32] = []
        try sorted.forEachBlock(classes: [2]) { sequential += $0.labels }
        #expect(picked[0].labels == sequential && !sequential.isEmpty && sequential.allSatisfy { $0 == 2 })

        let dup = try Dump.open([0, 1].map { dir.appendingPathComponent("dup.rank\($0).h5").path }).split("train")
        #expect(!dup.readsConcurrently && dup.duplicatesDropped == 1)
        let states = try collectConcurrently(dup, workers: 2)
        #expect(states.count == 1 && states[0].labels.count == 299)
    }

    @Test func corruptGzipChunkIsAnErrorNamingTheFile() throws {
        let dir = try temporaryDirectory()
        try Self.writeVariants(in: dir)
        try python(#"""
        with h5py.File("f32-gzip-shuffle.h5", "r") as f:
            info = f["splits/train/features"].id.get_chunk_info(3)
        with open("f32-gzip-shuffle.h5", "r+b") as f:
            f.seek(info.byte_offset + info.size // 2); f.write(bytes(range(200, 256)) * 4)
        """#, in: dir)
        let path = dir.appendingPathComponent("f32-gzip-shuffle.h5").path
        let reader = try Dump.open(path).split("train")
        #expect(reader.readsConcurrently)
        do {
            _ = try collectConcurrently(reader, workers: 2)
            Issue.record("a corrupt chunk was read without error")
        } catch let error as StoreError {
            #expect(error.description.hasPrefix(path + ": /splits/train/features: corrupt gzip chunk"), "\(error)")
        }
    }

    @Test func halfRowsLendUnshuffledFloat16Unconverted() throws {
        let dir = try temporaryDirectory()
        try Self.writeVariants(in: dir)
        for (name, lends) in [("f16-chunked", true), ("f16-contiguous", true), ("f16-gzip", true),
                              ("f16-gzip-shuffle", false), ("f32-chunked", false)] {
            let reader = try Dump.open(dir.appendingPathComponent(name + ".h5").path).split("train")
            let states = try collectLent(reader, workers: 2, maxRows: 10, classes: nil, halfRows: true)
            // (A small contiguous dataset is one piece: only worker 0 gets blocks.)
            let halfBlocks = states.map(\.halfBlocks).reduce(0, +)
            #expect(lends ? halfBlocks > 0 : halfBlocks == 0, "\(name)")
            // The one-thread fallback (a class filter) always lends Floats.
            let filtered = try collectLent(reader, workers: 2, maxRows: 10, classes: [1, 3], halfRows: true)
            #expect(filtered.count == 1 && filtered[0].halfBlocks == 0, "\(name)")
        }
    }

    @Test func aThrowingBodyStopsTheWorkersAndIsRethrown() throws {
        struct Stop: Error {}
        let dir = try temporaryDirectory()
        try Self.writeVariants(in: dir)
        let reader = try Dump.open(dir.appendingPathComponent("f32-chunked.h5").path).split("train")
        #expect(throws: Stop.self) {
            _ = try reader.forEachBlockConcurrently(workers: 2, maxRows: 10) { _ in 0 } _: { count, block in
                count += block.rowCount
                if count > 100 { throw Stop() }
            }
        }
    }
}

@Test func halfConversionIsExactForEveryHalf() {
    let halves = (0...UInt16.max).map { $0 }
    var converted = [Float](repeating: 0, count: halves.count)
    halves.withUnsafeBufferPointer { h in
        converted.withUnsafeMutableBufferPointer { HalfConversion.convert(h.baseAddress!, to: $0.baseAddress!, count: h.count) }
    }
    var wrong = 0
    for (bits, value) in zip(halves, converted) {
        let want = Float(Float16(bitPattern: bits))
        if want.isNaN ? !value.isNaN : want.bitPattern != value.bitPattern { wrong += 1 }
    }
    #expect(wrong == 0)
    // The scalar tail (count not a multiple of 8) agrees too.
    var tail = [Float](repeating: 0, count: 5)
    let some: [UInt16] = [0x3c00, 0x0001, 0xfc00, 0x8400, 0x7bff]
    some.withUnsafeBufferPointer { h in tail.withUnsafeMutableBufferPointer { HalfConversion.convert(h.baseAddress!, to: $0.baseAddress!, count: 5) } }
    #expect(tail == [1, 0x1p-24, -.infinity, -0x1p-14, 65504])
}

@Test func unshuffleInvertsHDF5sByteShuffle() {
    // 21 float32 elements: byte k of element e stored at k * 21 + e.
    let values = (0..<21).map { Float($0) * 1.5 - 7.25 }
    var planes = [UInt8](repeating: 0, count: 84)
    for (e, v) in values.enumerated() {
        for k in 0..<4 { planes[k * 21 + e] = UInt8((v.bitPattern >> (8 * UInt32(k))) & 0xff) }
    }
    var out = [Float](repeating: 0, count: 19)
    planes.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { Unshuffle.float32(p.baseAddress!, elements: 21, range: 2..<21, into: $0.baseAddress!) }
    }
    #expect(out == Array(values[2...]))
    let halves: [Float16] = (0..<19).map { Float16(Float($0) * 0.75 - 3) }
    var planes16 = [UInt8](repeating: 0, count: 38)
    for (e, h) in halves.enumerated() {
        planes16[e] = UInt8(h.bitPattern & 0xff)
        planes16[19 + e] = UInt8(h.bitPattern >> 8)
    }
    var out16 = [Float](repeating: 0, count: 18)
    planes16.withUnsafeBufferPointer { p in
        out16.withUnsafeMutableBufferPointer { Unshuffle.float16(p.baseAddress!, elements: 19, range: 1..<19, into: $0.baseAddress!) }
    }
    #expect(out16 == halves.dropFirst().map { Float($0) })
}
