import CZlib
import HDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one split source's feature rows live in the file, and how they are encoded, so that
/// several threads can read and decode them without libhdf5 (whose global lock serialises calls).
///
/// Only built for what this reader can decode byte for byte, each fact checked in the dataset's
/// own metadata: little-endian IEEE binary32 or binary16 (field by field, not by size), stored in
/// the HDF5 file libhdf5 reads it from (not virtual, no external raw storage, read through a
/// duplicate of libhdf5's own descriptor), no user block, every chunk stored and spanning whole
/// rows, and a filter pipeline of at most shuffle then deflate (gzip). Anything else (Fletcher32,
/// LZF, deflate before shuffle, bfloat16, big endian, ...) gets no plan and is read through libhdf5.
final class ChunkPlan: @unchecked Sendable {
    /// The stored element type.
    enum Element: Sendable { case float32, float16 }

    /// One stored chunk (or, for a contiguous dataset, one stretch of rows).
    struct Piece: Sendable {
        /// The first dataset row in it.
        var firstRow: Int
        /// Dataset rows in it (fewer than the chunk's rows for the last, partial chunk).
        var rowCount: Int
        /// Byte offset in the file.
        var address: UInt64
        /// Stored bytes (compressed size when filtered).
        var storedBytes: Int
        /// Bit i set: filter i of the pipeline was skipped for this chunk.
        var filterMask: UInt32
    }

    let path: String
    let object: String
    let element: Element
    let dim: Int
    /// Rows of a whole stored chunk (edge chunks are stored whole); for contiguous data, rows per piece.
    let chunkRows: Int
    /// Pipeline positions of the deflate and shuffle filters, when present.
    let deflateIndex: Int?
    let shuffleIndex: Int?
    let pieces: [Piece]
    let fd: Int32

    var elementBytes: Int { element == .float32 ? 4 : 2 }
    var isFiltered: Bool { deflateIndex != nil || shuffleIndex != nil }
    /// Decoded bytes of one whole chunk.
    var chunkBytes: Int { chunkRows * dim * elementBytes }

    /// `PENULTIMATE_NO_RAW_READ=1` forces every read through libhdf5 (for benchmarks and bisecting).
    static var enabled: Bool { getenv("PENULTIMATE_NO_RAW_READ") == nil }

    /// Target bytes of one contiguous piece.
    static let contiguousPieceBytes = 8 << 20

    /// The largest filtered chunk a worker decodes whole. Writers chunk by about 1 MiB; a file with
    /// larger compressed chunks is read through libhdf5, which holds one at a time, not one per worker.
    static let maxChunkBytes = 256 << 20

    /// A plan for `d`, or nil unless every fact the decoder relies on is proven from the dataset's
    /// own metadata (see ReadPaths.md, "What the fast path proves"). Runs once per split open.
    init?(dataset d: Dataset, rows: Int, dim: Int) {
        // IEEE binary32/binary16 checked field by field (ElementType), little endian, data in this
        // HDF5 file (not virtual, no external raw storage).
        guard Self.enabled, rows > 0, dim > 0,
              let type = try? d.elementType, type == .float32 || type == .float16,
              (try? d.isLittleEndian) == true, (try? d.isVirtual) == false,
              (try? d.externalFiles())?.isEmpty == true, let filters = try? d.filters else { return nil }
        element = type == .float32 ? .float32 : .float16
        let elementBytes = type == .float32 ? 4 : 2
        var deflate: Int?, shuffle: Int?
        for (i, f) in filters.enumerated() {
            switch f.id {
            case 1 where deflate == nil: deflate = i
            case 2 where shuffle == nil: shuffle = i
            default: return nil
            }
        }
        if let shuffle, filters[shuffle].parameters.first.map({ Int($0) != elementBytes }) != false { return nil }
        // Decoding inflates, then unshuffles: the reverse of a pipeline that shuffles first. A
        // pipeline that deflates first ([deflate, shuffle]) is valid HDF5 and goes through libhdf5.
        if let shuffle, let deflate, shuffle > deflate { return nil }
        deflateIndex = deflate
        shuffleIndex = shuffle
        var pieces: [Piece] = []
        if let chunk = (try? d.chunkShape) ?? nil {
            guard chunk.count == 2, chunk[1] == dim, chunk[0] > 0 else { return nil }
            let stored = (rows + chunk[0] - 1) / chunk[0]
            let whole = chunk[0] * dim * elementBytes
            guard filters.isEmpty || whole <= Self.maxChunkBytes else { return nil }
            pieces.reserveCapacity(stored)
            for i in 0..<stored {
                guard let info = (try? d.chunkInfo(at: [i * chunk[0], 0])) ?? nil, info.byteCount > 0 else { return nil }
                // An unfiltered (or all-filters-skipped) chunk must hold exactly the chunk's bytes.
                let active = filters.indices.contains { info.filterMask & (1 << UInt32($0)) == 0 }
                if !active && info.byteCount != whole { return nil }
                pieces.append(Piece(firstRow: i * chunk[0], rowCount: min(chunk[0], rows - i * chunk[0]),
                                    address: info.address, storedBytes: info.byteCount, filterMask: info.filterMask))
            }
            chunkRows = chunk[0]
        } else {
            // Contiguous (compact data has no address): the whole extent must be allocated.
            guard filters.isEmpty, let address = d.contiguousAddress,
                  d.storageBytes >= rows * dim * elementBytes else { return nil }
            let step = max(1, Self.contiguousPieceBytes / (dim * elementBytes))
            for first in stride(from: 0, to: rows, by: step) {
                let n = min(step, rows - first)
                pieces.append(Piece(firstRow: first, rowCount: n,
                                    address: address + UInt64(first * dim * elementBytes),
                                    storedBytes: n * dim * elementBytes, filterMask: 0))
            }
            chunkRows = step
        }
        // The bytes are read from the file libhdf5 itself reads the dataset from (behind an
        // external link, the linked file; after a rename, the file it opened): a duplicate of its
        // own descriptor, never the path opened again. Addresses are relative to the user block.
        guard let storage = d.storageFile() else { return nil }
        guard storage.userBlockBytes == 0 else {
            close(storage.descriptor)
            return nil
        }
        self.pieces = pieces
        path = d.file.path
        object = d.path
        self.dim = dim
        fd = storage.descriptor
    }

    deinit { close(fd) }

    func error(_ message: String) -> StoreError { StoreError(file: path, object: object, message: message) }

    /// Reads `count` bytes at file offset `offset` into `buffer`.
    func readFully(_ buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) throws(StoreError) {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw error("cannot read \(count) bytes at offset \(offset): " + (n == 0 ? "unexpected end of file" : String(cString: strerror(errno))))
            }
            done += n
        }
    }
}

/// One worker's buffers for decoding pieces of a ``ChunkPlan`` into Float rows.
///
/// Memory: for a filtered plan, one decoded chunk plus a 1 MiB input window (compressed bytes
/// are streamed through zlib, never held whole); for unfiltered float16, one block of halves
/// (64-byte aligned, reused for every block).
final class ChunkDecoder {
    let plan: ChunkPlan
    /// A whole decoded (inflated, still shuffled) chunk; filtered plans only.
    private let chunk: UnsafeMutableRawPointer?
    /// Compressed input window.
    private let input: UnsafeMutableRawPointer?
    private static let inputBytes = 1 << 20
    /// Raw float16 rows of one block; unfiltered float16 plans only.
    private let halves: UnsafeMutablePointer<UInt16>?
    private let maxRows: Int
    /// The piece whose decoded bytes `chunk` holds.
    private var decodedPiece: Int?

    init(plan: ChunkPlan, maxRows: Int) {
        self.plan = plan
        self.maxRows = maxRows
        if plan.isFiltered {
            chunk = UnsafeMutableRawPointer.allocate(byteCount: plan.chunkBytes, alignment: 64)
            input = UnsafeMutableRawPointer.allocate(byteCount: Self.inputBytes, alignment: 64)
            halves = nil
        } else {
            chunk = nil
            input = nil
            // 64-byte aligned so vector loads of a row never straddle a cache line more than needed.
            halves = plan.element == .float16
                ? UnsafeMutableRawPointer.allocate(byteCount: maxRows * plan.dim * 2, alignment: 64)
                    .bindMemory(to: UInt16.self, capacity: maxRows * plan.dim)
                : nil
        }
    }

    deinit {
        chunk?.deallocate()
        input?.deallocate()
        halves.map { UnsafeMutableRawPointer($0).deallocate() }
    }

    /// Decodes rows `rows` (relative to the piece's first row, at most `maxRows` of them) of piece
    /// `index` into `output` as Floats.
    func decode(piece index: Int, rows: Range<Int>, into output: UnsafeMutablePointer<Float>) throws(StoreError) {
        let piece = plan.pieces[index]
        let dim = plan.dim
        let count = rows.count * dim
        precondition(rows.count <= maxRows && rows.upperBound <= piece.rowCount)
        guard let chunk else {
            let rowBytes = dim * plan.elementBytes
            let offset = piece.address + UInt64(rows.lowerBound * rowBytes)
            if let halves {
                try plan.readFully(halves, count: count * 2, at: offset)
                HalfConversion.convert(halves, to: output, count: count)
            } else {
                try plan.readFully(output, count: count * 4, at: offset)
            }
            return
        }
        if decodedPiece != index {
            decodedPiece = nil
            try load(piece)
            decodedPiece = index
        }
        let shuffled = plan.shuffleIndex.map { piece.filterMask & (1 << UInt32($0)) == 0 } ?? false
        let first = rows.lowerBound * dim
        switch (plan.element, shuffled) {
        case (.float32, true):
            Unshuffle.float32(chunk.assumingMemoryBound(to: UInt8.self), elements: plan.chunkRows * dim,
                              range: first..<(first + count), into: output)
        case (.float32, false):
            output.update(from: chunk.assumingMemoryBound(to: Float.self) + first, count: count)
        case (.float16, true):
            Unshuffle.float16(chunk.assumingMemoryBound(to: UInt8.self), elements: plan.chunkRows * dim,
                              range: first..<(first + count), into: output)
        case (.float16, false):
            HalfConversion.convert(chunk.assumingMemoryBound(to: UInt16.self) + first, to: output, count: count)
        }
    }

    /// Whether ``decodeHalves(piece:rows:)`` can lend piece `index`'s rows as raw IEEE half bits:
    /// float16 rows stored unshuffled (unfiltered, or deflate only).
    func lendsHalves(piece index: Int) -> Bool {
        guard plan.element == .float16 else { return false }
        guard chunk != nil else { return true }
        return !(plan.shuffleIndex.map { plan.pieces[index].filterMask & (1 << UInt32($0)) == 0 } ?? false)
    }

    /// Rows `rows` of piece `index` as their stored IEEE half bits, without converting them
    /// (valid until the next call); only where ``lendsHalves(piece:)`` is true. Unfiltered rows are
    /// read into the decoder's own buffer, gzip ones point into the inflated chunk.
    func decodeHalves(piece index: Int, rows: Range<Int>) throws(StoreError) -> UnsafePointer<UInt16> {
        let piece = plan.pieces[index]
        let dim = plan.dim
        precondition(lendsHalves(piece: index) && rows.count <= maxRows && rows.upperBound <= piece.rowCount)
        guard let chunk else {
            let halves = halves!
            try plan.readFully(halves, count: rows.count * dim * 2, at: piece.address + UInt64(rows.lowerBound * dim * 2))
            return UnsafePointer(halves)
        }
        if decodedPiece != index {
            decodedPiece = nil
            try load(piece)
            decodedPiece = index
        }
        return UnsafePointer(chunk.assumingMemoryBound(to: UInt16.self) + rows.lowerBound * dim)
    }

    /// Reads one filtered piece and inflates it (unless deflate was skipped for it) into `chunk`.
    private func load(_ piece: ChunkPlan.Piece) throws(StoreError) {
        let chunk = chunk!, input = input!
        let expected = plan.chunkBytes
        guard let deflate = plan.deflateIndex, piece.filterMask & (1 << UInt32(deflate)) == 0 else {
            guard piece.storedBytes == expected else {
                throw plan.error("chunk at offset \(piece.address) holds \(piece.storedBytes) bytes, expected \(expected)")
            }
            try plan.readFully(chunk, count: expected, at: piece.address)
            return
        }
        var stream = z_stream()
        guard shim_inflateInit(&stream) == Z_OK else { throw plan.error("cannot start zlib") }
        defer { inflateEnd(&stream) }
        stream.next_out = chunk.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(expected)
        var offset = 0
        var status = Z_OK
        while offset < piece.storedBytes && status == Z_OK {
            let n = min(Self.inputBytes, piece.storedBytes - offset)
            try plan.readFully(input, count: n, at: piece.address + UInt64(offset))
            offset += n
            stream.next_in = input.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(n)
            repeat {
                status = inflate(&stream, Z_NO_FLUSH)
            } while status == Z_OK && stream.avail_in > 0 && stream.avail_out > 0
            if status == Z_OK && stream.avail_in > 0 { status = Z_DATA_ERROR }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            let why = status == Z_STREAM_END || status == Z_OK
                ? "inflates to \(stream.total_out) bytes, expected \(expected)"
                : "zlib error \(status)" + (stream.msg.map { " (\(String(cString: $0)))" } ?? "")
            throw plan.error("corrupt gzip chunk at offset \(piece.address): \(why)")
        }
    }
}

/// IEEE half → single conversion in SIMD lanes (exact for every half, including subnormals,
/// infinities and NaNs), so float16 rows cost no more than float32 rows.
enum HalfConversion {
    @inline(__always)
    static func convert8(_ h: SIMD8<UInt16>) -> SIMD8<Float> {
        // Each half at the top of a 32-bit lane (sign in the sign bit); an arithmetic shift right
        // by 3 puts exponent and mantissa in single-precision position (the sign copies into bits
        // 28–30, masked off). As a Float that is the value times 2^-112 (subnormal halves land on
        // subnormal floats, zero stays zero), so one multiply, which keeps the sign, fixes it.
        let high = unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16, to: SIMD8<Int32>.self)
        let bits = unsafeBitCast((high &>> 3) & Int32(bitPattern: 0x8fff_e000), to: SIMD8<UInt32>.self)
        let scaled = unsafeBitCast(unsafeBitCast(bits, to: SIMD8<Float>.self) * 0x1p112, to: SIMD8<UInt32>.self)
        // Lanes whose exponent is all ones (infinity, NaN) keep sign and mantissa and get an
        // all-ones single exponent instead. All ones in those lanes: 0x0f80_0000 + 0x0080_0000
        // carries into bit 28. Integer arithmetic only (a SIMDMask select compiles to a loop
        // over the lanes through memory), so it stays in vector registers.
        let special = 0 &- (((bits & 0x0f80_0000) &+ 0x0080_0000) &>> 28)
        return unsafeBitCast((scaled & ~special) | ((bits | 0x7f80_0000) & special), to: SIMD8<Float>.self)
    }

    /// Converts `count` halves (given as their bits) to Floats.
    static func convert(_ source: UnsafePointer<UInt16>, to output: UnsafeMutablePointer<Float>, count: Int) {
        let src = UnsafeRawPointer(source), dst = UnsafeMutableRawPointer(output)
        var i = 0
        while i + 8 <= count {
            let v = convert8(src.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<UInt16>.self))
            dst.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            var lane = SIMD8<UInt16>()
            lane[0] = source[i]
            output[i] = convert8(lane)[0]
            i += 1
        }
    }
}

/// Undoes HDF5's shuffle filter: a chunk of n elements of size s is stored as s planes of n
/// bytes, plane k holding byte k of every element.
enum Unshuffle {
    /// Elements `range` of a shuffled float32 chunk of `elements` elements, into `output`.
    static func float32(_ planes: UnsafePointer<UInt8>, elements: Int, range: Range<Int>, into output: UnsafeMutablePointer<Float>) {
        let p0 = UnsafeRawPointer(planes), p1 = p0 + elements, p2 = p1 + elements, p3 = p2 + elements
        let dst = UnsafeMutableRawPointer(output)
        var e = range.lowerBound, o = 0
        while e + 16 <= range.upperBound {
            let b0 = SIMD16<UInt32>(truncatingIfNeeded: p0.loadUnaligned(fromByteOffset: e, as: SIMD16<UInt8>.self))
            let b1 = SIMD16<UInt32>(truncatingIfNeeded: p1.loadUnaligned(fromByteOffset: e, as: SIMD16<UInt8>.self))
            let b2 = SIMD16<UInt32>(truncatingIfNeeded: p2.loadUnaligned(fromByteOffset: e, as: SIMD16<UInt8>.self))
            let b3 = SIMD16<UInt32>(truncatingIfNeeded: p3.loadUnaligned(fromByteOffset: e, as: SIMD16<UInt8>.self))
            dst.storeBytes(of: b0 | (b1 &<< 8) | (b2 &<< 16) | (b3 &<< 24), toByteOffset: o * 4, as: SIMD16<UInt32>.self)
            e += 16
            o += 16
        }
        let b = planes
        while e < range.upperBound {
            let bits = UInt32(b[e]) | UInt32(b[elements + e]) << 8 | UInt32(b[2 * elements + e]) << 16 | UInt32(b[3 * elements + e]) << 24
            output[o] = Float(bitPattern: bits)
            e += 1
            o += 1
        }
    }

    /// Elements `range` of a shuffled float16 chunk of `elements` elements, converted into `output`.
    static func float16(_ planes: UnsafePointer<UInt8>, elements: Int, range: Range<Int>, into output: UnsafeMutablePointer<Float>) {
        let p0 = UnsafeRawPointer(planes), p1 = p0 + elements
        let dst = UnsafeMutableRawPointer(output)
        var e = range.lowerBound, o = 0
        while e + 8 <= range.upperBound {
            let lo = SIMD8<UInt16>(truncatingIfNeeded: p0.loadUnaligned(fromByteOffset: e, as: SIMD8<UInt8>.self))
            let hi = SIMD8<UInt16>(truncatingIfNeeded: p1.loadUnaligned(fromByteOffset: e, as: SIMD8<UInt8>.self))
            dst.storeBytes(of: HalfConversion.convert8(lo | (hi &<< 8)), toByteOffset: o * 4, as: SIMD8<Float>.self)
            e += 8
            o += 8
        }
        while e < range.upperBound {
            var lane = SIMD8<UInt16>()
            lane[0] = UInt16(planes[e]) | UInt16(planes[elements + e]) << 8
            output[o] = HalfConversion.convert8(lane)[0]
            e += 1
            o += 1
        }
    }
}
