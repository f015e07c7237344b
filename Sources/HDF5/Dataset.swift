import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A filter in a dataset's pipeline.
public struct Filter: Sendable, Equatable, CustomStringConvertible {
    /// The registered filter id (1 deflate, 2 shuffle, 32000 LZF, 32001 blosc, ...).
    public var id: Int
    /// The name stored in the file (may be empty).
    public var name: String
    /// The client values (e.g. the gzip level).
    public var parameters: [UInt32]
    /// "name (id)", or "filter id" when the file stores no name.
    public var description: String { name.isEmpty ? "filter \(id)" : "\(name) (\(id))" }
}

/// Where one stored chunk lives in the file.
public struct ChunkInfo: Sendable, Equatable {
    /// The chunk's first element coordinates in the dataset.
    public var offset: [Int]
    /// Bit i set: filter i was skipped for this chunk.
    public var filterMask: UInt32
    /// Byte address of the chunk in the file.
    public var address: UInt64
    /// Stored (possibly compressed) size in bytes.
    public var byteCount: Int
}

/// Element types a caller's buffer can hold; libhdf5 converts on read and write.
public protocol HDF5Numeric {
    static var nativeType: hid_t { get }
}
extension Float: HDF5Numeric { public static var nativeType: hid_t { shim_T_NATIVE_FLOAT() } }
extension Double: HDF5Numeric { public static var nativeType: hid_t { shim_T_NATIVE_DOUBLE() } }
extension Int64: HDF5Numeric { public static var nativeType: hid_t { shim_T_NATIVE_INT64() } }
extension Int32: HDF5Numeric { public static var nativeType: hid_t { shim_T_NATIVE_INT32() } }

/// A dataset in an open file.
public final class Dataset: AttributeHolder, @unchecked Sendable {
    /// The file this dataset belongs to (kept alive by the dataset).
    public let file: File
    /// The dataset's absolute path inside the file.
    public let path: String
    let handle: Handle

    init(file: File, path: String, handle: Handle) {
        self.file = file
        self.path = path
        self.handle = handle
    }

    /// `file:/path/to/dataset`, for messages.
    public var objectPath: String { "\(file.path):\(path)" }
    /// The dataset identifier (valid while this object lives).
    public var objectID: Int64 { handle.id }

    private func space() throws(HDF5Error) -> Handle {
        Handle(try check("get dataspace", objectPath) { H5Dget_space(handle.id) }, close: H5Sclose)
    }

    private func creationList() throws(HDF5Error) -> Handle {
        Handle(try check("get creation properties", objectPath) { H5Dget_create_plist(handle.id) }, close: H5Pclose)
    }

    /// The current extent; empty for a scalar.
    public var shape: [Int] {
        get throws(HDF5Error) {
            let s = try space()
            return withExtendedLifetime(s) { dimensions(of: s.id) }
        }
    }

    /// The stored element type.
    public var elementType: ElementType {
        get throws(HDF5Error) {
            let t = Handle(try check("get type", objectPath) { H5Dget_type(handle.id) }, close: H5Tclose)
            defer { withExtendedLifetime(t) {} }
            return ElementType(typeID: t.id)
        }
    }

    /// The chunk shape, or nil for contiguous/compact/virtual layouts.
    public var chunkShape: [Int]? {
        get throws(HDF5Error) {
            let dcpl = try creationList()
            defer { withExtendedLifetime(dcpl) {} }
            guard H5Pget_layout(dcpl.id) == H5D_CHUNKED else { return nil }
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = try check("get chunk shape", objectPath) { H5Pget_chunk(dcpl.id, 32, &dims) }
            return dims.prefix(Int(rank)).map { Int($0) }
        }
    }

    /// The chunk cache this handle reads through, in bytes. libhdf5 shares one cache among all
    /// open handles of a dataset, sized by the first open, so this can differ from what
    /// ``Group/dataset(_:chunkCacheBytes:)`` asked for.
    public var chunkCacheBytes: Int {
        get throws(HDF5Error) {
            let dapl = Handle(try check("get access properties", objectPath) { H5Dget_access_plist(handle.id) },
                              close: H5Pclose)
            var slots = 0, bytes = 0, w0 = 0.0
            _ = try withExtendedLifetime(dapl) { () throws(HDF5Error) in
                try check("get chunk cache", objectPath) { H5Pget_chunk_cache(dapl.id, &slots, &bytes, &w0) }
            }
            return bytes
        }
    }

    /// Whether this is a virtual dataset (its rows live in other files).
    public var isVirtual: Bool {
        get throws(HDF5Error) {
            let dcpl = try creationList()
            return withExtendedLifetime(dcpl) { H5Pget_layout(dcpl.id) == H5D_VIRTUAL }
        }
    }

    /// The source files of a virtual dataset, as stored (empty for other layouts).
    public func virtualSourceFiles() throws(HDF5Error) -> [String] {
        let dcpl = try creationList()
        defer { withExtendedLifetime(dcpl) {} }
        guard H5Pget_layout(dcpl.id) == H5D_VIRTUAL else { return [] }
        var count = 0
        try check("count virtual sources", objectPath) { H5Pget_virtual_count(dcpl.id, &count) }
        return (0..<count).map { i in
            let n = H5Pget_virtual_filename(dcpl.id, i, nil, 0)
            guard n > 0 else { return "" }
            var buffer = [CChar](repeating: 0, count: n + 1)
            H5Pget_virtual_filename(dcpl.id, i, &buffer, n + 1)
            return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The filter pipeline, in application order.
    public var filters: [Filter] {
        get throws(HDF5Error) {
            let dcpl = try creationList()
            defer { withExtendedLifetime(dcpl) {} }
            let n = H5Pget_nfilters(dcpl.id)
            guard n > 0 else { return [] }
            return try (0..<UInt32(n)).map { i throws(HDF5Error) in
                var flags: UInt32 = 0, config: UInt32 = 0, count = 8
                var values = [UInt32](repeating: 0, count: 8)
                var name = [CChar](repeating: 0, count: 256)
                let id = try check("get filter \(i)", objectPath) {
                    H5Pget_filter2(dcpl.id, i, &flags, &count, &values, 256, &name, &config)
                }
                return Filter(id: Int(id), name: String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), parameters: Array(values.prefix(count)))
            }
        }
    }

    private func rowSelection(_ rows: Range<Int>) throws(HDF5Error) -> (file: Handle, memory: Handle, count: Int) {
        let fileSpace = try space()
        defer { withExtendedLifetime(fileSpace) {} }
        let dims = dimensions(of: fileSpace.id)
        guard !dims.isEmpty, rows.lowerBound >= 0, rows.upperBound <= dims[0] else {
            throw HDF5Error(operation: "select rows \(rows.lowerBound)..<\(rows.upperBound)", object: objectPath,
                            stack: ["outside the dataset's shape \(dims)"])
        }
        var start = [hsize_t(rows.lowerBound)] + dims.dropFirst().map { _ in 0 }
        var count = ([rows.count] + dims.dropFirst()).map { hsize_t($0) }
        try check("select rows", objectPath) {
            H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, &start, nil, &count, nil)
        }
        let memory = try dataspace(count.map { Int($0) }, objectPath)
        defer { withExtendedLifetime(memory) {} }
        return (fileSpace, memory, count.reduce(1) { $0 * Int($1) })
    }

    /// Reads rows `rows` (all trailing dimensions) into `buffer`, converting to `T`.
    /// The buffer must hold at least `rows.count * (product of trailing dims)` elements.
    public func read<T: HDF5Numeric>(rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) throws(HDF5Error) {
        if rows.isEmpty { return }
        let s = try rowSelection(rows)
        defer { withExtendedLifetime(s) {} }
        guard buffer.count >= s.count else {
            throw HDF5Error(operation: "read rows", object: objectPath, stack: ["buffer holds \(buffer.count) < \(s.count) elements"])
        }
        try check("read rows \(rows.lowerBound)..<\(rows.upperBound)", objectPath) {
            H5Dread(handle.id, T.nativeType, s.memory.id, s.file.id, shim_P_DEFAULT(), buffer.baseAddress)
        }
    }

    /// Reads the whole dataset, converting to `T` (at most ``maxWholeReadBytes``).
    public func readAll<T: HDF5Numeric & Numeric>(as: T.Type = T.self) throws(HDF5Error) -> [T] {
        let dims = try shape
        let n = dims.reduce(1) { n, d in
            let (product, overflow) = n.multipliedReportingOverflow(by: d)
            return n < 0 || d < 0 || overflow ? -1 : product
        }
        try checkWholeRead(count: n, stride: MemoryLayout<T>.stride, "read", objectPath,
                           "shape \(dims) is too large to read whole (corrupt dataspace?)")
        var values = [T](repeating: 0, count: n)
        if n == 0 { return values }
        try check("read", objectPath) {
            values.withUnsafeMutableBytes {
                H5Dread(handle.id, T.nativeType, shim_S_ALL(), shim_S_ALL(), shim_P_DEFAULT(), $0.baseAddress)
            }
        }
        return values
    }

    /// Reads all strings of a string dataset (variable- or fixed-length).
    public func readStrings() throws(HDF5Error) -> [String] {
        let t = Handle(try check("get type", objectPath) { H5Dget_type(handle.id) }, close: H5Tclose)
        defer { withExtendedLifetime(t) {} }
        let s = try space()
        defer { withExtendedLifetime(s) {} }
        let n = Int(H5Sget_simple_extent_npoints(s.id))
        return try HDF5.readStrings(fileType: t.id, space: s.id, count: n, objectPath) { mem, buffer in
            H5Dread(handle.id, mem, shim_S_ALL(), shim_S_ALL(), shim_P_DEFAULT(), buffer)
        }
    }

    /// Writes rows `rows` from `buffer`, converting from `T` to the stored type.
    public func write<T: HDF5Numeric>(rows: Range<Int>, from buffer: UnsafeBufferPointer<T>) throws(HDF5Error) {
        if rows.isEmpty { return }
        let s = try rowSelection(rows)
        defer { withExtendedLifetime(s) {} }
        guard buffer.count >= s.count else {
            throw HDF5Error(operation: "write rows", object: objectPath, stack: ["buffer holds \(buffer.count) < \(s.count) elements"])
        }
        try check("write rows \(rows.lowerBound)..<\(rows.upperBound)", objectPath) {
            H5Dwrite(handle.id, T.nativeType, s.memory.id, s.file.id, shim_P_DEFAULT(), buffer.baseAddress)
        }
    }

    /// Writes rows from bytes already in the stored type (no conversion by libhdf5). Used for
    /// float16, whose libhdf5 conversion from float32 is wrong for some values.
    public func writeStoredBytes(rows: Range<Int>, from bytes: UnsafeRawBufferPointer) throws(HDF5Error) {
        if rows.isEmpty { return }
        let s = try rowSelection(rows)
        defer { withExtendedLifetime(s) {} }
        let t = Handle(try check("get type", objectPath) { H5Dget_type(handle.id) }, close: H5Tclose)
        defer { withExtendedLifetime(t) {} }
        guard bytes.count >= s.count * H5Tget_size(t.id) else {
            throw HDF5Error(operation: "write rows", object: objectPath, stack: ["buffer too small"])
        }
        try check("write rows \(rows.lowerBound)..<\(rows.upperBound)", objectPath) {
            H5Dwrite(handle.id, t.id, s.memory.id, s.file.id, shim_P_DEFAULT(), bytes.baseAddress)
        }
    }

    /// Writes all elements of a string dataset as variable-length UTF-8.
    public func write(strings: [String]) throws(HDF5Error) {
        let t = try variableString(objectPath)
        defer { withExtendedLifetime(t) {} }
        let cStrings = strings.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        try check("write strings", objectPath) {
            H5Dwrite(handle.id, t.id, shim_S_ALL(), shim_S_ALL(), shim_P_DEFAULT(), &pointers)
        }
    }

    /// Grows (or shrinks) the first dimension to `rows` (the dataset must be chunked with room to grow).
    public func resize(rows: Int) throws(HDF5Error) {
        var dims = try shape.map { hsize_t($0) }
        dims[0] = hsize_t(rows)
        try check("resize to \(rows) rows", objectPath) { H5Dset_extent(handle.id, &dims) }
    }

    /// Whether the stored numbers are little endian (false for big endian and non-numeric types).
    public var isLittleEndian: Bool {
        get throws(HDF5Error) {
            let t = Handle(try check("get type", objectPath) { H5Dget_type(handle.id) }, close: H5Tclose)
            return withExtendedLifetime(t) { H5Tget_order(t.id) == H5T_ORDER_LE }
        }
    }

    /// The file offset of a contiguous dataset's data, or nil (chunked, virtual, or not yet written).
    public var contiguousAddress: UInt64? {
        silenceAutomaticErrorPrinting()
        let a = H5Dget_offset(handle.id)
        _ = takeErrorStack()
        return a == haddr_t.max ? nil : UInt64(a)
    }

    /// How much of the extent has storage. libhdf5 allocates a contiguous dataset's storage at the
    /// first write and a chunk's when it is written; parts without storage were never written and
    /// read back as the fill value.
    public enum StorageCoverage: Equatable, Sendable {
        /// Chunks stored, of the chunks the extent spans.
        case chunks(stored: Int, spanned: Int)
        /// Whether the contiguous storage exists.
        case contiguous(allocated: Bool)
    }

    /// See ``StorageCoverage``; nil for compact and virtual layouts and for an empty extent.
    public func storageCoverage() throws(HDF5Error) -> StorageCoverage? {
        let dims = try shape
        guard !dims.contains(0) else { return nil }
        if let chunk = try chunkShape {
            guard chunk.count == dims.count, !chunk.contains(0) else { return nil }
            var spanned = 1
            for (d, c) in zip(dims, chunk) {
                let (product, overflow) = spanned.multipliedReportingOverflow(by: (d + c - 1) / c)
                spanned = overflow ? Int.max : product
            }
            return .chunks(stored: try storedChunkCount(), spanned: spanned)
        }
        let dcpl = try creationList()
        guard withExtendedLifetime(dcpl, { H5Pget_layout(dcpl.id) == H5D_CONTIGUOUS }) else { return nil }
        return .contiguous(allocated: contiguousAddress != nil)
    }

    /// The number of chunks actually stored (chunked layouts only).
    public func storedChunkCount() throws(HDF5Error) -> Int {
        let s = try space()
        defer { withExtendedLifetime(s) {} }
        var n: hsize_t = 0
        try check("count chunks", objectPath) { H5Dget_num_chunks(handle.id, s.id, &n) }
        return Int(n)
    }

    /// Where the chunk whose first element is at `offset` lives, or nil when it was never written.
    /// (A lookup by coordinate is logarithmic; by index, libhdf5 scans the chunk index.)
    public func chunkInfo(at offset: [Int]) throws(HDF5Error) -> ChunkInfo? {
        var coords = offset.map { hsize_t($0) }
        var mask: UInt32 = 0, address: haddr_t = 0, size: hsize_t = 0
        try check("get chunk info at \(offset)", objectPath) {
            H5Dget_chunk_info_by_coord(handle.id, &coords, &mask, &address, &size)
        }
        guard address != haddr_t.max else { return nil }
        return ChunkInfo(offset: offset, filterMask: mask, address: UInt64(address), byteCount: Int(size))
    }

    /// Where stored chunk `index` lives (for raw-read fast paths over unfiltered data).
    public func chunkInfo(_ index: Int) throws(HDF5Error) -> ChunkInfo {
        let s = try space()
        defer { withExtendedLifetime(s) {} }
        let rank = Int(H5Sget_simple_extent_ndims(s.id))
        var offset = [hsize_t](repeating: 0, count: Swift.max(rank, 1))
        var mask: UInt32 = 0, address: haddr_t = 0, size: hsize_t = 0
        try check("get chunk \(index) info", objectPath) {
            H5Dget_chunk_info(handle.id, s.id, hsize_t(index), &offset, &mask, &address, &size)
        }
        return ChunkInfo(offset: offset.prefix(rank).map { Int($0) }, filterMask: mask,
                         address: UInt64(address), byteCount: Int(size))
    }
}
