import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open HDF5 file; closes on deinit (objects opened from it keep it alive).
public final class File: AttributeHolder, @unchecked Sendable {
    /// How to open a file.
    public enum Mode: Sendable {
        /// Read only; the file must exist.
        case readOnly
        /// Read and write; the file must exist.
        case readWrite
        /// Create, truncating any existing file.
        case truncate
    }

    /// The path the file was opened with.
    public let path: String
    let handle: Handle

    /// Opens or creates the file at `path`.
    public init(path: String, mode: Mode = .readOnly) throws(HDF5Error) {
        externalFilesBesideTheFile()
        self.path = path
        let id: hid_t
        switch mode {
        case .readOnly:
            let opened = Self.canonical(path)
            id = try check("open file", path) { H5Fopen(opened, shim_F_ACC_RDONLY(), shim_P_DEFAULT()) }
        case .readWrite:
            let opened = Self.canonical(path)
            id = try check("open file for writing", path) { H5Fopen(opened, shim_F_ACC_RDWR(), shim_P_DEFAULT()) }
        case .truncate:
            let fcpl = try untimedCreationList(shim_P_FILE_CREATE(), path)
            defer { withExtendedLifetime(fcpl) {} }
            id = try check("create file", path) {
                H5Fcreate(path, shim_F_ACC_TRUNC(), fcpl.id, shim_P_DEFAULT())
            }
        }
        handle = Handle(id, close: H5Fclose)
    }

    /// `path` with symbolic links, `.` and `..` resolved, or `path` itself when that fails (then
    /// H5Fopen reports why). An existing file is opened by this name: libhdf5 takes the folder of
    /// the name it was given as the file's own (`${ORIGIN}` of the external-file prefix, the
    /// virtual-source and external-link search), and refuses a dataset already open through a
    /// name in another folder (`./a.h5` and `/dir/a.h5`, or a link, are the same file). One name
    /// per file keeps both right; ``path`` stays as given, for messages.
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` starts with the HDF5 signature (false for other files; throws nothing).
    public static func isHDF5(path: String) -> Bool {
        externalFilesBesideTheFile()
        silenceAutomaticErrorPrinting()
        let r = H5Fis_hdf5(path)
        _ = takeErrorStack()
        return r > 0
    }

    /// `file:/`, for messages.
    public var objectPath: String { path + ":/" }
    /// The file identifier (attributes on it are the root group's).
    public var objectID: Int64 { handle.id }

    /// The root group.
    public var root: Group { Group(file: self, path: "/", handle: handle, ownsHandle: false) }

    /// Bytes reserved before the HDF5 data (addresses inside the file are relative to this).
    public var userBlockSize: Int {
        get throws(HDF5Error) {
            let fcpl = Handle(try check("get creation properties", path) { H5Fget_create_plist(handle.id) }, close: H5Pclose)
            var size: hsize_t = 0
            try check("get user block size", path) { H5Pget_userblock(fcpl.id, &size) }
            return withExtendedLifetime(fcpl) { Int(size) }
        }
    }

    /// Flushes buffered data to disk.
    public func flush() throws(HDF5Error) {
        try check("flush", path) { H5Fflush(handle.id, H5F_SCOPE_GLOBAL) }
    }
}

/// What libhdf5 joins a relative external raw storage file name (`H5Pset_external`) to:
/// `${ORIGIN}` is the folder of the file that holds the dataset (behind an external link or as a
/// virtual source, that file's), so the same dump reads the same bytes whatever the working folder,
/// and two dumps in different folders never read each other's raw files.
///
/// libhdf5 1.10.8 reads `HDF5_EXTFILE_PREFIX` once, when the library initialises
/// (`H5D__init_package`), and uses it for every dataset open, its own included (an external link's
/// traversal opens the target with default access properties). So ``externalFilesBesideTheFile``
/// sets it for this process before the first libhdf5 call of this module (a value set later would
/// be ignored, and the raw files read relative to the working folder), unless the user set it.
/// Every dataset this module opens also carries the prefix as an access property, which libhdf5
/// uses when the environment holds none; the reader then checks the expansion libhdf5 reports.
public let externalFilePrefixProperty = "${ORIGIN}"

/// `HDF5_EXTFILE_PREFIX` as the user set it before this process started, or nil (then this module
/// set it to ``externalFilePrefixProperty``).
public let userExternalFilePrefix: String? = {
    let user = getenv("HDF5_EXTFILE_PREFIX").map { String(cString: $0) }
    if user == nil { setenv("HDF5_EXTFILE_PREFIX", externalFilePrefixProperty, 0) }
    return user
}()

/// Runs once, before the first libhdf5 call of this module: see ``externalFilePrefixProperty``.
@inline(__always)
func externalFilesBesideTheFile() {
    _ = userExternalFilePrefix
}

/// What kind of object a link names.
public enum ObjectKind: Sendable, Equatable {
    case group, dataset, namedType, other
}

/// A group in an open file.
public final class Group: AttributeHolder, @unchecked Sendable {
    /// The file this group belongs to (kept alive by the group).
    public let file: File
    /// The group's absolute path inside the file.
    public let path: String
    let handle: Handle
    private let ownsHandle: Bool

    init(file: File, path: String, handle: Handle, ownsHandle: Bool = true) {
        self.file = file
        self.path = path
        self.handle = handle
        self.ownsHandle = ownsHandle
    }

    /// `file:/path/to/group`, for messages.
    public var objectPath: String { "\(file.path):\(path)" }
    /// The group identifier (valid while this object lives).
    public var objectID: Int64 { handle.id }

    func childPath(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return path == "/" ? "/" + name : path + "/" + name
    }

    /// The kind of object at `name` (relative or absolute), or nil when nothing is there.
    public func kind(of name: String) -> ObjectKind? {
        // Walk components so a missing intermediate group is "nothing" rather than an error.
        silenceAutomaticErrorPrinting()
        let parts = name.split(separator: "/")
        var prefix = name.hasPrefix("/") ? "" : "."
        for part in parts {
            prefix += "/" + part
            if H5Lexists(handle.id, prefix, shim_P_DEFAULT()) <= 0 {
                _ = takeErrorStack()
                return nil
            }
        }
        let t = shim_object_type(handle.id, name)
        _ = takeErrorStack()
        switch t {
        case -1: return nil
        case Int32(H5O_TYPE_GROUP.rawValue): return .group
        case Int32(H5O_TYPE_DATASET.rawValue): return .dataset
        case Int32(H5O_TYPE_NAMED_DATATYPE.rawValue): return .namedType
        default: return .other
        }
    }

    /// Names of the direct children, in name order.
    public func childNames() throws(HDF5Error) -> [String] {
        var names: [String] = []
        silenceAutomaticErrorPrinting()
        let r = withUnsafeMutablePointer(to: &names) { pointer in
            shim_Literate(handle.id, { _, name, _, data in
                if let name, let data {
                    data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                }
                return 0
            }, pointer)
        }
        if r < 0 { throw HDF5Error(operation: "list members", object: objectPath, stack: takeErrorStack()) }
        return names
    }

    /// Opens the group at `name`.
    public func group(_ name: String) throws(HDF5Error) -> Group {
        let p = childPath(name)
        let id = try check("open group", "\(file.path):\(p)") { H5Gopen2(handle.id, name, shim_P_DEFAULT()) }
        return Group(file: file, path: p, handle: Handle(id, close: H5Gclose))
    }

    /// Creates the group at `name`, with any missing intermediate groups.
    public func createGroup(_ name: String) throws(HDF5Error) -> Group {
        let p = childPath(name)
        let lcpl = try propertyList(shim_P_LINK_CREATE(), objectPath)
        defer { withExtendedLifetime(lcpl) {} }
        try check("set intermediate group creation", objectPath) { H5Pset_create_intermediate_group(lcpl.id, 1) }
        let gcpl = try untimedCreationList(shim_P_GROUP_CREATE(), objectPath)
        defer { withExtendedLifetime(gcpl) {} }
        let id = try check("create group", "\(file.path):\(p)") {
            H5Gcreate2(handle.id, name, lcpl.id, gcpl.id, shim_P_DEFAULT())
        }
        return Group(file: file, path: p, handle: Handle(id, close: H5Gclose))
    }

    /// Opens the dataset at `name`. `chunkCacheBytes` sizes its chunk cache (libhdf5's default is 1 MiB).
    public func dataset(_ name: String, chunkCacheBytes: Int? = nil) throws(HDF5Error) -> Dataset {
        let p = childPath(name)
        let object = "\(file.path):\(p)"
        let dapl = try propertyList(shim_P_DATASET_ACCESS(), object)
        defer { withExtendedLifetime(dapl) {} }
        if let chunkCacheBytes {
            try check("set chunk cache", object) { H5Pset_chunk_cache(dapl.id, 12421, chunkCacheBytes, 1.0) }
        }
        try check("set external file prefix", object) { H5Pset_efile_prefix(dapl.id, externalFilePrefixProperty) }
        let id = try check("open dataset", object) { H5Dopen2(handle.id, name, dapl.id) }
        return Dataset(file: file, path: p, handle: Handle(id, close: H5Dclose))
    }

    /// Creates a dataset. `maxShape` entries of -1 are unlimited (requires `chunk`); `gzipLevel`
    /// (0...9) adds deflate, `shuffle` the byte shuffle before it.
    public func createDataset(_ name: String, type: ElementType, shape: [Int], maxShape: [Int]? = nil,
                              chunk: [Int]? = nil, gzipLevel: Int? = nil,
                              shuffle: Bool = false) throws(HDF5Error) -> Dataset {
        let p = childPath(name)
        let object = "\(file.path):\(p)"
        let fileType = try type.fileType(object)
        defer { withExtendedLifetime(fileType) {} }
        let space = try dataspace(shape, maxDims: maxShape, object)
        defer { withExtendedLifetime(space) {} }
        let dcpl = try untimedCreationList(shim_P_DATASET_CREATE(), object)
        defer { withExtendedLifetime(dcpl) {} }
        if let chunk {
            let c = chunk.map { hsize_t(Swift.max($0, 1)) }
            try check("set chunk shape", object) { H5Pset_chunk(dcpl.id, Int32(c.count), c) }
            if shuffle { try check("set shuffle", object) { H5Pset_shuffle(dcpl.id) } }
            if let gzipLevel { try check("set gzip", object) { H5Pset_deflate(dcpl.id, UInt32(gzipLevel)) } }
        }
        return try link(name, path: p, type: fileType, space: space, creation: dcpl, "create dataset", object)
    }

    /// Creates a virtual dataset that concatenates `sources` along the first dimension, in order.
    /// Source file names are stored as given (relative names resolve against the virtual file's folder).
    public func createVirtualDataset(_ name: String, type: ElementType, trailingShape: [Int],
                                     sources: [VirtualSource]) throws(HDF5Error) -> Dataset {
        let p = childPath(name)
        let object = "\(file.path):\(p)"
        let total = sources.reduce(0) { $0 + $1.rows }
        let fileType = try type.fileType(object)
        defer { withExtendedLifetime(fileType) {} }
        let space = try dataspace([total] + trailingShape, object)
        defer { withExtendedLifetime(space) {} }
        let dcpl = try untimedCreationList(shim_P_DATASET_CREATE(), object)
        defer { withExtendedLifetime(dcpl) {} }
        var start = 0
        for source in sources where source.rows > 0 {
            let sourceSpace = try dataspace([source.rows] + trailingShape, object)
            defer { withExtendedLifetime(sourceSpace) {} }
            var offset = [hsize_t(start)] + trailingShape.map { _ in 0 }
            var count = ([source.rows] + trailingShape).map { hsize_t($0) }
            try check("select virtual rows", object) {
                H5Sselect_hyperslab(space.id, H5S_SELECT_SET, &offset, nil, &count, nil)
            }
            try check("map virtual source \(source.file)", object) {
                H5Pset_virtual(dcpl.id, space.id, source.file, source.dataset, sourceSpace.id)
            }
            start += source.rows
        }
        try check("select all", object) { H5Sselect_all(space.id) }
        return try link(name, path: p, type: fileType, space: space, creation: dcpl, "create virtual dataset", object)
    }

    /// Creates dataset `name` (missing groups on the way included) from its type, space and
    /// creation properties.
    private func link(_ name: String, path: String, type: Handle, space: Handle, creation: Handle,
                      _ operation: String, _ object: String) throws(HDF5Error) -> Dataset {
        let lcpl = try propertyList(shim_P_LINK_CREATE(), object)
        defer { withExtendedLifetime(lcpl) {} }
        try check("set intermediate group creation", object) { H5Pset_create_intermediate_group(lcpl.id, 1) }
        let id = try check(operation, object) {
            H5Dcreate2(handle.id, name, type.id, space.id, lcpl.id, creation.id, shim_P_DEFAULT())
        }
        return Dataset(file: file, path: path, handle: Handle(id, close: H5Dclose))
    }
}

/// One source of a virtual dataset: `rows` rows of `dataset` in `file`.
public struct VirtualSource: Sendable, Equatable {
    /// The source file, as stored (relative paths resolve against the virtual file's folder).
    public var file: String
    /// The source dataset's path inside that file.
    public var dataset: String
    /// Its number of rows (first dimension).
    public var rows: Int
    /// A source of `rows` rows of `dataset` in `file`.
    public init(file: String, dataset: String, rows: Int) {
        self.file = file
        self.dataset = dataset
        self.rows = rows
    }
}
