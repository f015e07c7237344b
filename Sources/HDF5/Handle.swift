import CHDF5

/// Owns one libhdf5 identifier and closes it exactly once, on deinit.
final class Handle: @unchecked Sendable {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

/// A short-lived property list, closed on deinit.
func propertyList(_ cls: hid_t, _ object: String) throws(HDF5Error) -> Handle {
    Handle(try check("create property list", object) { H5Pcreate(cls) }, close: H5Pclose)
}

/// An object-creation property list that stores no modification times: the same content then
/// gives the same bytes, so outputs can be compared and committed.
func untimedCreationList(_ cls: hid_t, _ object: String) throws(HDF5Error) -> Handle {
    let list = try propertyList(cls, object)
    try check("turn off object times", object) { H5Pset_obj_track_times(list.id, false) }
    return list
}

/// A simple dataspace of `dims` (scalar when `dims` is empty), closed on deinit.
func dataspace(_ dims: [Int], maxDims: [Int]? = nil, _ object: String) throws(HDF5Error) -> Handle {
    if dims.isEmpty {
        return Handle(try check("create dataspace", object) { H5Screate(H5S_SCALAR) }, close: H5Sclose)
    }
    let d = dims.map { hsize_t($0) }
    let id: hid_t
    if let maxDims {
        let m = maxDims.map { $0 < 0 ? shim_S_UNLIMITED() : hsize_t($0) }
        id = try check("create dataspace", object) { H5Screate_simple(Int32(d.count), d, m) }
    } else {
        id = try check("create dataspace", object) { H5Screate_simple(Int32(d.count), d, nil) }
    }
    return Handle(id, close: H5Sclose)
}

/// The library-wide facts a reader needs before touching data.
public enum HDF5Library {
    /// The linked libhdf5 version, e.g. (1, 10, 8).
    public static var version: (major: Int, minor: Int, release: Int) {
        externalFilesBesideTheFile()
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0
        H5get_libversion(&a, &b, &c)
        return (Int(a), Int(b), Int(c))
    }

    /// Whether the filter with this id (1 deflate, 2 shuffle, 32000 LZF, 32001 blosc, ...) can be
    /// used: built in or loadable as a plugin.
    public static func filterAvailable(_ id: Int) -> Bool {
        silenceAutomaticErrorPrinting()
        let r = H5Zfilter_avail(H5Z_filter_t(id))
        _ = takeErrorStack()
        return r > 0
    }
}
