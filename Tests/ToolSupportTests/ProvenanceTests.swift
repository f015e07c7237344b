import Foundation
import PlainText
import Testing
@testable import ToolSupport
import TestSupport

@Suite struct ProvenanceTests {
    /// Big inputs record their modification time; it is formatted without ICU, so it must be
    /// what ISO8601DateFormatter writes, for dates across years, leap days and before 1970.
    @Test func modificationTimesAreWhatISO8601DateFormatterWrites() {
        let reference = ISO8601DateFormatter()
        reference.timeZone = TimeZone(identifier: "UTC")
        let dates = [0, 1, 59.999, 951_782_400, 1_709_164_799.5, 1_764_494_344, 4_102_444_800, -1, -86_400.25]
            .map(Date.init(timeIntervalSince1970:))
        for date in dates {
            #expect(Provenance.iso8601UTC(date) == reference.string(from: date), "\(date.timeIntervalSince1970)")
        }
        #expect(Provenance.iso8601UTC(Date(timeIntervalSince1970: 1_764_494_344)) == "2025-11-30T09:19:04Z")
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Two blocks after padding (FIPS 180-2 example).
        #expect(SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func sha256MatchesSha256sum() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/input.bin"
        // Several block boundaries: 0, 55, 56, 63, 64, 65 and a long tail.
        for length in [55, 56, 63, 64, 65, 1000, 100_003] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = try runProcess("/usr/bin/sha256sum", [path])
            let expected = String(result.stdout.prefix(64))
            #expect(SHA256.hexDigest(bytes) == expected, "length \(length)")
        }
    }

    @Test func recordRendersAsJSONAndText() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/classes.txt"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        let date = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)

        // argv[0] is reduced to the tool's name; a small input is identified by content, not time.
        var record = Provenance(tool: "eta", commandLine: ["/x/.build/debug/eta", "--set", "lca-depth>=8", "a b.h5", "it's"])
        try record.addInput(path: path)
        record.setOption("split", "val")
        record.setOption("bootstrap", "1000")
        record.setOption("split", "train")  // replaces, keeps position
        record.setConvention("normalization", "centroid-scale")
        #expect(record.version == PenultimateVersion.string)
        #expect(record.json() == """
        {"tool": "eta", "version": "\(PenultimateVersion.string)", "command_line": ["eta", "--set", "lca-depth>=8", "a b.h5", "it's"], \
        "inputs": [{"path": "\(path)", "size": 3, "modified": null, \
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}], \
        "options": {"split": "train", "bootstrap": "1000"}, "conventions": {"normalization": "centroid-scale"}}
        """)
        // One rendering in every text format: the JSON record on one comment line.
        #expect(record.commentLine(.markdown) == "<!-- provenance: \(record.json()) -->")
        #expect(record.commentLine(.csv) == "# provenance: \(record.json())")
        #expect(record.commentLine(.latex) == "% provenance: \(record.json())")
        // The JSON is valid and round-trips through Foundation's parser.
        let parsed = try JSONSerialization.jsonObject(with: Data(record.json().utf8)) as? [String: Any]
        #expect((parsed?["command_line"] as? [String])?.last == "it's")
    }

    struct Options: RecordedOptions {
        var split = "all", seed: UInt64? = nil
        var recordedOptions: [(name: String, value: String)] {
            [("split", split)] + (seed.map { [("seed", "\($0)")] } ?? [])
        }
    }

    @Test func recordedOptionsAreTheOptionsOfTheRecord() {
        let record = Provenance(tool: "eta", options: Options(seed: 7), commandLine: ["eta"])
        #expect(record.options.map(\.name) == ["split", "seed"] && record.options.map(\.value) == ["all", "7"])
        var again = record
        again.record(Options(split: "val"))  // replaces in place, leaves the others
        #expect(again.options.map(\.value) == ["val", "7"])
    }

    @Test func textReportsFrameTheBodyTheSameWayInEveryFormat() {
        let record = Provenance(tool: "t", options: Options(), commandLine: ["t"])
        let line = record.json()
        #expect(record.framing("| a |\n", notes: ["unit: percent"], format: .markdown)
                == "unit: percent\n<!-- provenance: \(line) -->\n\n| a |\n")
        #expect(record.framing("a\n", notes: ["unit: percent"], format: .csv) == "# unit: percent\n# provenance: \(line)\n\na\n")
        #expect(record.framing("x\n", format: .latex) == "% provenance: \(line)\n\nx\n")
    }

    @Test func largeInputIsIdentifiedBySizeAndTime() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/large.bin"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(Provenance.digestSizeLimit + 1))
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)], ofItemAtPath: path)
        let input = try Provenance.describe(path: path)
        #expect(input.sha256 == nil)
        #expect(input.modified == "2023-11-14T22:13:20Z")
    }

    @Test func missingInputIsBadInput() {
        var record = Provenance(tool: "t", commandLine: [])
        #expect(throws: ToolError.self) { try record.addInput(path: "/nonexistent/\(UUID().uuidString)") }
        #expect(JSONText.string("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
    }
}
