import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Anything that carries attributes: a file's root group, a group, a dataset.
public protocol AttributeHolder {
    /// Where errors say the attributes live, e.g. "a.h5:/splits/train".
    var objectPath: String { get }
    /// The libhdf5 identifier of the object (valid while the holder lives).
    var objectID: Int64 { get }
}

extension AttributeHolder {
    /// Names of all attributes, in creation/name order.
    public func attributeNames() throws(HDF5Error) -> [String] {
        var names: [String] = []
        silenceAutomaticErrorPrinting()
        let r = withUnsafeMutablePointer(to: &names) { pointer in
            H5Aiterate2(objectID, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, data in
                if let name, let data {
                    data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                }
                return 0
            }, pointer)
        }
        if r < 0 { throw HDF5Error(operation: "list attributes", object: objectPath, stack: takeErrorStack()) }
        return names
    }

    /// Whether an attribute named `name` exists.
    public func hasAttribute(_ name: String) -> Bool {
        silenceAutomaticErrorPrinting()
        let r = H5Aexists(objectID, name)
        _ = takeErrorStack()
        return r > 0
    }

    /// Opens attribute `name` with its stored type and dataspace for the duration of `body`.
    private func withAttribute<R>(_ name: String,
                                  _ body: (_ attribute: hid_t, _ type: hid_t, _ space: hid_t) throws(HDF5Error) -> R) throws(HDF5Error) -> R {
        let a = Handle(try check("open attribute '\(name)'", objectPath) { H5Aopen(objectID, name, shim_P_DEFAULT()) },
                       close: H5Aclose)
        let t = Handle(try check("get attribute type", objectPath) { H5Aget_type(a.id) }, close: H5Tclose)
        let s = Handle(try check("get attribute space", objectPath) { H5Aget_space(a.id) }, close: H5Sclose)
        return try withExtendedLifetime((a, t, s)) { () throws(HDF5Error) in try body(a.id, t.id, s.id) }
    }

    /// The stored type and shape (empty for a scalar) of an attribute.
    public func attributeInfo(_ name: String) throws(HDF5Error) -> (type: ElementType, shape: [Int]) {
        try withAttribute(name) { _, type, space in (ElementType(typeID: type), dimensions(of: space)) }
    }

    /// Reads a string attribute (variable- or fixed-length, scalar or one-element array).
    public func readStringAttribute(_ name: String) throws(HDF5Error) -> String {
        let all = try readStringArrayAttribute(name)
        guard all.count == 1 else {
            throw HDF5Error(operation: "read attribute '\(name)'", object: objectPath,
                            stack: ["expected one string, found \(all.count)"])
        }
        return all[0]
    }

    /// Reads a string-array attribute (a scalar string reads as one element).
    public func readStringArrayAttribute(_ name: String) throws(HDF5Error) -> [String] {
        try withAttribute(name) { attribute, type, space throws(HDF5Error) in
            let count = Int(H5Sget_simple_extent_npoints(space))
            return try readStrings(fileType: type, space: space, count: count, "\(objectPath) attribute '\(name)'") {
                H5Aread(attribute, $0, $1)
            }
        }
    }

    private func readNumbers<T: Numeric>(_ name: String, memType: hid_t, as: T.Type) throws(HDF5Error) -> [T] {
        try withAttribute(name) { attribute, type, space throws(HDF5Error) in
            let cls = H5Tget_class(type)
            guard cls == H5T_INTEGER || cls == H5T_FLOAT else {
                throw HDF5Error(operation: "read attribute '\(name)'", object: objectPath,
                                stack: ["stored type is \(ElementType(typeID: type)), not a number"])
            }
            let count = Int(H5Sget_simple_extent_npoints(space))
            try checkWholeRead(count: count, stride: MemoryLayout<T>.stride, "read attribute '\(name)'", objectPath,
                               "\(count) values: too many to read (corrupt dataspace?)")
            var values = [T](repeating: 0, count: count)
            try check("read attribute '\(name)'", objectPath) {
                values.withUnsafeMutableBytes { H5Aread(attribute, memType, $0.baseAddress) }
            }
            return values
        }
    }

    /// Reads a scalar integer attribute (any stored integer width).
    public func readInt64Attribute(_ name: String) throws(HDF5Error) -> Int64 {
        let v = try readNumbers(name, memType: shim_T_NATIVE_INT64(), as: Int64.self)
        guard v.count == 1 else {
            throw HDF5Error(operation: "read attribute '\(name)'", object: objectPath, stack: ["expected one value, found \(v.count)"])
        }
        return v[0]
    }

    /// Reads a scalar integer attribute as UInt64 (for unsigned 64-bit values above Int64.max,
    /// which ``readInt64Attribute(_:)`` would clamp).
    public func readUInt64Attribute(_ name: String) throws(HDF5Error) -> UInt64 {
        let v = try readNumbers(name, memType: shim_T_NATIVE_UINT64(), as: UInt64.self)
        guard v.count == 1 else {
            throw HDF5Error(operation: "read attribute '\(name)'", object: objectPath, stack: ["expected one value, found \(v.count)"])
        }
        return v[0]
    }

    /// Reads a scalar floating-point (or integer) attribute as Double.
    public func readDoubleAttribute(_ name: String) throws(HDF5Error) -> Double {
        let v = try readDoubleArrayAttribute(name)
        guard v.count == 1 else {
            throw HDF5Error(operation: "read attribute '\(name)'", object: objectPath, stack: ["expected one value, found \(v.count)"])
        }
        return v[0]
    }

    /// Reads a numeric array attribute as Doubles.
    public func readDoubleArrayAttribute(_ name: String) throws(HDF5Error) -> [Double] {
        try readNumbers(name, memType: shim_T_NATIVE_DOUBLE(), as: Double.self)
    }

    private func replaceAttribute(_ name: String, type: hid_t, dims: [Int],
                                  write: (hid_t) -> herr_t) throws(HDF5Error) {
        if hasAttribute(name) {
            try check("delete attribute '\(name)'", objectPath) { H5Adelete(objectID, name) }
        }
        let space = try dataspace(dims, objectPath)
        defer { withExtendedLifetime(space) {} }
        let a = Handle(try check("create attribute '\(name)'", objectPath) {
            H5Acreate2(objectID, name, type, space.id, shim_P_DEFAULT(), shim_P_DEFAULT())
        }, close: H5Aclose)
        defer { withExtendedLifetime(a) {} }
        try check("write attribute '\(name)'", objectPath) { write(a.id) }
    }

    /// Writes a scalar variable-length UTF-8 string attribute (replacing any existing one).
    public func writeAttribute(_ name: String, _ value: String) throws(HDF5Error) {
        let t = try variableString(objectPath)
        defer { withExtendedLifetime(t) {} }
        let c = strdup(value)
        defer { free(c) }
        var pointer = UnsafePointer<CChar>(c)
        try replaceAttribute(name, type: t.id, dims: []) { id in H5Awrite(id, t.id, &pointer) }
    }

    /// Writes a one-dimensional variable-length UTF-8 string array attribute.
    public func writeAttribute(_ name: String, _ values: [String]) throws(HDF5Error) {
        let t = try variableString(objectPath)
        defer { withExtendedLifetime(t) {} }
        let cStrings = values.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        try replaceAttribute(name, type: t.id, dims: [values.count]) { id in H5Awrite(id, t.id, &pointers) }
    }

    /// Writes a scalar int64 attribute.
    public func writeAttribute(_ name: String, _ value: Int64) throws(HDF5Error) {
        var v = value
        try replaceAttribute(name, type: shim_T_STD_I64LE(), dims: []) { H5Awrite($0, shim_T_NATIVE_INT64(), &v) }
    }

    /// Writes a scalar float64 attribute.
    public func writeAttribute(_ name: String, _ value: Double) throws(HDF5Error) {
        var v = value
        try replaceAttribute(name, type: shim_T_IEEE_F64LE(), dims: []) { H5Awrite($0, shim_T_NATIVE_DOUBLE(), &v) }
    }

    /// Writes a one-dimensional float64 array attribute.
    public func writeAttribute(_ name: String, _ values: [Double]) throws(HDF5Error) {
        var v = values
        try replaceAttribute(name, type: shim_T_IEEE_F64LE(), dims: [values.count]) { id in
            v.withUnsafeMutableBytes { H5Awrite(id, shim_T_NATIVE_DOUBLE(), $0.baseAddress) }
        }
    }
}

/// The current extent of a dataspace.
func dimensions(of space: hid_t) -> [Int] {
    let rank = Int(H5Sget_simple_extent_ndims(space))
    guard rank > 0 else { return [] }
    var dims = [hsize_t](repeating: 0, count: rank)
    H5Sget_simple_extent_dims(space, &dims, nil)
    return dims.map { Int($0) }
}
