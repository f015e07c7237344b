import Foundation
import Testing
@testable import Figures
import TestSupport

@Suite struct PNGCodecTests {
    /// 3 × 2 pixels with distinct colours and alphas survive encode → decode exactly.
    @Test func encodeDecodeRoundTripIsLossless() throws {
        let rgba: [UInt8] = [
            255, 0, 0, 255,   0, 255, 0, 128,   0, 0, 255, 0,
            10, 20, 30, 40,   200, 100, 50, 255, 1, 2, 3, 4,
        ]
        let bytes = try PNGEncoder.encode(rgba: rgba, width: 3, height: 2, dpi: 300,
                                        texts: [("Software", "penultimate"), ("provenance", #"{"a":"b"}"#)])
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let image = try PNGImage.decode(bytes)
        #expect(image.width == 3 && image.height == 2)
        #expect(image.rgba == rgba)
        // 300 dpi = 11811.02 px/m, stored rounded as 11811 → 299.9994 dpi.
        let dpi = try #require(image.dpi)
        #expect(abs(dpi - 300) < 0.01)
        #expect(image.texts.map(\.key) == ["Software", "provenance"])
        #expect(image.text("provenance") == #"{"a":"b"}"#)
    }

    /// Non-ASCII values go through iTXt and come back as the same UTF-8.
    @Test func nonASCIITextRoundTrips() throws {
        let value = "η(S₁) = −0.392 · 日本"
        let bytes = try PNGEncoder.encode(rgba: [0, 0, 0, 255], width: 1, height: 1, dpi: 72,
                                        texts: [("Comment", value)])
        #expect(try PNGImage.decode(bytes).text("Comment") == value)
    }

    @Test func decodesFromFile() throws {
        let bytes = try PNGEncoder.encode(rgba: [9, 8, 7, 255], width: 1, height: 1, dpi: 96, texts: [])
        let path = (try temporaryDirectory(prefix: "figures") as NSString).appendingPathComponent("codec.png")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let image = try PNGImage.decode(path: path)
        #expect(image.rgba == [9, 8, 7, 255])
        #expect(abs((image.dpi ?? 0) - 96) < 0.02)
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: PNGDecodeError.self) { try PNGImage.decode([1, 2, 3]) }
        // A valid signature followed by garbage: libpng's error must come back as a Swift error.
        #expect(throws: PNGDecodeError.self) { try PNGImage.decode([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 1, 2]) }
        #expect(throws: PNGDecodeError.self) { try PNGImage.decode(path: "/nonexistent/figure.png") }
        #expect(throws: FigureError.self) { try PNGEncoder.encode(rgba: [0, 0, 0], width: 1, height: 1, dpi: 72, texts: []) }
        #expect(throws: FigureError.invalidProvenanceKey("")) {
            try PNGEncoder.encode(rgba: [0, 0, 0, 255], width: 1, height: 1, dpi: 72, texts: [("", "x")])
        }
        let longKey = String(repeating: "k", count: 80)
        #expect(throws: FigureError.invalidProvenanceKey(longKey)) {
            try PNGEncoder.encode(rgba: [0, 0, 0, 255], width: 1, height: 1, dpi: 72, texts: [(longKey, "x")])
        }
    }

    /// Truncated PNG data (every prefix of a real file) never crashes the decoder.
    @Test func truncatedDataThrows() throws {
        let bytes = try PNGEncoder.encode(rgba: [UInt8](repeating: 77, count: 16 * 16 * 4), width: 16, height: 16,
                                        dpi: 72, texts: [("k", "v")])
        for cut in stride(from: 8, to: bytes.count - 12, by: 7) {
            #expect(throws: PNGDecodeError.self) { try PNGImage.decode(Array(bytes.prefix(cut))) }
        }
    }
}
