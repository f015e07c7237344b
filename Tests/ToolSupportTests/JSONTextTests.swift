import Foundation
import PlainText
import Testing
import ToolSupport

/// JSONText is what every tool's JSON goes through: escapes, numbers, and the fixed key order.
@Suite struct JSONTextTests {
    @Test func stringsEscapeQuotesBackslashesAndControlCharacters() {
        #expect(JSONText.string("tab\there\r") == #""tab\there\r""#)
        #expect(JSONText.string("\u{1f}") == #""\u001f""#)
        // Non-ASCII and slashes are written as they are.
        #expect(JSONText.string("α/η") == "\"α/η\"")
    }

    /// One CSV field rule for tables and projection files: a comma, a quote or a line break quotes
    /// the field (a name with a newline used to split a projection CSV's record in two).
    @Test func csvFieldsQuoteCommasQuotesAndLineBreaks() {
        #expect(CSVText.field("plain name") == "plain name")
        #expect(CSVText.field("a,b") == #""a,b""#)
        #expect(CSVText.field(#"say "hi""#) == #""say ""hi""""#)
        #expect(CSVText.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVText.field("cr\r") == "\"cr\r\"")
        #expect(CSVText.field("crlf\r\n") == "\"crlf\r\n\"")
    }

    @Test func numbersAreShortestRoundTripTextAndNonFiniteIsNull() {
        #expect(JSONText.number(0.1) == "0.1")
        #expect(JSONText.number(3) == "3.0")
        #expect(JSONText.number(1e-5) == "1e-05")
        #expect(JSONText.number(-2.5) == "-2.5")
        #expect(JSONText.number(Double.nan) == "null")
        #expect(JSONText.number(Double.infinity) == "null")
        #expect(JSONText.number(-Double.infinity) == "null")
        #expect(JSONText.number(Double?.none) == "null")
        #expect(JSONText.number(Double?.some(0.25)) == "0.25")
    }

    @Test func objectsKeepKeyOrderAndParseBack() throws {
        let text = JSONText.object([
            ("z", JSONText.number(1.5)), ("a", JSONText.array([JSONText.string("x\"y"), JSONText.number(.nan)])),
        ])
        #expect(text == #"{"z": 1.5, "a": ["x\"y", null]}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["z"] as? Double == 1.5)
        let items = try #require(parsed["a"] as? [Any])
        #expect(items.first as? String == "x\"y")
        #expect(items.last is NSNull)
    }
}
