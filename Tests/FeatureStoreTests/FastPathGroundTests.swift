import Foundation
@testable import FeatureStore
import HDF5
import Testing
import TestSupport

/// The raw fast path (ChunkPlan: pread + zlib on all cores) is taken for the ordinary dumps it
/// is proven on, so a regression to the slow path shows here; and layouts it is not proven on
/// go through libhdf5 with exact values.
@Suite struct FastPathGroundTests {
    static let rows = 203, dim = 9

    static func values() -> [Float] {
        (0..<(rows * dim)).map { i in Float((i * 37) % 255 - 127) / 64 }
    }

    @Test(arguments: [
        ("f32-raw", FeatureWriter.Options(featureType: .float32, chunkRows: 16)),
        ("f32-gzip-shuffle", FeatureWriter.Options(featureType: .float32, gzipLevel: 4, chunkRows: 16)),
        ("f16-raw", FeatureWriter.Options(featureType: .float16, chunkRows: 16)),
        ("f16-gzip-shuffle", FeatureWriter.Options(featureType: .float16, gzipLevel: 4, chunkRows: 16)),
    ])
    func writerDumpsTakeTheFastPath(name: String, options: FeatureWriter.Options) throws {
        let path = try temporaryDirectory().appendingPathComponent("\(name).h5").path
        let x = Self.values()
        let writer = try FeatureWriter(path: path, attributes: toyAttributes, classes: ClassList(wnids: ["a", "b", "c"]),
                                       weight: [Float](repeating: 0.5, count: 3 * Self.dim), bias: [0, 0, 0], options: options)
        try writer.append(split: "train", features: x, labels: (0..<Self.rows).map { Int32($0 % 3) })
        try writer.finish()
        let reader = try Dump.open(path).split("train")
        #expect(reader.readsConcurrently, "\(name) must be read by the raw fast path")
        #expect(reader.sources.allSatisfy { $0.plan != nil })
        if name == "f32-raw" { #expect(reader.sources[0].raw != nil, "unfiltered float32 rows are pread directly") }
        #expect(try readAll(reader, maxRows: 50).features == x)
    }

    @Test func gzipOnlyFromH5pyTakesTheFastPath() throws {
        let dir = try temporaryDirectory()
        try python(#"""
        x = ((np.arange(203 * 9) * 37) % 255 - 127).reshape(203, 9) / 64
        for dtype in ("f4", "f2"):
            write_dump(f"gzip-{dtype}.h5", x, np.arange(203) % 3, dtype=dtype, compression="gzip")
        """#, in: dir)
        for dtype in ["f4", "f2"] {
            let reader = try Dump.open(dir.appendingPathComponent("gzip-\(dtype).h5").path).split("train")
            #expect(reader.readsConcurrently, "gzip-only \(dtype)")
            #expect(try readAll(reader, maxRows: 64).features == Self.values())
        }
    }

    /// bfloat16, a float32 with exponent bias 100, big-endian float32 and [deflate, shuffle]: not
    /// decoded by the fast path, read exactly through libhdf5; an external link is read from
    /// the linked file's own bytes.
    @Test func unprovenLayoutsReadExactlyThroughLibhdf5() throws {
        let dir = try temporaryDirectory()
        try python(#"""
        x = ((np.arange(203 * 9) * 37) % 255 - 127).reshape(203, 9) / 64
        y = np.arange(203) % 3
        def custom(name, tid, raw, chunks=(16, 9), pipeline=()):
            def extra(f):
                del f["splits/train/features"]
                dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
                dcpl.set_chunk(chunks)
                for p in pipeline:
                    dcpl.set_deflate(4) if p == "deflate" else dcpl.set_shuffle()
                ds = h5py.h5d.create(f.id, b"splits/train/features", tid, h5py.h5s.create_simple(x.shape), dcpl=dcpl)
                ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(raw), mtype=tid)
            write_dump(name, x, y, extra=extra)
        bf = h5py.h5t.IEEE_F32LE.copy(); bf.set_fields(15, 7, 8, 0, 7); bf.set_offset(0); bf.set_precision(16); bf.set_size(2); bf.set_ebias(127)
        custom("bf16.h5", bf, (x.astype("<f4").view("<u4") >> 16).astype("<u2"))
        odd = h5py.h5t.IEEE_F32LE.copy(); odd.set_ebias(100)
        custom("bias100.h5", odd, (x * 2.0 ** -27).astype("<f4"))
        custom("be.h5", h5py.h5t.IEEE_F32BE, x.astype(">f4"))
        custom("deflate-shuffle.h5", h5py.h5t.IEEE_F32LE, x.astype("<f4"), pipeline=("deflate", "shuffle"))
        with h5py.File("target.h5", "w", libver=V110) as g:
            g["pad"] = np.arange(40000, dtype="f4")
            g.create_dataset("f", data=x.astype("f4"), chunks=(16, 9), compression="gzip", shuffle=True)
        def link(f):
            del f["splits/train/features"]
            f["splits/train/features"] = h5py.ExternalLink("target.h5", "/f")
        write_dump("link.h5", x, y, extra=link)
        """#, in: dir)
        let cases: [(String, String, Bool)] = [
            ("bf16", "bfloat16", false), ("bias100", "float32 (non-IEEE", false), ("be", "float32", false),
            ("deflate-shuffle", "float32", false), ("link", "float32", true),
        ]
        for (name, type, fast) in cases {
            let reader = try Dump.open(dir.appendingPathComponent("\(name).h5").path).split("train")
            #expect(reader.storedType.description.hasPrefix(type), "\(name): \(reader.storedType)")
            #expect(reader.readsConcurrently == fast, "\(name)")
            #expect(try readAll(reader, maxRows: 50).features == Self.values(), "\(name)")
            let sums = try reader.forEachBlockConcurrently(workers: 3, makeState: { _ in [Double](repeating: 0, count: 1) }) { s, b in
                s[0] += b.features.reduce(0) { $0 + Double($1) }
            }.reduce(0) { $0 + $1[0] }
            #expect(sums == Self.values().reduce(0) { $0 + Double($1) }, "\(name)")
        }
        #expect(try Dump.open(dir.appendingPathComponent("bf16.h5").path).split("train").storedType
                == .customFloat(bits: 16, mantissaBits: 8, layout: "bfloat16"))
    }

    /// A virtual dataset whose mappings cover only some columns of some rows is refused at the
    /// first such row (the rest would read as the fill value); covering them with a second mapping
    /// of the missing columns makes it whole.
    @Test func virtualMappingsMustCoverEveryElement() throws {
        let dir = try temporaryDirectory()
        try python(#"""
        x = ((np.arange(12 * 4) * 37) % 255 - 127).reshape(12, 4) / 64
        with h5py.File("src.h5", "w", libver=V110) as g:
            g["x"] = x.astype("f4")
        for name, cover_rest in (("gap.h5", False), ("whole.h5", True)):
            def extra(f, cover_rest=cover_rest):
                del f["splits/train/features"]
                layout = h5py.VirtualLayout(shape=(12, 4), dtype="f4")
                src = h5py.VirtualSource("src.h5", "x", shape=(12, 4))
                layout[0:12, 0:2] = src[0:12, 0:2]
                layout[0:7, 2:4] = src[0:7, 2:4]
                if cover_rest:
                    layout[7:12, 2:4] = src[7:12, 2:4]
                f.create_virtual_dataset("splits/train/features", layout, fillvalue=0)
            write_dump(name, x, np.arange(12) % 3, extra=extra)
        """#, in: dir)
        do {
            _ = try Dump.open(dir.appendingPathComponent("gap.h5").path)
            Issue.record("a virtual dataset with unmapped elements was accepted")
        } catch {
            #expect(error.object == "/splits/train/features" && error.message.contains("row 7 is not mapped"), "\(error)")
        }
        let reader = try Dump.open(dir.appendingPathComponent("whole.h5").path).split("train")
        #expect(!reader.readsConcurrently)
        let x = (0..<48).map { Float(($0 * 37) % 255 - 127) / 64 }
        #expect(try readAll(reader, maxRows: 5).features == x)
    }
}
