import Foundation
import PlainText
import Testing

/// The encoder every document's writer goes through: keys in encoding order, JSONText's numbers and
/// escapes, absent optionals as null, fragments spliced as they are, and the layouts the committed
/// outputs use.
@Suite struct OrderedJSONEncoderTests {
    struct Inner: Codable, Equatable { var z: Int, a: [Double] }
    struct Outer: Codable, Equatable {
        var zeta: String
        var alpha: Double?
        var inner: Inner
        var list: [Inner]
        var empty: [Int]
        var emptyObject: [String: Int]
        var flag: Bool
        var big: UInt64
        var negative: Int64
    }

    private let outer = Outer(zeta: "q\"uote\\ \n\u{1}α", alpha: nil, inner: Inner(z: 3, a: [0.1, 1e-05, .nan, -.infinity, 3]),
                              list: [Inner(z: -1, a: []), Inner(z: 2, a: [2.5])], empty: [], emptyObject: [:], flag: true,
                              big: .max, negative: .min)

    @Test func keysInCodingKeysOrderNumbersEscapesNullsAndEmptyContainers() throws {
        let text = try OrderedJSONEncoder().encode(outer)
        #expect(text == #"{"zeta": "q\"uote\\ \n\u0001α", "alpha": null, "inner": {"z": 3, "a": [0.1, 1e-05, null, null, 3.0]}, "#
            + #""list": [{"z": -1, "a": []}, {"z": 2, "a": [2.5]}], "empty": [], "emptyObject": {}, "flag": true, "#
            + #""big": 18446744073709551615, "negative": -9223372036854775808}"#)
        // The same text JSONText's pieces give, and JSONDecoder reads it back.
        #expect(try OrderedJSONEncoder().encode(Inner(z: 3, a: [0.1, 2]))
                == JSONText.object([("z", "3"), ("a", JSONText.array([JSONText.number(0.1), JSONText.number(2)]))]))
        var finite = outer
        finite.inner.a = [0.1, 1e-05, 3]
        finite.alpha = 0.30000000000000004
        #expect(try JSONDecoder().decode(Outer.self, from: Data(OrderedJSONEncoder().encode(finite).utf8)) == finite)
    }

    @Test func layouts() throws {
        let value = Inner(z: 1, a: [1, 2])
        #expect(try OrderedJSONEncoder(layout: .compact).encode(value) == #"{"z":1,"a":[1.0,2.0]}"#)
        #expect(try OrderedJSONEncoder(layout: .keysOnLines).encode(value) == "{\n  \"z\": 1,\n  \"a\": [1.0, 2.0]\n}")
        let lines = OrderedJSONEncoder.Layout(lineBreakBefore: ["a"], itemsOnLines: ["a"])
        #expect(try OrderedJSONEncoder(layout: lines).encode(value) == "{\"z\": 1,\n  \"a\": [\n    1.0,\n    2.0\n  ]}")
        #expect(try OrderedJSONEncoder(layout: lines).encode(Inner(z: 1, a: [])) == "{\"z\": 1,\n  \"a\": [\n\n  ]}")
        // Only the top level breaks lines.
        #expect(try OrderedJSONEncoder(layout: .keysOnLines).encode([value]) == #"[{"z": 1, "a": [1.0, 2.0]}]"#)
    }

    /// Arrays named in `itemsOnLines` break at any depth, their items `itemIndent` deeper than
    /// the line they open on (geometry's models and classes; pairs' list, unindented).
    @Test func itemsOnLinesAtAnyDepth() throws {
        struct Group: Codable { var n: Int, a: [Double] }
        struct Top: Codable { var z: Int, a: [Group] }
        let value = Top(z: 1, a: [Group(n: 2, a: [1, 2]), Group(n: 3, a: [])])
        let nested = OrderedJSONEncoder.Layout(lineBreakBefore: ["a"], itemsOnLines: ["a"])
        #expect(try OrderedJSONEncoder(layout: nested).encode(value)
                == "{\"z\": 1,\n  \"a\": [\n    {\"n\": 2, \"a\": [\n      1.0,\n      2.0\n    ]},\n    {\"n\": 3, \"a\": [\n\n    ]}\n  ]}")
        let flush = OrderedJSONEncoder.Layout(itemsOnLines: ["a"], itemIndent: 0)
        #expect(try OrderedJSONEncoder(layout: flush).encode(Inner(z: 1, a: [1, 2])) == "{\"z\": 1, \"a\": [\n1.0,\n2.0\n]}")
    }

    /// A fragment is spliced as it is; decoded, it is compact text with sorted keys.
    @Test func fragments() throws {
        struct Holder: Codable { var raw: JSONFragment?, after: Int }
        let text = try OrderedJSONEncoder().encode(Holder(raw: JSONFragment(#"{"b": 1, "a": [true]}"#), after: 2))
        #expect(text == #"{"raw": {"b": 1, "a": [true]}, "after": 2}"#)
        let back = try JSONDecoder().decode(Holder.self, from: Data(text.utf8))
        #expect(back.raw?.text == #"{"a":[true],"b":1.0}"#)
        #expect(try OrderedJSONEncoder().encode(Holder(raw: nil, after: 2)) == #"{"raw": null, "after": 2}"#)
    }

    /// A JSONValue encodes without throwing, its object pairs in the order given (not sorted).
    @Test func jsonValuesKeepTheirPairOrder() throws {
        let value = JSONValue.object([("b", .number(1)), ("a", .array([.null, .bool(false), .string("x\n")])), ("c", .object([]))])
        #expect(OrderedJSONEncoder().encode(value) == #"{"b": 1.0, "a": [null, false, "x\n"], "c": {}}"#)
        #expect(value.text == #"{"b":1.0,"a":[null,false,"x\n"],"c":{}}"#)
        // The Encodable path gives the same text.
        #expect(try OrderedJSONEncoder().encode([value]) == "[" + OrderedJSONEncoder().encode(value) + "]")
    }

    /// Hand-written conformances: a key written only sometimes, a key written twice (first place,
    /// last value), nested and super encoders, and a class hierarchy through `superEncoder()`.
    @Test func handWrittenConformancesAndSuperEncoders() throws {
        struct Sometimes: Encodable {
            var extra: Int?
            enum Keys: String, CodingKey { case a, extra, b, nested, list }
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: Keys.self)
                try keyed.encode(1, forKey: .a)
                if let extra { try keyed.encode(extra, forKey: .extra) }
                try keyed.encode("x", forKey: .b)
                try keyed.encode(2, forKey: .a)
                var nested = keyed.nestedContainer(keyedBy: Keys.self, forKey: .nested)
                try nested.encodeNil(forKey: .b)
                var list = keyed.nestedUnkeyedContainer(forKey: .list)
                try list.encode(1.5)
                var inner = list.nestedUnkeyedContainer()
                try inner.encode("y")
                try list.encodeNil()
                var first = keyed.superEncoder().singleValueContainer()
                try first.encode(true)
                var second = keyed.superEncoder(forKey: .b).singleValueContainer()
                try second.encode(false)
            }
        }
        #expect(try OrderedJSONEncoder().encode(Sometimes(extra: nil))
                == #"{"a": 2, "b": false, "nested": {"b": null}, "list": [1.5, ["y"], null], "super": true}"#)
        #expect(try OrderedJSONEncoder().encode(Sometimes(extra: 7)).hasPrefix(#"{"a": 2, "extra": 7, "b": false"#))

        class Base: Encodable {
            var id = 1
            enum Keys: CodingKey { case id }
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: Keys.self)
                try keyed.encode(id, forKey: .id)
            }
        }
        final class Derived: Base {
            var name = "d"
            enum MoreKeys: CodingKey { case name }
            override func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: MoreKeys.self)
                try keyed.encode(name, forKey: .name)
                try super.encode(to: keyed.superEncoder())
            }
        }
        #expect(try OrderedJSONEncoder().encode(Derived()) == #"{"name": "d", "super": {"id": 1}}"#)
        // A top-level scalar and a top-level array.
        #expect(try OrderedJSONEncoder().encode(Double.nan) == "null")
        #expect(try OrderedJSONEncoder().encode(["a", "b"]) == #"["a", "b"]"#)
    }
}
