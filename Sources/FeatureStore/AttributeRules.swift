import HDF5

/// Reads root attributes and checks each value where it is read: the one place that says what a
/// `format_version`, an α, a temperature or an integer attribute may hold. Dumps, centroid files
/// and projection files read their attributes through it, so a value refused in one is refused
/// in all, with one line naming the file and the attribute.
///
/// The rules:
/// - strings must be stored as strings (any storage; normalised as ``HDF5`` reads them), and
///   required names (model, dataset, ...) must not be empty;
/// - `format_version` must be stored as an integer type with exactly the supported value: a
///   float (even 1.0) is refused, because a reader that truncated 1.5 to 1 would misread a file
///   of a format it does not know;
/// - α (`ls_alpha`, `teacher_ls_alpha`) is finite and in [0, 1): α = 1 would make every target
///   uniform, and NaN would become a table column "α = nan";
/// - a temperature (`kd_temperature`) is finite and > 0: softmax(z/T) is undefined otherwise,
///   and `eta sweep` orders models by it;
/// - integers (seed, epoch, shard rank and count, counters) are stored as integers and lie in
///   their range.
public struct AttributeRules {
    /// The object holding the attributes (a file's root group).
    public let root: any AttributeHolder
    /// The file, for errors.
    public let file: String

    /// Rules for the attributes of `root` in `file`.
    public init(root: any AttributeHolder, file: String) {
        self.root = root
        self.file = file
    }

    func fail(_ name: String, _ message: String, fix: String? = nil) -> StoreError {
        StoreError(file: file, object: "attribute \(name)", message: message, fix: fix)
    }

    /// The stored type, requiring a scalar or a one-element array.
    func scalarType(_ name: String) throws(StoreError) -> ElementType {
        let info = try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.attributeInfo(name) }
        guard info.shape.reduce(1, *) == 1 else {
            throw fail(name, "has shape \(info.shape); expected one value")
        }
        return info.type
    }

    /// A required string attribute (not empty unless `allowEmpty`).
    public func string(_ name: String, allowEmpty: Bool = false) throws(StoreError) -> String {
        guard root.hasAttribute(name) else { throw fail(name, "missing") }
        let type = try scalarType(name)
        guard type == .string else { throw fail(name, "stored as \(type); expected a string") }
        let value = try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readStringAttribute(name) }
        guard allowEmpty || !value.isEmpty else { throw fail(name, "is empty") }
        return value
    }

    /// A string attribute, or nil when absent.
    public func optionalString(_ name: String, allowEmpty: Bool = false) throws(StoreError) -> String? {
        root.hasAttribute(name) ? try string(name, allowEmpty: allowEmpty) : nil
    }

    /// `format_version`: an integer type holding `supported`.
    public func formatVersion(_ supported: Int64, name: String = "format_version") throws(StoreError) -> Int64 {
        try formatVersion(in: [supported], name: name)
    }

    /// The format version, stored as an integer and one of `supported` (ascending; the last is
    /// the version this code writes).
    public func formatVersion(in supported: [Int64], name: String = "format_version") throws(StoreError) -> Int64 {
        let newest = supported.last ?? 1
        guard root.hasAttribute(name) else { throw fail(name, "missing") }
        let type = try scalarType(name)
        guard case .int = type else {
            let shown = (try? root.readDoubleAttribute(name)).map { " (\($0))" } ?? ""
            throw fail(name, "stored as \(type)\(shown); expected the integer \(newest)",
                       fix: "store format_version as an integer (numpy.int64)")
        }
        let version = try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readInt64Attribute(name) }
        if let refusal = FormatVersion.refusal(version, supported: supported) {
            throw fail(name, refusal.message, fix: refusal.fix)
        }
        return version
    }

    /// A number stored as an integer or a float, or nil when absent.
    func number(_ name: String) throws(StoreError) -> Double? {
        guard root.hasAttribute(name) else { return nil }
        let type = try scalarType(name)
        switch type {
        case .float16, .float32, .float64, .int: break
        default: throw fail(name, "stored as \(type); expected a number")
        }
        return try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readDoubleAttribute(name) }
    }

    /// Whether `value` is a valid label-smoothing α: finite, in [0, 1).
    public static func isAlpha(_ value: Double) -> Bool { value.isFinite && value >= 0 && value < 1 }

    /// Whether `value` is a valid distillation temperature: finite and > 0.
    public static func isTemperature(_ value: Double) -> Bool { value.isFinite && value > 0 }

    /// A label-smoothing α: finite, in [0, 1).
    public func alpha(_ name: String, required: Bool = false) throws(StoreError) -> Double? {
        guard let value = try number(name) else {
            if required { throw fail(name, "missing") }
            return nil
        }
        guard Self.isAlpha(value) else {
            throw fail(name, "is \(value); a label-smoothing alpha is a finite number in [0, 1)")
        }
        return value
    }

    /// A distillation temperature: finite and > 0.
    public func temperature(_ name: String) throws(StoreError) -> Double? {
        guard let value = try number(name) else { return nil }
        guard Self.isTemperature(value) else {
            throw fail(name, "is \(value); a distillation temperature is a finite number > 0")
        }
        return value
    }

    /// An integer attribute in `range`, or nil when absent; `meaning` says why the range.
    public func integer(_ name: String, in range: ClosedRange<Int64>, meaning: String) throws(StoreError) -> Int64? {
        guard root.hasAttribute(name) else { return nil }
        let type = try scalarType(name)
        guard case let .int(bits, signed) = type else {
            throw fail(name, "stored as \(type); expected an integer")
        }
        // An unsigned 64-bit value above Int64.max would be clamped by the conversion.
        if bits == 64, !signed {
            let exact = try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readUInt64Attribute(name) }
            guard exact <= UInt64(Int64.max) else { throw fail(name, "is \(exact); \(meaning)") }
        }
        let value = try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readInt64Attribute(name) }
        guard range.contains(value) else { throw fail(name, "is \(value); \(meaning)") }
        return value
    }
}
