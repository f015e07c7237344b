import FeatureStore
import Foundation
import Penultimate
import PlainText
import Testing
import TestSupport

/// The JSON documents the tools write and read back (`penultimate-eta`, `penultimate-accuracy`,
/// `penultimate-projection`): one `Codable` type each, read through ``JSONDocument``, which checks
/// the format and version by the rule HDF5 files follow and refuses a bad document in one line
/// naming the key.
@Suite struct JSONDocumentTests {
    private func write(_ text: String, _ name: String) throws -> String {
        let path = try temporaryDirectory(prefix: "json-documents") + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func refusal(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "accepted"
    }

    /// `plot --eta` reads what `eta` writes: every row's η, interval ends and temperatures come back
    /// bit for bit.
    @Test func etaJSONReadsBackThroughTheChartReader() throws {
        let dir = try temporaryDirectory(prefix: "json-documents")
        let a = try ModelInput(paths: [try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)])
        let b = try ModelInput(paths: [try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2)])
        let request = EtaRequest(splits: ["train", "val"], targets: ["0", "3"], s1: .explicit(["1"]), s2: .explicit(["2"]))
        let report = try EtaReport.compute(t1: a, t2: [b], request: request, classes: try etaClasses(a), showProgress: false)
        for percent in [false, true] {
            let path = dir + "/eta\(percent).json"
            try (try report.json(EtaRenderOptions(percent: percent), provenance: nil)).write(toFile: path, atomically: true, encoding: .utf8)
            let data = try EtaChartData.read(path: path)
            let factor = percent ? 100.0 : 1.0
            #expect(data.unit == (percent ? "percent" : "fraction") && data.skipped == 0)
            #expect(data.rows.map(\.etaS1) == report.rows.map { $0.etaS1 * factor })
            #expect(data.rows.map(\.etaS2) == report.rows.map { $0.etaS2 * factor })
            #expect(data.rows.map(\.target) == report.rows.map(\.targetID))
            #expect(data.rows.map(\.targetName) == report.rows.map(\.targetName))
            #expect(data.rows.map(\.split) == report.rows.map(\.split))
            #expect(data.rows.allSatisfy { $0.t1 == 1 && $0.t2 == 3 && $0.ciS1 == nil })
        }
    }

    /// Each refusal is one line: the file, the key path, what is wrong.
    @Test func badDocumentsAreRefusedInOneLineNamingTheKey() throws {
        let eta = #"{"format": "penultimate-eta", "format_version": 1, "rows": ["#
        let row = #""target": "n1", "split": "val", "eta_s1": -0.5, "eta_s2": 0.25"#
        let cases: [(String, String)] = [
            ("not json", "file: is not a JSON object"),
            (#"[1, 2]"#, "file: is not a JSON object"),
            (#"{"format": "penultimate-accuracy", "format_version": 1, "rows": []}"#, #"format: is "penultimate-accuracy", not "penultimate-eta""#),
            (#"{"format_version": 1, "rows": []}"#, #"format: is missing, not "penultimate-eta""#),
            (#"{"format": "penultimate-eta", "rows": []}"#, "format_version: missing or not a number"),
            (#"{"format": "penultimate-eta", "format_version": "1", "rows": []}"#, "format_version: missing or not a number"),
            (#"{"format": "penultimate-eta", "format_version": true, "rows": []}"#, "format_version: missing or not a number"),
            (#"{"format": "penultimate-eta", "format_version": 1.5, "rows": []}"#, "format_version: is 1.5; this reader understands version 1"),
            (#"{"format": "penultimate-eta", "format_version": 2, "rows": []}"#, "format_version: is 2; this reader understands version 1; upgrade penultimate"),
            (#"{"format": "penultimate-eta", "format_version": 0, "rows": []}"#, "format_version: is 0; this reader understands version 1; write the file again with this version"),
            (#"{"format": "penultimate-eta", "format_version": 1}"#, "rows: missing"),
            (#"{"format": "penultimate-eta", "format_version": 1, "rows": {}}"#, "rows: expected an array"),
            (eta + "{" + row + "}, {\"split\": \"val\"}]}", "rows[1].target: missing"),
            (eta + #"{"target": 7, "split": "val"}]}"#, "rows[0].target: expected a string"),
            (eta + "{" + row + #", "t1": "one"}]}"#, "rows[0].t1: expected a number"),
            (eta + #"{"target": "n1", "split": "val", "eta_s1": null, "eta_s2": 1}]}"#, "rows: no row has both η values"),
        ]
        for (text, expected) in cases {
            let path = try write(text, "eta.json")
            #expect(refusal { _ = try EtaChartData.read(path: path) } == path + ": " + expected, "\(text)")
        }
        let accuracy = #"{"format": "penultimate-accuracy", "format_version": 1, "rows": [{"role": "teacher", "#
        for (text, expected) in [
            (accuracy + #""split": "val"}]}"#, "rows[0].top1: missing"),
            (accuracy + #""top1": null}]}"#, "rows[0].top1: is null; expected a number"),
            (accuracy + #""top1": "76.1"}]}"#, "rows[0].top1: expected a number"),
        ] {
            let path = try write(text, "acc.json")
            #expect(refusal { _ = try AccuracyChartData.read(path: path) } == path + ": " + expected, "\(text)")
        }
        #expect(refusal { _ = try EtaChartData.read(path: "/nonexistent/eta.json") } == "/nonexistent/eta.json: file: cannot be read")
    }

    /// A projection JSON file: a wrong key type or an unknown method is refused in one line; the
    /// embedded conventions and provenance objects are kept as compact JSON with sorted keys.
    @Test func projectionJSONRefusalsAndEmbeddedObjects() throws {
        let base = #"{"format": "penultimate-projection", "format_version": 1, "method": "muller", "#
        for (text, expected) in [
            (base + #""classes": {"wnid": ["a", "b", "c"]}}"#, "classes.name: missing"),
            (base + #""classes": {"wnid": ["a", "b", "c"], "name": ["a", "b", "c"], "index_in_source": [0, 1, "2"]}}"#,
             "classes.index_in_source[2]: expected a number"),
            (#"{"format": "penultimate-projection", "format_version": 1, "method": "tsne"}"#, "classes: missing"),
            (#"{"format": "penultimate-projection", "format_version": 3}"#, "format_version: is 3; this reader understands version 1; upgrade penultimate"),
            (#"{"format": "penultimate-eta", "format_version": 1}"#, #"format: is "penultimate-eta", not "penultimate-projection"; pass a file written by project"#),
        ] {
            let path = try write(text, "p.json")
            #expect(refusal { _ = try ProjectionFile.read(path: path) } == path + ": " + expected, "\(text)")
        }
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"b": [1, 2.5, true, null, "x\"y"], "a": {"c": 1e-05}}"#.utf8))
        #expect(value.text == #"{"a":{"c":1e-05},"b":[1.0,2.5,true,null,"x\"y"]}"#)
    }

    /// The checks anyone can run: no untyped JSON and no `try!` outside encoding the program's own
    /// constants anywhere in Sources, and no HDF5 in PenultimateKit (the formats live in FeatureStore).
    @Test func sourcesHoldNoUntypedJSONAndNoForcedTry() throws {
        let root = packageRoot + "/Sources"
        let files = try #require(FileManager.default.enumerator(atPath: root)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var untyped: [String] = [], forced: [String] = [], hdf5: [String] = [], handBuilt: [String] = []
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if code.contains("String: Any]") || code.contains("JSONSerialization") { untyped.append("\(file):\(n + 1)") }
                // Encoding the program's own configuration (Codable structs of plain values) cannot fail.
                if code.contains("try!") && !code.contains("try! encoder.encode(") { forced.append("\(file):\(n + 1)") }
                if file.hasPrefix("PenultimateKit/") && line.contains("import HDF5") { hdf5.append("\(file):\(n + 1)") }
                // Documents are Codable types written through OrderedJSONEncoder; only PlainText's own
                // pieces and ToolSupport's records (provenance, tables) still join JSON text.
                if (code.contains("JSONText.object(") || code.contains("JSONText.array(")),
                   !file.hasPrefix("PlainText/"), !file.hasPrefix("ToolSupport/") {
                    handBuilt.append("\(file):\(n + 1)")
                }
            }
        }
        #expect(untyped.isEmpty, "untyped JSON at \(untyped)")
        #expect(forced.isEmpty, "try! at \(forced)")
        #expect(hdf5.isEmpty, "PenultimateKit imports HDF5 at \(hdf5)")
        #expect(handBuilt.isEmpty, "JSON text joined by hand at \(handBuilt)")
        #expect(files.contains { $0.hasPrefix("PenultimateKit/") } && files.contains("FeatureStore/Formats/CentroidFile.swift"))
    }
}
