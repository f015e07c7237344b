import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The stored element type of a dataset or attribute, as far as readers care.
public enum ElementType: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// IEEE 754 binary16, binary32, binary64 (either byte order), checked field by field: a
    /// 2-byte float is `.float16` only when its bits are laid out as IEEE half.
    case float16, float32, float64
    /// A float of `bits` width that is not IEEE binary16/32/64 (bfloat16, another exponent bias,
    /// padding bits, ...), described by `layout`. libhdf5 converts it on read; its raw bytes must
    /// never be decoded as an IEEE type.
    /// `mantissaBits` (with the implied leading bit where there is one) sets its precision.
    case customFloat(bits: Int, mantissaBits: Int, layout: String)
    /// An integer of `bits` width.
    case int(bits: Int, signed: Bool)
    /// Fixed- or variable-length strings.
    case string
    /// Anything else, described by its libhdf5 class (compound, enum, opaque, ...).
    case other(String)

    /// The numpy-style name: float32, int64, uint8, string, ...
    public var description: String {
        switch self {
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        case let .int(bits, signed): (signed ? "int" : "uint") + String(bits)
        case let .customFloat(_, _, layout): layout
        case .string: "string"
        case let .other(name): name
        }
    }

    /// The element size in bytes for numeric types.
    public var byteCount: Int? {
        switch self {
        case .float16: 2
        case .float32: 4
        case .float64: 8
        case let .int(bits, _): bits / 8
        case let .customFloat(bits, _, _): bits / 8
        default: nil
        }
    }

    init(typeID t: hid_t) {
        let size = H5Tget_size(t)
        switch H5Tget_class(t) {
        case H5T_FLOAT:
            self = Self.float(typeID: t, size: size)
        case H5T_INTEGER:
            self = .int(bits: size * 8, signed: H5Tget_sign(t) == H5T_SGN_2)
        case H5T_STRING: self = .string
        case H5T_COMPOUND: self = .other("compound")
        case H5T_ENUM: self = .other("enum")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_ARRAY: self = .other("array")
        case H5T_VLEN: self = .other("vlen")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_BITFIELD: self = .other("bitfield")
        default: self = .other("unknown")
        }
    }

    /// The IEEE layouts by size: sign bit, exponent position, size and bias, mantissa size.
    private static let ieee: [Int: (sign: Int, exponent: Int, exponentBits: Int, bias: Int, mantissa: Int)] = [
        2: (15, 10, 5, 15, 10), 4: (31, 23, 8, 127, 23), 8: (63, 52, 11, 1023, 52),
    ]

    /// A float type, checked field by field against IEEE 754 (the size alone says nothing: h5py
    /// and libhdf5 let a writer define bfloat16, other exponent biases, padding, VAX order).
    private static func float(typeID t: hid_t, size: Int) -> ElementType {
        var sign = 0, exponent = 0, exponentBits = 0, mantissa = 0, mantissaBits = 0
        let fields = H5Tget_fields(t, &sign, &exponent, &exponentBits, &mantissa, &mantissaBits)
        let bias = Int(H5Tget_ebias(t))
        let order = H5Tget_order(t)
        let precision = H5Tget_precision(t), offset = H5Tget_offset(t)
        let normalised = H5Tget_norm(t) == H5T_NORM_IMPLIED
        if fields >= 0, let want = ieee[size], (order == H5T_ORDER_LE || order == H5T_ORDER_BE),
           precision == size * 8, offset == 0, normalised, mantissa == 0,
           sign == want.sign, exponent == want.exponent, exponentBits == want.exponentBits,
           bias == want.bias, mantissaBits == want.mantissa {
            return size == 2 ? .float16 : size == 4 ? .float32 : .float64
        }
        guard fields >= 0, size > 0 else { return .other("float\(size * 8)") }
        if size == 2, precision == 16, offset == 0, normalised, (order == H5T_ORDER_LE || order == H5T_ORDER_BE),
           sign == 15, exponent == 7, exponentBits == 8, bias == 127, mantissa == 0, mantissaBits == 7 {
            return .customFloat(bits: 16, mantissaBits: 8, layout: "bfloat16")
        }
        let norm = normalised ? "" : H5Tget_norm(t) == H5T_NORM_MSBSET ? ", explicit leading bit" : ", unnormalised"
        let vax = order == H5T_ORDER_VAX ? ", VAX order" : ""
        return .customFloat(bits: size * 8, mantissaBits: mantissaBits + (normalised ? 1 : 0), layout: "float\(size * 8) (non-IEEE: sign bit \(sign), exponent \(exponentBits) bits at \(exponent) with bias \(bias), mantissa \(mantissaBits) bits at \(mantissa), precision \(precision) at offset \(offset)\(norm)\(vax))")
    }

    /// A file type for creating datasets of this element type (little endian). Caller-owned handle.
    func fileType(_ object: String) throws(HDF5Error) -> Handle {
        switch self {
        case .float16:
            return Handle(try check("create float16 type", object) { shim_create_f16le() }, close: H5Tclose)
        case .float32: return Handle(try check("copy type", object) { H5Tcopy(shim_T_IEEE_F32LE()) }, close: H5Tclose)
        case .float64: return Handle(try check("copy type", object) { H5Tcopy(shim_T_IEEE_F64LE()) }, close: H5Tclose)
        case let .int(bits, signed):
            let base: hid_t = switch (bits, signed) {
            case (8, true): shim_T_STD_I8LE()
            case (16, true): shim_T_STD_I16LE()
            case (32, true): shim_T_STD_I32LE()
            case (64, true): shim_T_STD_I64LE()
            case (8, false): shim_T_STD_U8LE()
            case (16, false): shim_T_STD_U16LE()
            case (32, false): shim_T_STD_U32LE()
            default: shim_T_STD_U64LE()
            }
            return Handle(try check("copy type", object) { H5Tcopy(base) }, close: H5Tclose)
        case .string:
            return try variableString(object)
        case let .other(name), let .customFloat(_, _, name):
            throw HDF5Error(operation: "create a dataset of type \(name)", object: object, stack: ["unsupported element type"])
        }
    }
}

/// A variable-length UTF-8 string type.
func variableString(_ object: String) throws(HDF5Error) -> Handle {
    let t = Handle(try check("copy string type", object) { H5Tcopy(shim_T_C_S1()) }, close: H5Tclose)
    defer { withExtendedLifetime(t) {} }
    try check("set string size", object) { H5Tset_size(t.id, shim_VARIABLE()) }
    try check("set string charset", object) { H5Tset_cset(t.id, H5T_CSET_UTF8) }
    return t
}

/// The most strings ``readStrings(fileType:space:count:_:read:)`` reads in one call.
let maxStringCount = 1 << 26

/// Reads strings (variable- or fixed-length) from a dataset or attribute through `read`.
///
/// Every string is normalised by one rule, whatever its storage: the storage's padding is removed
/// (fixed-length: everything from the first NUL; space-padded: trailing spaces), the text is
/// decoded as UTF-8 (ASCII is a subset; invalid bytes become U+FFFD), and leading and trailing
/// whitespace is trimmed. Trailing spaces cannot be told from padding in space-padded storage, so
/// only trimming them everywhere makes "n01440764 " and "n01440764" the same string in every
/// storage, which is what duplicate detection and lookups by wnid or name need.
func readStrings(fileType: hid_t, space: hid_t, count: Int, _ object: String,
                 read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws(HDF5Error) -> [String] {
    guard H5Tget_class(fileType) == H5T_STRING else {
        throw HDF5Error(operation: "read strings", object: object,
                        stack: ["stored type is \(ElementType(typeID: fileType)), not string"])
    }
    if count == 0 { return [] }
    // No string list this library reads comes near 2^26 entries (each becomes a Swift String).
    let variable = H5Tis_variable_str(fileType) > 0
    let stored = variable ? MemoryLayout<UnsafeRawPointer>.size : H5Tget_size(fileType)
    let tooMany = "\(count) strings of \(stored) bytes each: too many to read (corrupt dataspace?)"
    guard count <= maxStringCount else { throw HDF5Error(operation: "read strings", object: object, stack: [tooMany]) }
    try checkWholeRead(count: count, stride: stored, "read strings", object, tooMany)
    if variable {
        let mem = try variableString(object)
        defer { withExtendedLifetime(mem) {} }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        try check("read strings", object) { pointers.withUnsafeMutableBytes { read(mem.id, $0.baseAddress!) } }
        let strings = pointers.map { $0.map { String(cString: $0).trimmingWhitespace } ?? "" }
        _ = pointers.withUnsafeMutableBytes { shim_vlen_reclaim(mem.id, space, $0.baseAddress) }
        return strings
    }
    let size = H5Tget_size(fileType)
    let mem = Handle(try check("copy string type", object) { H5Tcopy(fileType) }, close: H5Tclose)
    defer { withExtendedLifetime(mem) {} }
    var bytes = [UInt8](repeating: 0, count: size * count)
    try check("read strings", object) { bytes.withUnsafeMutableBytes { read(mem.id, $0.baseAddress!) } }
    // The padding type says which trailing bytes are padding (NULs, or spaces for SPACEPAD);
    // NULTERM and NULLPAD both end the string at its first NUL, as C readers and numpy do.
    let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
    return (0..<count).map { i in
        let slice = bytes[(i * size)..<((i + 1) * size)]
        var end = slice.firstIndex(of: 0) ?? slice.endIndex
        if spacePadded { while end > slice.startIndex, slice[end - 1] == 0x20 { end -= 1 } }
        return String(decoding: slice[slice.startIndex..<end], as: UTF8.self).trimmingWhitespace
    }
}
