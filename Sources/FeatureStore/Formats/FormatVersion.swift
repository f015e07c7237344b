/// The one rule for a file's format version, whatever holds it (an HDF5 attribute through
/// ``AttributeRules``, a JSON document through ``JSONDocument``): the version must be one of the
/// versions this build reads; anything else is refused with the same words and fix.
public enum FormatVersion {
    /// Nil when `version` is one of `supported` (ascending; the last is the version this code
    /// writes), else the refusal: what is wrong and how to fix it.
    public static func refusal(_ version: Int64, supported: [Int64]) -> (message: String, fix: String)? {
        guard !supported.contains(version) else { return nil }
        let newest = supported.last ?? 1
        return ("is \(version); this reader understands \(words(supported))",
                version > newest ? "upgrade penultimate" : "write the file again with this version")
    }

    /// "version 1", or "versions 1 and 2".
    public static func words(_ supported: [Int64]) -> String {
        supported.count == 1 ? "version \(supported.last ?? 1)" : "versions " + supported.map(String.init).joined(separator: " and ")
    }
}
