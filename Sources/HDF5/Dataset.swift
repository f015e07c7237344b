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
        try naming(externalFailure: { () throws(HDF5Error) in
            _ = try check("read rows \(rows.lowerBound)..<\(rows.upperBound)", objectPath) {
                H5Dread(handle.id, T.nativeType, s.memory.id, s.file.id, shim_P_DEFAULT(), buffer.baseAddress)
            }
        })
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
        try naming(externalFailure: { () throws(HDF5Error) in
            _ = try check("read", objectPath) {
                values.withUnsafeMutableBytes {
                    H5Dread(handle.id, T.nativeType, shim_S_ALL(), shim_S_ALL(), shim_P_DEFAULT(), $0.baseAddress)
                }
            }
        })
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

/// One file of a dataset's external raw storage (`H5Pset_external`, h5py `external=`).
public struct ExternalFile: Sendable, Equatable {
    /// The file name as stored (libhdf5 resolves a relative name against its external-file prefix).
    public var name: String
    /// Where the data starts in that file.
    public var offset: Int
    /// Bytes of the data in that file; nil for "to the end" (`H5F_UNLIMITED`).
    public var size: Int?
}

/// One mapping of a virtual dataset: a selection of the virtual extent read from a selection of
/// a source dataset.
public struct VirtualMapping: Sendable, Equatable {
    /// The source file as stored ("." for the virtual dataset's own file).
    public var file: String
    /// The source dataset's path in that file.
    public var dataset: String
    /// The selected blocks of the virtual extent, as (start, count) per dimension; nil when libhdf5
    /// cannot list them (an unlimited or irregular selection).
    public var blocks: [[(start: Int, count: Int)]]?
    /// The last coordinate (per dimension) the mapping selects in the source; nil when unknown.
    public var sourceUpperBounds: [Int]?
    /// Elements the mapping selects in the virtual extent and in the source (libhdf5 fails to read
    /// when they differ); `sourcePoints` is nil for an "all" selection, which means the whole source
    /// dataset as it is when read (its stored extent is not the source's).
    public var virtualPoints: Int = 0, sourcePoints: Int?

    public static func == (a: VirtualMapping, b: VirtualMapping) -> Bool {
        a.file == b.file && a.dataset == b.dataset && a.sourceUpperBounds == b.sourceUpperBounds
            && a.blocks?.map { $0.map { [$0.start, $0.count] } } == b.blocks?.map { $0.map { [$0.start, $0.count] } }
    }
}

extension Dataset {
    /// The file that really holds this dataset's bytes, as libhdf5 reads it: behind an external
    /// link that is another file than ``file``.
    public struct StorageFile: Sendable {
        /// A duplicate of libhdf5's own descriptor for that file (the caller closes it).
        public var descriptor: Int32
        /// The file's user block size (addresses inside it are relative to the block's end).
        public var userBlockBytes: Int
    }

    /// See ``StorageFile``; nil when the file is not read through the default (sec2) driver.
    public func storageFile() -> StorageFile? {
        silenceAutomaticErrorPrinting()
        var userBlock: hsize_t = 0
        let fd = shim_object_file_descriptor(handle.id, &userBlock)
        _ = takeErrorStack()
        guard fd >= 0 else { return nil }
        let copy = dup(fd)
        guard copy >= 0 else { return nil }
        return StorageFile(descriptor: copy, userBlockBytes: Int(userBlock))
    }

    /// The name of the file that holds this dataset, as libhdf5 opened it (behind an external link
    /// the linked file's name, which may be relative to the current directory).
    public var storageFileName: String {
        silenceAutomaticErrorPrinting()
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = shim_object_file_name(handle.id, &buffer, buffer.count)
        _ = takeErrorStack()
        guard n > 0, n < buffer.count else { return file.path }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The files of external raw storage, in order (empty when the data lives in the HDF5 file).
    public func externalFiles() throws(HDF5Error) -> [ExternalFile] {
        let dcpl = Handle(try check("get creation properties", objectPath) { H5Dget_create_plist(handle.id) }, close: H5Pclose)
        defer { withExtendedLifetime(dcpl) {} }
        let count = try check("count external files", objectPath) { H5Pget_external_count(dcpl.id) }
        return try (0..<UInt32(count)).map { i throws(HDF5Error) in
            var name = [CChar](repeating: 0, count: 4097)
            var offset: off_t = 0, size: hsize_t = 0
            try check("get external file \(i)", objectPath) { H5Pget_external(dcpl.id, i, name.count - 1, &name, &offset, &size) }
            let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return ExternalFile(name: text, offset: Int(offset), size: size == hsize_t.max ? nil : Int(clamping: size))
        }
    }

    /// The external-file prefix libhdf5 applies to this dataset's relative external names: libhdf5
    /// 1.10.8 reports the one it expanded when the dataset was first opened (`HDF5_EXTFILE_PREFIX`
    /// from the environment at library start, else ``externalFilePrefixProperty``, `${ORIGIN}`
    /// replaced by the holding file's folder); nil when none applies (relative to the working folder).
    public var externalFilePrefix: String? {
        silenceAutomaticErrorPrinting()
        defer { _ = takeErrorStack() }
        let dapl = H5Dget_access_plist(handle.id)
        guard dapl >= 0 else { return nil }
        defer { H5Pclose(dapl) }
        let n = H5Pget_efile_prefix(dapl, nil, 0)
        guard n > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: n + 1)
        _ = H5Pget_efile_prefix(dapl, &buffer, n + 1)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path libhdf5 opens for external raw file `name`: the name itself when absolute or when
    /// no prefix applies (then relative to the working folder), else joined to the prefix this
    /// dataset was opened with (``externalFilePrefix``, `${ORIGIN}` already expanded by libhdf5).
    public func externalPath(_ name: String) -> String {
        guard !name.hasPrefix("/"), let prefix = externalFilePrefix, !prefix.isEmpty else { return name }
        return prefix.hasSuffix("/") ? prefix + name : prefix + "/" + name
    }

    /// Runs a read; when libhdf5 could not open an external raw file (its message names none),
    /// the error says which file it looked for, and where.
    func naming(externalFailure read: () throws(HDF5Error) -> Void) throws(HDF5Error) {
        do {
            try read()
        } catch {
            guard error.stackMentions("unable to open external raw data file") else { throw error }
            var failed = error
            let files = (try? externalFiles()) ?? []
            let path = files.lazy.map { self.externalPath($0.name) }.first { access($0, R_OK) != 0 }
            let name = files.first { externalPath($0.name) == path }?.name
            if let path, let name {
                failed.stack.insert("unable to open external raw data file \(name) (libhdf5 looked for \(path))", at: 0)
            }
            throw failed
        }
    }

    /// The mappings of a virtual dataset (empty for other layouts).
    public func virtualMappings() throws(HDF5Error) -> [VirtualMapping] {
        let dcpl = Handle(try check("get creation properties", objectPath) { H5Dget_create_plist(handle.id) }, close: H5Pclose)
        defer { withExtendedLifetime(dcpl) {} }
        guard H5Pget_layout(dcpl.id) == H5D_VIRTUAL else { return [] }
        var count = 0
        try check("count virtual mappings", objectPath) { H5Pget_virtual_count(dcpl.id, &count) }
        func text(_ get: (UnsafeMutablePointer<CChar>?, Int) -> Int) -> String {
            let n = get(nil, 0)
            guard n > 0 else { return "" }
            var buffer = [CChar](repeating: 0, count: n + 1)
            _ = get(&buffer, n + 1)
            return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return try (0..<count).map { i throws(HDF5Error) in
            let file = text { H5Pget_virtual_filename(dcpl.id, i, $0, $1) }
            let dataset = text { H5Pget_virtual_dsetname(dcpl.id, i, $0, $1) }
            let vspace = Handle(try check("get virtual mapping \(i)", objectPath) { H5Pget_virtual_vspace(dcpl.id, i) }, close: H5Sclose)
            let sspace = Handle(try check("get virtual source \(i)", objectPath) { H5Pget_virtual_srcspace(dcpl.id, i) }, close: H5Sclose)
            return withExtendedLifetime((vspace, sspace)) {
                let all = H5Sget_select_type(sspace.id) == H5S_SEL_ALL
                return VirtualMapping(file: file, dataset: dataset, blocks: selectedBlocks(vspace.id),
                               sourceUpperBounds: all ? nil : selectionUpperBounds(sspace.id),
                               virtualPoints: Int(H5Sget_select_npoints(vspace.id)),
                               sourcePoints: all ? nil : Int(H5Sget_select_npoints(sspace.id)))
            }
        }
    }

    /// Bytes of storage allocated for the data (compressed size for filtered chunks).
    public var storageBytes: Int { Int(clamping: H5Dget_storage_size(handle.id)) }
}

/// The blocks of a hyperslab (or all) selection as (start, count) per dimension; nil otherwise.
private func selectedBlocks(_ space: hid_t) -> [[(start: Int, count: Int)]]? {
    silenceAutomaticErrorPrinting()
    defer { _ = takeErrorStack() }
    let rank = Int(H5Sget_simple_extent_ndims(space))
    guard rank > 0 else { return nil }
    switch H5Sget_select_type(space) {
    case H5S_SEL_ALL:
        return [dimensions(of: space).map { (start: 0, count: $0) }]
    case H5S_SEL_NONE:
        return []
    case H5S_SEL_HYPERSLABS:
        let n = H5Sget_select_hyper_nblocks(space)
        guard n >= 0, n < 1 << 24 else { return nil }
        var corners = [hsize_t](repeating: 0, count: Int(n) * 2 * rank)
        guard n == 0 || H5Sget_select_hyper_blocklist(space, 0, hsize_t(n), &corners) >= 0 else { return nil }
        return (0..<Int(n)).map { b in
            (0..<rank).map { d in
                let lo = Int(corners[b * 2 * rank + d]), hi = Int(corners[b * 2 * rank + rank + d])
                return (start: lo, count: hi - lo + 1)
            }
        }
    default:
        return nil
    }
}

/// The upper corner of a selection's bounding box; nil when empty or unknown.
private func selectionUpperBounds(_ space: hid_t) -> [Int]? {
    silenceAutomaticErrorPrinting()
    defer { _ = takeErrorStack() }
    let rank = Int(H5Sget_simple_extent_ndims(space))
    guard rank > 0, H5Sget_select_npoints(space) > 0 else { return nil }
    var start = [hsize_t](repeating: 0, count: rank), end = [hsize_t](repeating: 0, count: rank)
    guard H5Sget_select_bounds(space, &start, &end) >= 0 else { return nil }
    return end.map { Int(clamping: $0) }
}

extension VirtualMapping {
    /// The first row (index along the first dimension) of an extent `shape` that `mappings` do not
    /// cover entirely, or nil when every element is mapped. libhdf5 reads unmapped elements of a
    /// virtual dataset as the fill value, silently. Throws when a mapping's blocks are unknown.
    public static func firstUnmappedRow(of shape: [Int], _ mappings: [VirtualMapping],
                                        _ object: String) throws(HDF5Error) -> Int? {
        guard !shape.isEmpty, !shape.contains(0) else { return nil }
        let union = try dataspace(shape, object)
        defer { withExtendedLifetime(union) {} }
        try check("select none", object) { H5Sselect_none(union.id) }
        var boundaries: Set<Int> = [0]
        for (i, m) in mappings.enumerated() {
            guard let blocks = m.blocks else {
                throw HDF5Error(operation: "list the selection of virtual mapping \(i)", object: object,
                                stack: ["an unlimited or point selection, which this reader cannot check"])
            }
            for block in blocks where block.count == shape.count {
                // Clip to the extent: libhdf5 never reads beyond it.
                var start = [hsize_t](), count = [hsize_t]()
                for (b, n) in zip(block, shape) {
                    let lo = Swift.min(b.start, n), hi = Swift.min(b.start + b.count, n)
                    start.append(hsize_t(lo))
                    count.append(hsize_t(hi - lo))
                }
                if count.contains(0) { continue }
                try check("union virtual mappings", object) {
                    H5Sselect_hyperslab(union.id, H5S_SELECT_OR, start, nil, count, nil)
                }
                boundaries.insert(Int(start[0]))
                boundaries.insert(Int(start[0] + count[0]))
            }
        }
        let total = shape.reduce(1, *)
        guard Int(H5Sget_select_npoints(union.id)) != total else { return nil }
        // Coverage is the same for every row between two consecutive boundaries.
        let perRow = total / shape[0]
        for row in boundaries.sorted() where row < shape[0] {
            let probe = Handle(try check("copy selection", object) { H5Scopy(union.id) }, close: H5Sclose)
            let start = [hsize_t(row)] + shape.dropFirst().map { _ in 0 }
            let count = [1] + shape.dropFirst().map { hsize_t($0) }
            _ = try withExtendedLifetime(probe) { () throws(HDF5Error) in
                try check("select row \(row)", object) { H5Sselect_hyperslab(probe.id, H5S_SELECT_AND, start, nil, count, nil) }
            }
            if withExtendedLifetime(probe, { Int(H5Sget_select_npoints(probe.id)) }) != perRow { return row }
        }
        return nil
    }
}
