import Foundation
import Testing
@testable import Figures
import TestSupport

/// Runs a python3 script that needs only the standard library (an independent reader or writer:
/// no numpy, no libpng), returning its exit status and stdout.
func runStandardPython(_ script: String, _ arguments: [String]) throws -> ProcessResult {
    try runProcess("/usr/bin/env", ["python3", "-c", script] + arguments)
}

/// Checks our PNG bytes with an independent reader (python's zlib + struct, no libpng).
@Suite struct PythonCrossCheckTests {
    static let chunkReader = """
    import sys, struct, zlib, json
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
    pos, out, idat = 8, {'text': {}}, b''
    while pos < len(data):
        n, = struct.unpack('>I', data[pos:pos+4]); kind = data[pos+4:pos+8]; body = data[pos+8:pos+8+n]
        crc, = struct.unpack('>I', data[pos+8+n:pos+12+n])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b'IHDR': out['ihdr'] = list(struct.unpack('>IIBBBBB', body))
        if kind == b'pHYs': out['phys'] = list(struct.unpack('>IIB', body))
        if kind == b'tEXt': k, v = body.split(b'\\0', 1); out['text'][k.decode('latin-1')] = v.decode('latin-1')
        if kind == b'iTXt':
            k, rest = body.split(b'\\0', 1); rest = rest[2:]; _, rest = rest.split(b'\\0', 1); _, v = rest.split(b'\\0', 1)
            out['text'][k.decode('latin-1')] = v.decode('utf-8')
        if kind == b'tIME': out['time'] = True
        if kind == b'IDAT': idat += body
        pos += 12 + n
    w, h = out['ihdr'][:2]
    raw = zlib.decompress(idat)
    assert len(raw) == h * (1 + 4 * w), (len(raw), w, h)
    out['filters'] = sorted(set(raw[r * (1 + 4 * w)] for r in range(h)))
    print(json.dumps(out, sort_keys=True))
    """

    @Test func independentReaderSeesOurChunks() throws {
        let figure = FigureRenderTests.smallScatter(dpi: 120)
        let json = #"{"input":"dump.h5","η":"−0.392"}"#
        let bytes = try figure.render(format: .png, provenance: ["provenance": json, "Software": "penultimate"])
        let dir = try temporaryDirectory(prefix: "figures-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/scatter.png"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try runStandardPython(Self.chunkReader, [path])
        #expect(reader.status == 0)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(reader.stdout.utf8)) as? [String: Any])
        // IHDR: 720 × 360, 8-bit, colour type 6 (RGBA), no interlace.
        #expect(parsed["ihdr"] as? [Int] == [720, 360, 8, 6, 0, 0, 0])
        // 120 dpi = 4724.4 px/m → 4724, unit 1 (metre).
        #expect(parsed["phys"] as? [Int] == [4724, 4724, 1])
        let texts = try #require(parsed["text"] as? [String: String])
        #expect(texts == ["provenance": json, "Software": "penultimate"])
        #expect(parsed["time"] == nil)
    }

    /// A 16-bit greyscale PNG written by python decodes to the expected RGBA8.
    @Test func decodesSixteenBitGreyFromAnotherWriter() throws {
        let writer = """
        import sys, struct, zlib
        def chunk(kind, body): return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
        rows = b''.join(b'\\0' + b''.join(struct.pack('>H', v) for v in row) for row in [[0, 65535], [32896, 4112]])
        png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 2, 2, 16, 0, 0, 0, 0)) \\
            + chunk(b'tEXt', b'Title\\0grey') + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')
        open(sys.argv[1], 'wb').write(png)
        """
        let dir = try temporaryDirectory(prefix: "figures-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/grey.png"
        #expect(try runStandardPython(writer, [path]).status == 0)
        let image = try PNGImage.decode(path: path)
        #expect(image.width == 2 && image.height == 2)
        // 16 → 8 bits keeps the high byte: 0, 255, 128 (0x8080), 16 (0x1010).
        #expect(image.rgba == [0, 0, 0, 255, 255, 255, 255, 255, 128, 128, 128, 255, 16, 16, 16, 255])
        #expect(image.dpi == nil)
        #expect(image.text("Title") == "grey")
    }
}
