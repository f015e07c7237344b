/// Minimal JSON text building with a fixed key order. JSONSerialization does not keep key order,
/// and deterministic output matters for provenance and golden tests, so every JSON document the
/// tools write is assembled from these pieces.
public enum JSONText {
    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, everything
    /// else (including non-ASCII) written as is.
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `value` as a JSON number: the shortest text that reads back as the same Double ("0.1", "1e-05").
    /// JSON has no NaN or infinity, so a non-finite value is written as `null`.
    public static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    /// `value` as a JSON number, or `null` when it is absent or non-finite.
    public static func number(_ value: Double?) -> String { value.map(number) ?? "null" }

    /// An object from ordered (key, already-encoded value) pairs.
    public static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { string($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    /// An array of already-encoded values.
    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
}
