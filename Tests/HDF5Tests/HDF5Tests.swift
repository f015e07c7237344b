import Foundation
import HDF5
import Testing
import TestSupport

@Suite struct HDF5Tests {
    @Test func attributesRoundTrip() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests")).appendingPathComponent("a.h5").path
        do {
            let f = try File(path: path, mode: .truncate)
            try f.root.writeAttribute("s", "héllo")
            try f.root.writeAttribute("ss", ["a", "bc", ""])
            try f.root.writeAttribute("i", Int64(-42))
            try f.root.writeAttribute("d", 0.1)
            try f.root.writeAttribute("dd", [1.5, -2.25])
            try f.root.writeAttribute("i", Int64(7))  // replaces
        }
        let f = try File(path: path)
        #expect(try f.root.attributeNames() == ["d", "dd", "i", "s", "ss"])
        #expect(try f.root.readStringAttribute("s") == "héllo")
        #expect(try f.root.readStringArrayAttribute("ss") == ["a", "bc", ""])
        #expect(try f.root.readInt64Attribute("i") == 7)
        #expect(try f.root.readDoubleAttribute("d") == 0.1)
        #expect(try f.root.readDoubleArrayAttribute("dd") == [1.5, -2.25])
        #expect(try f.root.attributeInfo("ss").shape == [3])
        #expect(f.root.hasAttribute("nope") == false)
        let error = #expect(throws: HDF5Error.self) { try f.root.readInt64Attribute("s") }
        #expect(error?.description.contains("not a number") == true)
    }

    @Test func chunkedGzipDatasetRowsRoundTrip() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests")).appendingPathComponent("d.h5").path
        let values = (0..<(10 * 3)).map { Float($0) * 0.5 - 3 }
        do {
            let f = try File(path: path, mode: .truncate)
            let d = try f.root.createDataset("g/x", type: .float32, shape: [0, 3], maxShape: [-1, 3],
                                             chunk: [4, 3], gzipLevel: 4, shuffle: true)
            try d.resize(rows: 10)
            try values.withUnsafeBufferPointer { try d.write(rows: 0..<10, from: $0) }
            try f.root.createDataset("names", type: .string, shape: [2]).write(strings: ["x", "ÿz"])
        }
        let f = try File(path: path)
        #expect(f.root.kind(of: "g") == .group)
        #expect(f.root.kind(of: "/g/x") == .dataset)
        #expect(f.root.kind(of: "missing/deeper") == nil)
        #expect(try f.root.group("g").childNames() == ["x"])
        let d = try f.root.dataset("g/x")
        #expect(try d.shape == [10, 3])
        #expect(try d.elementType == .float32)
        #expect(try d.chunkShape == [4, 3])
        #expect(try d.filters.map(\.id) == [2, 1])
        #expect(try d.filters[1].parameters.first == 4)
        var rows = [Double](repeating: 0, count: 9)
        try rows.withUnsafeMutableBufferPointer { try d.read(rows: 4..<7, into: $0) }
        #expect(rows == values[12..<21].map(Double.init))
        #expect(try d.readAll(as: Float.self) == values)
        #expect(try d.storedChunkCount() == 3)
        let info = try d.chunkInfo(1)
        #expect(info.offset == [4, 0])
        #expect(info.byteCount > 0)
        #expect(try f.root.dataset("names").readStrings() == ["x", "ÿz"])
        #expect(throws: HDF5Error.self) {
            var small = [Float](repeating: 0, count: 3)
            try small.withUnsafeMutableBufferPointer { try d.read(rows: 8..<11, into: $0) }
        }
    }

    /// Storage a half-finished writer leaves: chunks written only for the first rows, and a
    /// contiguous dataset never written. Both read back as zeros through libhdf5.
    @Test func storageCoverageCountsChunksNeverWritten() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests")).appendingPathComponent("s.h5").path
        do {
            let f = try File(path: path, mode: .truncate)
            let partial = try f.root.createDataset("partial", type: .float32, shape: [10, 3], chunk: [4, 3])
            try [Float](repeating: 1, count: 12).withUnsafeBufferPointer { try partial.write(rows: 0..<4, from: $0) }
            let full = try f.root.createDataset("full", type: .float32, shape: [10, 3], chunk: [4, 3])
            try [Float](repeating: 1, count: 30).withUnsafeBufferPointer { try full.write(rows: 0..<10, from: $0) }
            _ = try f.root.createDataset("unwritten", type: .int(bits: 64, signed: true), shape: [5])
            let written = try f.root.createDataset("written", type: .int(bits: 64, signed: true), shape: [5])
            try [Int64](repeating: 2, count: 5).withUnsafeBufferPointer { try written.write(rows: 0..<5, from: $0) }
            _ = try f.root.createDataset("empty", type: .float32, shape: [0, 3], maxShape: [-1, 3], chunk: [4, 3])
        }
        let f = try File(path: path)
        #expect(try f.root.dataset("partial").storageCoverage() == .chunks(stored: 1, spanned: 3))
        #expect(try f.root.dataset("full").storageCoverage() == .chunks(stored: 3, spanned: 3))
        #expect(try f.root.dataset("unwritten").storageCoverage() == .contiguous(allocated: false))
        #expect(try f.root.dataset("written").storageCoverage() == .contiguous(allocated: true))
        #expect(try f.root.dataset("empty").storageCoverage() == nil)
        // What the coverage guards against: the unwritten rows read as the fill value.
        #expect(try f.root.dataset("partial").readAll(as: Float.self)[12...].allSatisfy { $0 == 0 })
    }

    @Test func float16WrittenAsStoredBytesReadsAsFloat() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests")).appendingPathComponent("h.h5").path
        // -0.9999962 is the value libhdf5's own float->half conversion gets wrong.
        let values: [Float] = [-0.9999962, 1, 65504, 0.1, -2.5e-5, 0]
        do {
            let f = try File(path: path, mode: .truncate)
            let d = try f.root.createDataset("h", type: .float16, shape: [6])
            let half = values.map { Float16($0) }
            try half.withUnsafeBufferPointer { try d.writeStoredBytes(rows: 0..<6, from: UnsafeRawBufferPointer($0)) }
        }
        let d = try File(path: path).root.dataset("h")
        #expect(try d.elementType == .float16)
        #expect(try d.readAll(as: Float.self) == values.map { Float(Float16($0)) })
    }

    @Test func virtualDatasetConcatenatesSources() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests"))
        for (name, base) in [("a.h5", 0), ("b.h5", 100)] {
            let f = try File(path: dir.appendingPathComponent(name).path, mode: .truncate)
            let d = try f.root.createDataset("x", type: .int(bits: 64, signed: true), shape: [3])
            let v = (0..<3).map { Int64(base + $0) }
            try v.withUnsafeBufferPointer { try d.write(rows: 0..<3, from: $0) }
        }
        do {
            let f = try File(path: dir.appendingPathComponent("v.h5").path, mode: .truncate)
            _ = try f.root.createVirtualDataset("x", type: .int(bits: 64, signed: true), trailingShape: [],
                                                sources: [.init(file: "a.h5", dataset: "/x", rows: 3),
                                                          .init(file: "b.h5", dataset: "/x", rows: 3)])
        }
        // Relative source paths resolve against the virtual file's folder, whatever the cwd.
        let d = try File(path: dir.appendingPathComponent("v.h5").path).root.dataset("x")
        #expect(try d.isVirtual)
        #expect(try d.virtualSourceFiles() == ["a.h5", "b.h5"])
        #expect(try d.readAll(as: Int64.self) == [0, 1, 2, 100, 101, 102])
    }

    @Test func filterAvailability() {
        #expect(HDF5Library.filterAvailable(1))
        #expect(HDF5Library.filterAvailable(2))
        #expect(!HDF5Library.filterAvailable(32001))
        #expect(HDF5Library.version.major == 1)
    }

    @Test func errorsCarryTheInnermostMessage() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests"))
        let path = dir.appendingPathComponent("text.h5").path
        try "hello, not hdf5\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(!File.isHDF5(path: path))
        let error = #expect(throws: HDF5Error.self) { try File(path: path) }
        #expect(error?.description.hasPrefix("\(path): cannot open file: ") == true)
        #expect(error?.stackMentions("signature") == true)
        #expect(error?.description.contains("\n") == false)

        let good = dir.appendingPathComponent("g.h5").path
        _ = try File(path: good, mode: .truncate)
        let missing = #expect(throws: HDF5Error.self) { try File(path: good).root.dataset("nope") }
        #expect(missing?.description.contains("\(good):/nope: cannot open dataset") == true)
    }
}

@Test func chunkInfoByCoordinateMatchesByIndex() throws {
    let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests")).appendingPathComponent("c.h5").path
    let f = try File(path: path, mode: .truncate)
    let d = try f.root.createDataset("x", type: .float32, shape: [10, 2], maxShape: [-1, 2], chunk: [4, 2])
    let v = [Float](repeating: 1, count: 8)
    try v.withUnsafeBufferPointer { try d.write(rows: 4..<8, from: $0) }  // only the middle chunk is written
    #expect(try d.storedChunkCount() == 1)
    let byIndex = try d.chunkInfo(0)
    #expect(try d.chunkInfo(at: [4, 0]) == byIndex)
    #expect(byIndex.byteCount == 32)
    #expect(try d.chunkInfo(at: [0, 0]) == nil)
    #expect(d.contiguousAddress == nil)
    #expect(try d.isLittleEndian)
    #expect(try f.userBlockSize == 0)
}

/// Files store no object times, so writing the same content twice gives the same bytes
/// (outputs can be compared with `cmp` and committed).
@Test func sameContentGivesSameBytes() throws {
    let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests"))
    func write(_ name: String) throws -> Data {
        let path = dir.appendingPathComponent(name).path
        do {
            let f = try File(path: path, mode: .truncate)
            try f.root.writeAttribute("format", "x")
            let group = try f.root.createGroup("splits/train")
            let d = try group.createDataset("features", type: .float32, shape: [4, 2], chunk: [2, 2], gzipLevel: 4, shuffle: true)
            try [Float](repeating: 1.5, count: 8).withUnsafeBufferPointer { try d.write(rows: 0..<4, from: $0) }
        }
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }
    let first = try write("a.h5")
    Thread.sleep(forTimeInterval: 1.1)  // object times have one-second resolution
    #expect(try write("b.h5") == first)
}

/// A dataspace claiming far more elements than any classifier or label list is refused with an
/// error instead of an allocation that would abort the process (found by fuzzing the reader).
@Test func absurdlyLargeWholeReadIsRefused() throws {
    let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "hdf5-tests")).appendingPathComponent("huge.h5").path
    let f = try File(path: path, mode: .truncate)
    // Chunked and never written: libhdf5 stores nothing, so the file stays tiny.
    let d = try f.root.createDataset("labels", type: .int(bits: 64, signed: true), shape: [1 << 40], chunk: [1 << 16])
    let error = #expect(throws: HDF5Error.self) { try d.readAll(as: Int64.self) }
    #expect(error?.description.contains("too large to read whole") == true)
    // The limit itself: one Int64 more than 1 GiB is refused before anything is allocated.
    let justOver = try f.root.createDataset("over", type: .int(bits: 64, signed: true),
                                            shape: [maxWholeReadBytes / 8 + 1], chunk: [1 << 16])
    #expect(throws: HDF5Error.self) { try justOver.readAll(as: Int64.self) }
}
