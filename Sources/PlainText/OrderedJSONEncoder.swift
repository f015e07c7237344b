/// Encodes any `Encodable` as JSON text with its keys in the order they are encoded, so that one
/// `Codable` type describes a document for both its writer and its reader.
///
/// `JSONEncoder` cannot write the tools' documents: it does not keep key order, and its number
/// text is not ``JSONText/number(_:)``'s. This encoder writes
/// - keys in the order `encode(to:)` encodes them (a synthesized conformance: the order of
///   `CodingKeys`); a key encoded twice keeps its first place and its last value;
/// - a `Double` (or `Float`) through ``JSONText/number(_:)``: the shortest text that reads back as
///   the same value, `null` for NaN and infinities; integers as their decimal digits;
/// - strings through ``JSONText/string(_:)``;
/// - an absent optional as `null`, also through `encodeIfPresent` (what a synthesized conformance
///   calls): every key a type declares is written, so a document keeps one shape. A key that is
///   written only sometimes is encoded by a hand-written `encode(to:)` with `if let`;
/// - a ``JSONFragment`` (JSON text made elsewhere) as it is;
/// - white space by ``Layout``: `{"a": 1, "b": [1, 2]}` unless a layout says otherwise.
///
/// A new document is a `Codable` struct in `FeatureStore/Formats/`; its writer is
/// `try OrderedJSONEncoder().encode(document) + "\n"`, its reader `JSONDocument.decode`.
public struct OrderedJSONEncoder: Sendable {
    /// Where the top-level object breaks lines; nested values are on one line, except the items of
    /// arrays named in ``itemsOnLines``.
    public struct Layout: Sendable, Equatable {
        /// Separators inside objects and arrays: `", "` and `": "` (false), or `","` and `":"` (true).
        public var compact: Bool
        /// Every top-level key on a line of its own, indented two spaces, the braces on lines of their own.
        public var keysOnLines: Bool
        /// Top-level keys that start a new line, indented two spaces, in an otherwise one-line object.
        public var lineBreakBefore: Set<String>
        /// Arrays, under these keys at any depth, whose items stand one a line, indented
        /// ``itemIndent`` spaces more than the line the array opens on, the closing bracket on a
        /// line of its own indented as that line (a top-level key after a line break: items at
        /// four spaces, the bracket at two).
        public var itemsOnLines: Set<String>
        /// How much deeper than the line an array opens on its items stand (``itemsOnLines``).
        public var itemIndent: Int

        /// A layout; by default everything on one line with `", "` and `": "`.
        public init(compact: Bool = false, keysOnLines: Bool = false, lineBreakBefore: Set<String> = [],
                    itemsOnLines: Set<String> = [], itemIndent: Int = 2) {
            self.compact = compact
            self.keysOnLines = keysOnLines
            self.lineBreakBefore = lineBreakBefore
            self.itemsOnLines = itemsOnLines
            self.itemIndent = itemIndent
        }

        /// `{"a": 1, "b": [1, 2]}`: the layout of ``JSONText/object(_:)`` and ``JSONText/array(_:)``.
        public static let oneLine = Layout()
        /// `{"a":1,"b":[1,2]}`.
        public static let compact = Layout(compact: true)
        /// `{\n  "a": 1,\n  "b": [1, 2]\n}`.
        public static let keysOnLines = Layout(keysOnLines: true)
    }

    /// How the text is laid out.
    public var layout: Layout

    /// An encoder with `layout`.
    public init(layout: Layout = .oneLine) { self.layout = layout }

    /// `value` as JSON text, with no newline at the end (a file adds one).
    public func encode<T: Encodable>(_ value: T) throws -> String {
        let root = Node()
        try root.encode(value)
        return root.text(layout, depth: 0)
    }

    /// `value` as JSON text: a ``JSONValue`` holds nothing that could fail to encode, so this
    /// cannot throw. Objects keep the order of their pairs.
    public func encode(_ value: JSONValue) -> String { Node(value).text(layout, depth: 0) }
}

/// JSON text made elsewhere (a provenance record, a conventions object), written by
/// ``OrderedJSONEncoder`` as it is. Decoding reads any JSON value and keeps it as compact text with
/// sorted keys (the order `JSONDecoder` cannot report), which is what readers compare.
public struct JSONFragment: Codable, Sendable, Equatable {
    /// The JSON text.
    public var text: String

    /// A fragment holding `text`, which must be one JSON value.
    public init(_ text: String) { self.text = text }

    public init(from decoder: any Decoder) throws { text = try JSONValue(from: decoder).text }

    /// Under another encoder: the text as a string.
    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        try single.encode(text)
    }
}

// MARK: - The tree

/// One value being encoded: containers hand out references to their children, so a nested
/// container can still write into its parent after the call that made it has returned.
final class Node {
    enum Value {
        case unset
        case scalar(String)
        case array([Node])
        case object([(key: String, node: Node)])
    }
    var value: Value = .unset

    init() {}

    init(_ json: JSONValue) {
        switch json {
        case .null: value = .scalar("null")
        case .bool(let flag): value = .scalar(flag ? "true" : "false")
        case .number(let number): value = .scalar(JSONText.number(number))
        case .string(let text): value = .scalar(JSONText.string(text))
        case .array(let items): value = .array(items.map(Node.init))
        case .object(let pairs): value = .object(pairs.map { (key: $0.0, node: Node($0.1)) })
        }
    }

    func encode<T: Encodable>(_ item: T) throws {
        if let fragment = item as? JSONFragment {
            value = .scalar(fragment.text)
        } else {
            try item.encode(to: TreeEncoder(node: self))
        }
    }

    /// The child under `key`, made (and placed last) when new.
    func child(_ key: String) -> Node {
        if case .unset = value { value = .object([]) }
        guard case .object(var pairs) = value else { preconditionFailure("a keyed container over a value that is not an object") }
        if let existing = pairs.first(where: { $0.key == key }) { return existing.node }
        let node = Node()
        pairs.append((key, node))
        value = .object(pairs)
        return node
    }

    /// A new last item.
    func append() -> Node {
        if case .unset = value { value = .array([]) }
        guard case .array(var items) = value else { preconditionFailure("an unkeyed container over a value that is not an array") }
        let node = Node()
        items.append(node)
        value = .array(items)
        return node
    }

    var count: Int {
        switch value {
        case .array(let items): items.count
        case .object(let pairs): pairs.count
        default: 0
        }
    }

    /// The text of this value at nesting `depth`, which starts on a line indented `line` spaces.
    func text(_ layout: OrderedJSONEncoder.Layout, depth: Int, line: Int = 0) -> String {
        let comma = layout.compact ? "," : ", ", colon = layout.compact ? ":" : ": "
        switch value {
        case .unset: return "{}"
        case .scalar(let text): return text
        case .array(let items): return "[" + items.map { $0.text(layout, depth: depth + 1, line: line) }.joined(separator: comma) + "]"
        case .object(let pairs):
            func member(_ pair: (key: String, node: Node), line: Int) -> String {
                var text: String
                if layout.itemsOnLines.contains(pair.key), case .array(let items) = pair.node.value {
                    let indent = String(repeating: " ", count: line + layout.itemIndent)
                    text = "[\n" + items.map { indent + $0.text(layout, depth: depth + 2, line: line + layout.itemIndent) }.joined(separator: ",\n")
                        + "\n" + String(repeating: " ", count: line) + "]"
                } else {
                    text = pair.node.text(layout, depth: depth + 1, line: line)
                }
                return JSONText.string(pair.key) + colon + text
            }
            guard depth == 0 else { return "{" + pairs.map { member($0, line: line) }.joined(separator: comma) + "}" }
            if layout.keysOnLines { return "{\n" + pairs.map { "  " + member($0, line: 2) }.joined(separator: ",\n") + "\n}" }
            var text = "{", current = line
            for (i, pair) in pairs.enumerated() {
                if i > 0, layout.lineBreakBefore.contains(pair.key) {
                    text += ",\n  "
                    current = 2
                } else if i > 0 {
                    text += comma
                }
                text += member(pair, line: current)
            }
            return text + "}"
        }
    }
}

/// The `Encoder` handed to each value: it writes into one ``Node``.
private struct TreeEncoder: Encoder {
    let node: Node
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .unset = node.value { node.value = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .unset = node.value { node.value = .array([]) }
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: node, codingPath: codingPath) }
}

/// The scalars, written once for every container kind.
private protocol ScalarWriter {
    /// The node the next value goes to.
    mutating func slot() -> Node
}

extension ScalarWriter {
    mutating func put(text: String) { slot().value = .scalar(text) }
    mutating func putNil() { put(text: "null") }
    mutating func put(_ value: Bool) { put(text: value ? "true" : "false") }
    mutating func put(_ value: String) { put(text: JSONText.string(value)) }
    mutating func put(_ value: Double) { put(text: JSONText.number(value)) }
    mutating func put(_ value: Float) { put(Double(value)) }
    mutating func put<T: BinaryInteger>(integer value: T) { put(text: String(value)) }
    mutating func put<T: Encodable>(value: T) throws { try slot().encode(value) }
}

/// The unkeyed and single-value containers' scalar requirements, which are spelled alike: each
/// writes to the container's next slot.
private protocol PositionalWriter: ScalarWriter {}

extension PositionalWriter {
    mutating func encodeNil() throws { putNil() }
    mutating func encode(_ value: Bool) throws { put(value) }
    mutating func encode(_ value: String) throws { put(value) }
    mutating func encode(_ value: Double) throws { put(value) }
    mutating func encode(_ value: Float) throws { put(value) }
    mutating func encode(_ value: Int) throws { put(integer: value) }
    mutating func encode(_ value: Int8) throws { put(integer: value) }
    mutating func encode(_ value: Int16) throws { put(integer: value) }
    mutating func encode(_ value: Int32) throws { put(integer: value) }
    mutating func encode(_ value: Int64) throws { put(integer: value) }
    mutating func encode(_ value: UInt) throws { put(integer: value) }
    mutating func encode(_ value: UInt8) throws { put(integer: value) }
    mutating func encode(_ value: UInt16) throws { put(integer: value) }
    mutating func encode(_ value: UInt32) throws { put(integer: value) }
    mutating func encode(_ value: UInt64) throws { put(integer: value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try put(value: value) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [any CodingKey]
    private var key: String = ""

    init(node: Node, codingPath: [any CodingKey]) {
        self.node = node
        self.codingPath = codingPath
    }

    private mutating func at(_ key: Key) -> Self {
        var copy = self
        copy.key = key.stringValue
        return copy
    }

    mutating func encodeNil(forKey key: Key) throws { var c = at(key); c.putNil() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { var c = at(key); c.put(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { var c = at(key); c.put(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { var c = at(key); c.put(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { var c = at(key); c.put(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { var c = at(key); c.put(integer: value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { var c = at(key); try c.put(value: value) }

    // An absent optional is written as null (see OrderedJSONEncoder): every overload, because a
    // synthesized conformance calls the one of the property's type.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try value.map { try encode($0, forKey: key) } ?? encodeNil(forKey: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.child("super"), codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key])
    }
}

extension KeyedContainer: ScalarWriter {
    mutating func slot() -> Node { node.child(key) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer, PositionalWriter {
    let node: Node
    var codingPath: [any CodingKey]
    var count: Int { node.count }

    mutating func slot() -> Node { node.append() }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: node.append(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(node: node.append(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.append(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer, PositionalWriter {
    let node: Node
    var codingPath: [any CodingKey]

    mutating func slot() -> Node { node }
}
