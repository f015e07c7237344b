/// Any JSON value, for the parts of a document that are kept as they were written rather than read
/// field by field (a projection file's `conventions` and `provenance` objects).
public indirect enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys sorted: `JSONDecoder` does not report the order they were written in.
    case object([(String, JSONValue)])

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(try keyed.allKeys.map(\.stringValue).sorted().map { key in
                (key, try keyed.decode(JSONValue.self, forKey: AnyKey(stringValue: key)))
            })
            return
        }
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !list.isAtEnd { items.append(try list.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null }
        else if let value = try? single.decode(Bool.self) { self = .bool(value) }
        else if let value = try? single.decode(Double.self) { self = .number(value) }
        else { self = .string(try single.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .number(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .string(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .array(let items):
            var list = encoder.unkeyedContainer()
            for item in items { try list.encode(item) }
        case .object(let pairs):
            var keyed = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in pairs { try keyed.encode(value, forKey: AnyKey(stringValue: key)) }
        }
    }

    /// The value as compact JSON text (numbers in ``JSONText``'s shortest round-trip form).
    public var text: String { OrderedJSONEncoder(layout: .compact).encode(self) }

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.text == b.text }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
