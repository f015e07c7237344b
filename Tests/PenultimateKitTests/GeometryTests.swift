import FeatureStore
import Foundation
import Penultimate
import Testing
import TestSupport

/// `geometry` as a workflow on the committed fixtures, and its JSON document written and read back.
@Suite struct GeometryTests {
    static let fixture = packageRoot + "/Fixtures/minilab/teacher-ls0.1.h5"

    private func measure(_ request: GeometryRequest) throws -> GeometryDocument {
        var provenance = Provenance(tool: "geometry", commandLine: ["geometry"])
        return try request.run(hierarchy: { try WordNet(directory: nil) }, provenance: &provenance, showProgress: false)
    }

    /// What `geometry` writes, `GeometryDocument.read` gives back field for field (numbers bit for
    /// bit: JSONText writes the shortest round-trip form), and the Codable form (for an encoder)
    /// decodes to the same document.
    @Test func jsonRoundTrip() throws {
        let document = try measure(GeometryRequest(paths: [Self.fixture], splits: ["val"]))
        #expect(document.models.count == 1 && document.models[0].classes.count == 40)
        let dir = try temporaryDirectory(prefix: "geometry-json")
        let path = dir + "/g.json"
        try document.json(provenance: "{\"tool\": \"geometry\"}").write(toFile: path, atomically: true, encoding: .utf8)
        var back = try GeometryDocument.read(path: path)
        #expect(back.provenance != nil)
        back.provenance = nil
        #expect(back == document)
        let encoded = try JSONEncoder().encode(document)
        #expect(try JSONDocument.decode(GeometryDocument.self, from: encoded, path: "encoded", format: GeometryDocument.formatName) == document)
    }

    @Test func classSubsetIsTheUniverse() throws {
        let all = try measure(GeometryRequest(paths: [Self.fixture], splits: ["train"]))
        let some = try measure(GeometryRequest(paths: [Self.fixture], splits: ["train"], classes: ["0", "golden retriever", "n01728572"]))
        let ids = some.models[0].classes.map(\.classID)
        #expect(ids.count == 3 && Set(some.models[0].classes.compactMap(\.nearest)).isSubset(of: Set(ids)))
        // A class's spread does not depend on the universe; its nearest may.
        for row in some.models[0].classes {
            let full = try #require(all.models[0].classes.first { $0.classID == row.classID })
            #expect(row.spread == full.spread && row.rows == full.rows)
            #expect(row.nearestDistance! >= full.nearestDistance!)
        }
    }

    /// Documents no `geometry` run writes are refused in one line naming the key.
    @Test func badDocumentsAreRefused() throws {
        let document = try measure(GeometryRequest(paths: [Self.fixture], splits: ["val"]))
        let good = try document.json(provenance: "null")
        let dir = try temporaryDirectory(prefix: "geometry-json")
        let cases: [(String, String, String)] = [
            ("format", good.replacingOccurrences(of: "penultimate-geometry", with: "penultimate-eta"), "format"),
            ("version", good.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2"), "format_version"),
            ("spread", good.replacingOccurrences(of: "\"spread\": ", with: "\"spread\": -"), "spread"),
            ("nullSpread", good.replacingOccurrences(of: #""spread": [0-9.e-]+"#, with: "\"spread\": null", options: .regularExpression), "spread"),
            ("models", good.replacingOccurrences(of: #""models": \[[\s\S]*\]\}"#, with: "\"models\": []}", options: .regularExpression), "models"),
        ]
        for (name, text, key) in cases {
            let path = dir + "/\(name).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try GeometryDocument.read(path: path)
                Issue.record("\(name): accepted")
            } catch {
                #expect("\(error)".contains(key) && "\(error)".contains(path), "\(name): \(error)")
            }
        }
    }
}
