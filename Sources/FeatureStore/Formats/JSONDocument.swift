import Foundation

/// Reading the JSON documents the tools write (``EtaDocument``, ``AccuracyDocument``,
/// ``ProjectionDocument``, ``PairsDocument``, ``GeometryDocument``; <doc:JSONDocuments>): the
/// format name and version are checked first, by the same rule as an HDF5 file's (``FormatVersion``),
/// then the whole document is decoded once, with `JSONDecoder`, into its `Codable` type, the one its
/// writer encodes (``encodeHeader(format:version:to:)`` writes the two keys first). Every refusal
/// is one ``InputError`` line naming the key at fault (`rows[2].eta_s1: expected a number`).
public enum JSONDocument {
    /// The keys every document starts with.
    /// Each read on its own, so a wrong type is reported as that key's problem, not the document's.
    private struct Header: Decodable {
        var format: String?
        var format_version: Double?
        init(from decoder: any Decoder) throws {
            let keyed = try decoder.container(keyedBy: HeaderKeys.self)
            format = try? keyed.decode(String.self, forKey: .format)
            // `true` is not the number 1 (Foundation on Linux would read it as one).
            if (try? keyed.decode(Bool.self, forKey: .format_version)) == nil {
                format_version = try? keyed.decode(Double.self, forKey: .format_version)
            }
        }
    }

    /// `data` (the contents of `path`) as a `T`, after checking that its `format` is `format` and
    /// its `format_version` one of `supported`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String, format: String,
                                            supported: [Int64] = [1], fix: String? = nil) throws(InputError) -> T {
        // One parse: the header is checked inside the decoding of the whole document, before its body.
        let decoder = JSONDecoder()
        decoder.userInfo[Checked<T>.rule] = Checked<T>.Rule(path: path, format: format, supported: supported, fix: fix)
        do { return try decoder.decode(Checked<T>.self, from: data).body } catch let error as InputError {
            throw error
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw InputError(file: path, object: "file", message: "is not a JSON object", fix: fix)
            }
            if case .typeMismatch(_, let context) = error, context.codingPath.isEmpty {
                throw InputError(file: path, object: "file", message: "is not a JSON object", fix: fix)
            }
            throw located(error, path: path)
        } catch {
            throw InputError(file: path, object: "file", message: "cannot be decoded (\(error))")
        }
    }

    /// A document whose header passed ``check(_:_:)`` before its body was decoded.
    private struct Checked<T: Decodable>: Decodable {
        struct Rule: Sendable { var path: String, format: String, supported: [Int64], fix: String? }
        static var rule: CodingUserInfoKey { CodingUserInfoKey(rawValue: "penultimate.json-document")! }
        var body: T
        init(from decoder: any Decoder) throws {
            guard let rule = decoder.userInfo[Self.rule] as? Rule else {
                throw InputError(file: "?", object: "file", message: "decoded without its format rule")
            }
            try JSONDocument.check(try Header(from: decoder), rule.path, rule.format, rule.supported, rule.fix)
            body = try T(from: decoder)
        }
    }

    private static func check(_ header: Header, _ path: String, _ format: String, _ supported: [Int64], _ fix: String?) throws(InputError) {
        guard header.format == format else {
            throw InputError(file: path, object: "format",
                             message: "is \(header.format.map { "\"\($0)\"" } ?? "missing"), not \"\(format)\"", fix: fix)
        }
        // JSON has one number type: the version must be an integer exactly (1.5 is not read as 1).
        guard let number = header.format_version else {
            throw InputError(file: path, object: "format_version", message: "missing or not a number")
        }
        guard let version = Int64(exactly: number) else {
            throw InputError(file: path, object: "format_version",
                             message: "is \(number); this reader understands \(FormatVersion.words(supported))")
        }
        if let refusal = FormatVersion.refusal(version, supported: supported) {
            throw InputError(file: path, object: "format_version", message: refusal.message, fix: refusal.fix)
        }
    }

    /// The keys every document starts with, written first by each document's `encode(to:)`: the
    /// format name and version are constants of the type, not stored values (the reader checks them
    /// before the body is decoded, so the body's type does not read them).
    public static func encodeHeader(format: String, version: Int64, to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: HeaderKeys.self)
        try keyed.encode(format, forKey: .format)
        try keyed.encode(version, forKey: .format_version)
    }

    private enum HeaderKeys: CodingKey { case format, format_version }

    /// The contents of `path`, or a refusal naming it.
    public static func contents(of path: String) throws(InputError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, object: "file", message: "cannot be read")
        }
        return data
    }

    /// A decoding failure as one line: the key path (`rows[3].top1`) and what was expected there.
    static func located(_ error: DecodingError, path: String) -> InputError {
        func keyPath(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "file" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return InputError(file: path, object: keyPath(context.codingPath + [key]), message: "missing")
        case .valueNotFound(let type, let context):
            return InputError(file: path, object: keyPath(context.codingPath), message: "is null; expected \(name(of: type))")
        case .typeMismatch(let type, let context):
            return InputError(file: path, object: keyPath(context.codingPath), message: "expected \(name(of: type))")
        case .dataCorrupted(let context):
            return InputError(file: path, object: keyPath(context.codingPath),
                              message: context.codingPath.isEmpty ? "is not valid JSON" : "holds a value out of range")
        @unknown default:
            return InputError(file: path, object: "file", message: "cannot be decoded")
        }
    }

    /// "a number", "a string", … for a decoded type.
    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type, is Int.Type, is Int64.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is [Any].Type: return "an array"
        default:
            let text = "\(type)"
            return text.hasPrefix("Array") || text.hasPrefix("[") ? "an array" : text.hasPrefix("Dictionary") ? "an object" : "an object"
        }
    }
}
