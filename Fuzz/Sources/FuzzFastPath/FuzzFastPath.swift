import Foundation
import HDF5
import Penultimate

/// One fuzz input per call: its first bytes choose a feature layout (float32 or float16, rows,
/// D, contiguous or chunked by whole rows or by part of a row, chunk rows, gzip level, shuffle),
/// the rest are the stored element bits (cycled), so NaN payloads, subnormals and infinities all
/// occur. The dump is written with our own HDF5 wrapper and read three ways, which must agree bit
/// for bit (NaNs as NaNs): the raw fast path on three workers, libhdf5 (`PENULTIMATE_NO_RAW_READ`),
/// and Swift's own decoding of the bits. The fast path must be taken exactly for the layouts it
/// is proven on. Each row's label is its row index, so rows can be put back in place.
let fastPathFile: String = {
    let dir = NSTemporaryDirectory()
    return (dir as NSString).appendingPathComponent("penultimate-fuzz-fastpath-\(getpid()).h5")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastPath(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count >= 8 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    let layout = Layout(input)
    defer { unlink(fastPathFile) }
    guard (try? layout.write(to: fastPathFile)) != nil else { return 0 }
    let expected = layout.decoded()
    unsetenv("PENULTIMATE_NO_RAW_READ")
    let fast = read(fastPathFile, layout, concurrently: true)
    setenv("PENULTIMATE_NO_RAW_READ", "1", 1)
    let slow = read(fastPathFile, layout, concurrently: false)
    unsetenv("PENULTIMATE_NO_RAW_READ")
    for i in expected.indices {
        precondition(same(fast[i], expected[i]), "fast path: element \(i) is \(fast[i]), stored \(expected[i]) (\(layout))")
        precondition(same(slow[i], expected[i]), "libhdf5 path: element \(i) is \(slow[i]), stored \(expected[i]) (\(layout))")
    }
    return 0
}

func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

struct Layout: CustomStringConvertible {
    var half: Bool, rows: Int, dim: Int, kind: Int, chunkRows: Int, gzip: Int?, shuffle: Bool
    var raw: [UInt8]

    init(_ b: [UInt8]) {
        half = b[0] & 1 == 1
        rows = 1 + Int(b[1]) % 48
        dim = 1 + Int(b[2]) % 13
        kind = Int(b[3]) % 3  // 0 contiguous, 1 chunks of whole rows, 2 chunks narrower than a row
        chunkRows = 1 + Int(b[4]) % 20
        gzip = b[5] & 1 == 1 ? Int(b[5] >> 1) % 10 : nil
        shuffle = b[6] & 1 == 1
        let payload = b.count > 8 ? Array(b[8...]) : [0x3c]
        raw = (0..<(rows * dim * (half ? 2 : 4))).map { i in
            payload[i % payload.count] &+ UInt8(truncatingIfNeeded: i / payload.count)
        }
    }

    var chunk: [Int]? { kind == 0 ? nil : [chunkRows, kind == 1 ? dim : max(1, dim / 2)] }
    /// What the fast path is proven on: everything here but chunks narrower than a row.
    var proven: Bool { chunk.map { $0[1] == dim } ?? true }
    var description: String {
        "\(half ? "f2" : "f4") \(rows)x\(dim) chunk \(chunk.map { "\($0)" } ?? "none") gzip \(gzip.map(String.init) ?? "none") shuffle \(shuffle)"
    }

    func write(to path: String) throws {
        let file = try File(path: path, mode: .truncate)
        let root = file.root
        try root.writeAttribute("format", "penultimate-features")
        try root.writeAttribute("format_version", Int64(1))
        for (key, value) in [("model", "fuzz"), ("role", "teacher"), ("dataset", "fuzz")] { try root.writeAttribute(key, value) }
        try root.writeAttribute("ls_alpha", 0.0)
        try root.createDataset("classes/wnid", type: .string, shape: [rows])
            .write(strings: (0..<rows).map { String(format: "n%08d", $0) })
        let zeros = [Float](repeating: 0, count: rows * dim)
        try zeros.withUnsafeBufferPointer { b throws(HDF5Error) in
            try root.createDataset("classifier/weight", type: .float32, shape: [rows, dim]).write(rows: 0..<rows, from: b)
            try root.createDataset("classifier/bias", type: .float32, shape: [rows]).write(rows: 0..<rows, from: UnsafeBufferPointer(rebasing: b[0..<rows]))
        }
        let features = try root.createDataset("splits/train/features", type: half ? .float16 : .float32, shape: [rows, dim],
                                              chunk: chunk, gzipLevel: gzip, shuffle: shuffle)
        try raw.withUnsafeBytes { b in try features.writeStoredBytes(rows: 0..<rows, from: b) }
        let labels = (0..<rows).map(Int64.init)
        try labels.withUnsafeBufferPointer { b throws(HDF5Error) in
            try root.createDataset("splits/train/labels", type: .int(bits: 64, signed: true), shape: [rows]).write(rows: 0..<rows, from: b)
        }
    }

    /// The stored bits decoded by Swift (little endian).
    func decoded() -> [Float] {
        (0..<(rows * dim)).map { i in
            if half { return Float(Float16(bitPattern: UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8)) }
            let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(raw[4 * i + $1]) << (8 * $1) }
            return Float(bitPattern: bits)
        }
    }
}

/// Every element, put back in row order by label (= row index).
func read(_ path: String, _ layout: Layout, concurrently: Bool) -> [Float] {
    let dim = layout.dim
    var out = [Float](repeating: .nan, count: layout.rows * dim)
    var seen = [Bool](repeating: false, count: layout.rows)
    func place(_ block: FeatureBlock) {
        for (r, label) in block.labels.enumerated() {
            precondition(!seen[Int(label)], "row \(label) delivered twice")
            seen[Int(label)] = true
            for j in 0..<dim { out[Int(label) * dim + j] = block.features[r * dim + j] }
        }
    }
    do {
        let reader = try Dump.open(path).split("train")
        if concurrently {
            precondition(reader.readsConcurrently == layout.proven, "fast path taken: \(reader.readsConcurrently), proven: \(layout.proven) (\(layout))")
            let states = try reader.forEachBlockConcurrently(workers: 3, maxRows: 7, makeState: { _ in [FeatureBlock]() }) { s, b in s.append(b) }
            for block in states.joined() { place(block) }
        } else {
            try reader.forEachBlock(maxRows: 5) { place($0) }
        }
    } catch {
        preconditionFailure("a dump written by our own writer must read: \(error) (\(layout))")
    }
    precondition(seen.allSatisfy { $0 }, "rows missing (\(layout))")
    return out
}
