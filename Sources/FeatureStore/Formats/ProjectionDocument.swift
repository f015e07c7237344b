import PlainText

/// A projection file in JSON (`penultimate-projection`, version 1): what ``ProjectionFile/jsonText()``
/// writes and ``ProjectionFile/fromJSON(_:path:)`` reads, one type for both. It holds what the HDF5
/// layout holds; ``ProjectionFile`` checks the values (``ProjectionFile/check(path:)``) either way.
///
/// Every Double is read back to the bit (`JSONDecoder`) and written as the shortest text that reads
/// back as the same value (`OrderedJSONEncoder`).
public struct ProjectionDocument: Codable, Sendable, Equatable {
    /// The three classes: ids, display names and indices in the source dump (-1 when unknown).
    public struct Classes: Codable, Sendable, Equatable {
        public var wnid: [String], name: [String], indexInSource: [Int]
        enum CodingKeys: String, CodingKey { case wnid, name, indexInSource = "index_in_source" }
    }

    /// qr-pca: the PCA's mean and two axes in basis coordinates.
    public struct PCA: Codable, Sendable, Equatable {
        public var mean: [Double], axes: [[Double]]
    }

    /// One split's points (`[x, y]`), their classes (0, 1, 2) and sample indices, and the centroids.
    public struct Split: Codable, Sendable, Equatable {
        public var name: String
        public var points: [[Double]]
        public var `class`: [Int]
        public var sampleIndex: [Int64]
        public var centroids: [[Double]]
        enum CodingKeys: String, CodingKey { case name, points, `class`, sampleIndex = "sample_index", centroids }
    }

    /// The source dump's attributes (``ProjectionFile/source``) in the order of
    /// ``ProjectionFile/sourceKeys``; an absent one is left out. Numbers are written as numbers.
    public struct Source: Codable, Sendable, Equatable {
        /// A value as read: text, or a number (kept as the text `String(Double)` gives, as the HDF5 reader does).
        public enum Value: Codable, Sendable, Equatable {
            case text(String), number(Double)

            public init(from decoder: any Decoder) throws {
                let single = try decoder.singleValueContainer()
                if let value = try? single.decode(Double.self) { self = .number(value) } else { self = .text(try single.decode(String.self)) }
            }

            public func encode(to encoder: any Encoder) throws {
                var single = encoder.singleValueContainer()
                switch self {
                case .text(let value): try single.encode(value)
                case .number(let value): try single.encode(value)
                }
            }

            /// The value as ``ProjectionFile/source`` holds it.
            public var text: String {
                switch self {
                case .text(let value): value
                case .number(let value): String(value)
                }
            }
        }
        /// By attribute name without the `source_` prefix.
        public var values: [String: Value]

        /// The source of a ``ProjectionFile``: the numeric attributes as numbers.
        public init(_ source: [String: String]) {
            values = source.mapValues { .text($0) }
            for key in ProjectionFile.numericSourceKeys {
                if let text = source[key], let number = Double(text) { values[key] = .number(number) }
            }
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// A null value is read as an absent one.
        public init(from decoder: any Decoder) throws {
            let keyed = try decoder.container(keyedBy: Key.self)
            values = [:]
            for key in keyed.allKeys { values[key.stringValue] = try keyed.decodeIfPresent(Value.self, forKey: key) }
        }

        public func encode(to encoder: any Encoder) throws {
            var keyed = encoder.container(keyedBy: Key.self)
            for key in ProjectionFile.sourceKeys {
                if let value = values[key] { try keyed.encode(value, forKey: Key(stringValue: key)) }
            }
        }
    }

    /// "muller" or "qr-pca".
    public var method: String
    /// The conventions and provenance objects, kept as written (JSON objects held as text).
    public var conventions: JSONFragment?, provenance: JSONFragment?
    /// The dump the points came from.
    public var sourcePath: String?
    public var source: Source?
    public var classes: Classes
    /// Basis vectors, each of length D+1.
    public var basis: [[Double]]
    /// muller only: the plane's origin.
    public var origin: [Double]?
    /// qr-pca only.
    public var pca: PCA?
    public var splits: [Split]
    enum CodingKeys: String, CodingKey {
        case method, conventions, provenance, sourcePath = "source_path", source, classes, basis, origin, pca, splits
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONDocument.encodeHeader(format: ProjectionFile.formatName, version: ProjectionFile.currentFormatVersion, to: encoder)
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encode(method, forKey: .method)
        try keyed.encodeIfPresent(conventions, forKey: .conventions)
        try keyed.encodeIfPresent(provenance, forKey: .provenance)
        try keyed.encodeIfPresent(sourcePath, forKey: .sourcePath)
        try keyed.encodeIfPresent(source, forKey: .source)
        try keyed.encode(classes, forKey: .classes)
        try keyed.encode(basis, forKey: .basis)
        if let origin { try keyed.encode(origin, forKey: .origin) }
        if let pca { try keyed.encode(pca, forKey: .pca) }
        try keyed.encode(splits, forKey: .splits)
    }
}
