import FeatureStore
import Foundation
import Penultimate
import PlainText
import Testing
import TestSupport

/// One `Codable` type per JSON document, shared by its writer and its reader: what a writer
/// writes reads back equal, and the committed notebook outputs decode and re-encode to the same
/// bytes (the notebook rerun compares them byte for byte).
@Suite struct DocumentRoundTripTests {
    /// A fragment as a reader gives it back: compact, keys sorted.
    private func normalised(_ fragment: JSONFragment?) throws -> JSONFragment? {
        try fragment.map { JSONFragment(try JSONDecoder().decode(JSONValue.self, from: Data($0.text.utf8)).text) }
    }

    /// The JSON object after `"key": ` in `text`, as written (the raw provenance record, which a
    /// decoder can only give back normalised).
    private func rawObject(of key: String, in text: String) throws -> String {
        let start = try #require(text.range(of: "\"\(key)\": {")).upperBound
        var depth = 1, inString = false, escaped = false
        var index = start
        while depth > 0 {
            let c = text[index]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "{" {
                depth += 1
            } else if c == "}" {
                depth -= 1
            }
            index = text.index(after: index)
        }
        return "{" + String(text[start..<index])
    }

    @Test func etaReportsReadBackEqual() throws {
        let dir = try temporaryDirectory(prefix: "document-round-trip")
        let a = try ModelInput(paths: [try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)])
        let b = try ModelInput(paths: [try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2)])
        // A class without rows: skipped targets and a classes_without_rows entry.
        let c = try ModelInput(paths: [try writeEtaDump(dir + "/c.h5", temperature: 5, seed: 3, emptyClass: 7)])
        let requests = [
            EtaRequest(splits: ["train", "val"], targets: ["0", "3"], s1: .explicit(["1"]), s2: .explicit(["2"]),
                       bootstrapReplicates: 20, seed: 7),
            EtaRequest(splits: ["val"], targets: ["all"]),
        ]
        for (k, request) in requests.enumerated() {
            let report = try EtaReport.compute(t1: a, t2: k == 0 ? [b] : [b, c], request: request, classes: try etaClasses(a),
                                               showProgress: false)
            for percent in [false, true] {
                let provenance = Provenance(tool: "eta", commandLine: ["eta", "--t1", "a.h5"])
                let document = try report.document(EtaRenderOptions(percent: percent), provenance: provenance)
                let path = dir + "/eta-\(k)-\(percent).json"
                try document.text().write(toFile: path, atomically: true, encoding: .utf8)
                var expected = document
                expected.provenance = try normalised(document.provenance)
                #expect(try EtaDocument.read(path: path) == expected)
                // The text is what json(...) writes, and the writer's layout: one line.
                #expect(try report.json(EtaRenderOptions(percent: percent), provenance: provenance) == document.text())
                #expect(try document.text().filter { $0 == "\n" }.count == 1)
            }
            let document = try report.document(EtaRenderOptions(), provenance: nil)
            #expect((document.summary != nil) == (k == 1) && (document.t2Sweep?.count ?? 0) == (k == 1 ? 2 : 0))
            #expect((document.summary?.skipped.isEmpty == false) == (k == 1))
            #expect(document.conventions?.classesWithoutRows?.isEmpty == (k == 0))
            #expect(document.rows.allSatisfy { ($0.ciS1 != nil) == (k == 0) })
            #expect(try document.text().contains(#""provenance": null, "conventions": {"#))
        }
    }

    @Test func accuracyDocumentsReadBackEqual() throws {
        let dir = try temporaryDirectory(prefix: "document-round-trip")
        let teacher = ModelDescription(model: "r18", role: .teacher, lsAlpha: 0.1, teacherLSAlpha: nil, kdTemperature: nil)
        let student = ModelDescription(model: "r18", role: .student, lsAlpha: 0, teacherLSAlpha: 0.1, kdTemperature: 3)
        let document = AccuracyDocument(provenance: JSONFragment(#"{"tool": "accuracy"}"#), rows: [
            AccuracyDocument.Row(path: "t.h5", teacher, split: "val", top1: 76.25, top5: 93.125, topK: 5, rows: 800),
            AccuracyDocument.Row(path: "s.h5", student, split: "val", top1: 1.0 / 3, top5: 100, topK: 3, rows: 3),
        ])
        let text = try document.text()
        #expect(text == """
            {"format": "penultimate-accuracy", "format_version": 1,
              "provenance": {"tool": "accuracy"},
              "rows": [
                {"path": "t.h5", "model": "r18", "role": "teacher", "ls_alpha": 0.1, "teacher_ls_alpha": null, "kd_temperature": null, "split": "val", "top1": 76.25, "top5": 93.125, "top_k": 5, "rows": 800},
                {"path": "s.h5", "model": "r18", "role": "student", "ls_alpha": 0.0, "teacher_ls_alpha": 0.1, "kd_temperature": 3.0, "split": "val", "top1": 0.3333333333333333, "top5": 100.0, "top_k": 3, "rows": 3}
              ]}

            """)
        let path = dir + "/accuracy.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var expected = document
        expected.provenance = try normalised(document.provenance)
        #expect(try AccuracyDocument.read(path: path) == expected)
    }

    /// `eta pairs`' document: written through the encoder, read back equal; the keys written only
    /// sometimes (coverage, skipped rows, the pair list) and null numbers, in the file's layout.
    @Test func pairsDocumentsReadBackEqual() throws {
        let dir = try temporaryDirectory(prefix: "document-round-trip")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2, emptyClass: 4)
        let t1 = try ModelInput(paths: [a]), t2 = try ModelInput(paths: [b])
        let classes = try etaClasses(t1)
        let provenance = Provenance(tool: "eta", commandLine: ["eta", "pairs", "--t1", "a.h5"])
        for request in [PairsRequest(split: "val", bootstrapReplicates: 20, seed: 3), PairsRequest(split: "train", grouping: .path)] {
            let report = try PairsReport.compute(t1: t1, t2: t2, request: request, classes: classes,
                                                 hierarchy: try classes.hierarchyForRelatedness(), showProgress: false)
            let document = report.document(provenance: provenance)
            #expect(document.conventions.classes_without_rows.count == 1 && document.pairs?.count == 55)
            #expect((document.conventions.bootstrap != nil) == (request.bootstrapReplicates != nil))
            let text = try report.json(provenance: provenance)
            #expect(text == (try document.text()))
            // One line, and one a line for each pair.
            #expect(text.filter { $0 == "\n" }.count == 55 + 2)
            let path = dir + "/pairs-\(request.split).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            var expected = document
            expected.provenance = try normalised(document.provenance)
            #expect(try PairsDocument.read(path: path) == expected)
        }

        let student = ModelDescription(model: "r18", role: .student, lsAlpha: 0, teacherLSAlpha: 0.1, kdTemperature: 1)
        var hot = student
        hot.kdTemperature = 3
        var document = PairsDocument(
            tool: "eta", version: "0.1.0", provenance: JSONFragment(#"{"tool": "eta"}"#),
            conventions: PairsDocument.Conventions(
                normalize: "centroid-scale", unit: "fraction", split: "val", by: "lca-depth", relatedness: "r", scale_t1: 2.5,
                scale_t2: .nan, classes: 3, bootstrap: nil,
                classes_without_rows: [PairsDocument.Excluded(path: "b.h5", split: "val", classes: ["n3"])],
                coverage: [PairsDocument.Coverage(path: "a.h5", summary: "2 of 3 shards")],
                skipped_rows: [PairsDocument.SkippedRows(path: "b.h5", rows: 4)]),
            t1: EtaDocument.Model(path: "a.h5", student), t2: EtaDocument.Model(path: "b.h5", hot), pair_count: 1,
            groups: [PairsDocument.Group(by: "lca-depth", value: nil, pairs: 1, mean_change: 0.25, median_change: 0.25, lower: nil, upper: nil)],
            pairs: [PairsDocument.Pair(a: "n1", b: "n2", lca_depth: nil, path: nil, d1: 1, d2: 1.25, change: .infinity)])
        let model = #"{"path": "a.h5", "model": "r18", "role": "student", "ls_alpha": 0.0, "kd_temperature": 1.0, "teacher_ls_alpha": 0.1}"#
        #expect(try document.text() == #"{"format": "penultimate-pairs", "format_version": 1, "tool": "eta", "version": "0.1.0", "#
            + #""provenance": {"tool": "eta"}, "conventions": {"normalize": "centroid-scale", "unit": "fraction", "split": "val", "#
            + #""by": "lca-depth", "relatedness": "r", "scale_t1": 2.5, "scale_t2": null, "classes": 3, "bootstrap": null, "#
            + #""classes_without_rows": [{"path": "b.h5", "split": "val", "classes": ["n3"]}], "#
            + #""coverage": [{"path": "a.h5", "summary": "2 of 3 shards"}], "skipped_rows": [{"path": "b.h5", "rows": 4}]}, "#
            + #""t1": \#(model), "t2": \#(model.replacingOccurrences(of: "a.h5", with: "b.h5").replacingOccurrences(of: "1.0", with: "3.0")), "#
            + #""pair_count": 1, "groups": [{"by": "lca-depth", "value": null, "pairs": 1, "mean_change": 0.25, "median_change": 0.25, "#
            + #""lower": null, "upper": null}], "pairs": ["# + "\n"
            + #"{"a": "n1", "b": "n2", "lca_depth": null, "path": null, "d1": 1.0, "d2": 1.25, "change": null}"# + "\n]}\n")
        // Without the keys written only sometimes: left out, or null.
        document.conventions.coverage = nil
        document.conventions.skipped_rows = nil
        document.pairs = nil
        document.provenance = nil
        let text = try document.text()
        #expect(!text.contains("coverage") && !text.contains("skipped_rows") && text.hasSuffix(#""pairs": null}"# + "\n"))
        #expect(text.contains(#""tool": "eta", "version": "0.1.0", "provenance": null, "conventions": {"#))
        let path = dir + "/pairs-hand.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try PairsDocument.read(path: path) == document)
    }

    /// `geometry`'s document: the file's layout (header line, one key a line, one model and one
    /// class a line), conventions sorted, nulls where a value is undefined; read back equal.
    @Test func geometryDocumentsReadBackEqual() throws {
        let teacher = ModelDescription(model: "r18", role: .teacher, lsAlpha: 0.1)
        let student = ModelDescription(model: "r18", role: .student, lsAlpha: 0, teacherLSAlpha: 0.1, kdTemperature: 3)
        let one = GeometryDocument.Summary(withinBetween: 0.5, within: 1, between: 2, meanRatio: 0.25, rows: 3, classes: 2,
                                           classesWithRatio: 1)
        let rows = [GeometryDocument.ClassRow(classID: "n1", name: "one", rows: 2, spread: 0.5, nearest: "n2", nearestDistance: 2, ratio: 0.25),
                    GeometryDocument.ClassRow(classID: "n2", name: nil, rows: 1, spread: nil, nearest: "n1", nearestDistance: 2, ratio: nil)]
        var document = GeometryDocument(provenance: nil, conventions: ["z": "last", "a": "first \"quoted\"", "m": "middle"], models: [
            GeometryDocument.Model(file: "t.h5", split: "val", source: teacher, coverage: nil, summary: one, classes: rows),
            GeometryDocument.Model(file: "s.h5", split: "train", source: student, coverage: "shards 1 of 2", summary: one,
                                   classes: [rows[0]]),
        ])
        let summary = #""summary": {"within_between": 0.5, "within": 1.0, "between": 2.0, "mean_ratio": 0.25, "rows": 3, "classes": 2, "classes_with_ratio": 1}"#
        let first = #"{"class": "n1", "name": "one", "rows": 2, "spread": 0.5, "nearest": "n2", "nearest_distance": 2.0, "ratio": 0.25}"#
        #expect(try document.text() == """
            {"format": "penultimate-geometry", "format_version": 1,
              "provenance": null,
              "conventions": {"a": "first \\"quoted\\"", "m": "middle", "z": "last"},
              "models": [
                {"file": "t.h5", "split": "val", "model": "r18", "role": "teacher", "ls_alpha": 0.1, "teacher_ls_alpha": null, "kd_temperature": null, "coverage": null, \(summary), "classes": [
                  \(first),
                  {"class": "n2", "name": null, "rows": 1, "spread": null, "nearest": "n1", "nearest_distance": 2.0, "ratio": null}
                ]},
                {"file": "s.h5", "split": "train", "model": "r18", "role": "student", "ls_alpha": 0.0, "teacher_ls_alpha": 0.1, "kd_temperature": 3.0, "coverage": "shards 1 of 2", \(summary), "classes": [
                  \(first)
                ]}
              ]}

            """)
        let dir = try temporaryDirectory(prefix: "document-round-trip")
        let path = dir + "/geometry.json"
        let record = #"{"tool": "geometry", "inputs": [{"size": 12}]}"#
        try document.json(provenance: record).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("  \"provenance\": \(record),\n"))
        document.provenance = try normalised(JSONFragment(record))
        #expect(try GeometryDocument.read(path: path) == document)
    }

    /// The layout the projection JSON has always had, key by key.
    @Test func projectionJSONLayoutAndRoundTrip() throws {
        let file = ProjectionFile(
            method: .muller, wnids: ["a", "b\"q", "c"], names: ["A", "B", "C"], classIndices: [0, 4, -1],
            basis: [[1, 0, 0], [0, 0.5, 0.25]], origin: [0.1, 0.2, 1e-05], conventions: #"{"origin": "centroid"}"#,
            provenance: #"{"tool": "project"}"#, sourcePath: "d.h5",
            source: ["model": "r18", "role": "student", "ls_alpha": "0.0", "teacher_ls_alpha": "0.1", "kd_temperature": "3.0"],
            splits: [ProjectedSplit(name: "train", points: [SIMD2(0.5, -1)], classes: [1], sampleIndex: [7],
                                    centroids: [SIMD2(0, 0), SIMD2(1, 2), SIMD2(3, 4)])])
        let text = try file.jsonText()
        #expect(text == """
            {
              "format": "penultimate-projection",
              "format_version": 1,
              "method": "muller",
              "conventions": {"origin": "centroid"},
              "provenance": {"tool": "project"},
              "source_path": "d.h5",
              "source": {"model": "r18", "role": "student", "ls_alpha": 0.0, "teacher_ls_alpha": 0.1, "kd_temperature": 3.0},
              "classes": {"wnid": ["a", "b\\"q", "c"], "name": ["A", "B", "C"], "index_in_source": [0, 4, -1]},
              "basis": [[1.0, 0.0, 0.0], [0.0, 0.5, 0.25]],
              "origin": [0.1, 0.2, 1e-05],
              "splits": [{"name": "train", "points": [[0.5, -1.0]], "class": [1], "sample_index": [7], "centroids": [[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]]}]
            }

            """)
        let back = try ProjectionFile.fromJSON(Data(text.utf8), path: "p.json")
        #expect(back.splits == file.splits && back.basis == file.basis && back.origin == file.origin && back.source == file.source)
        #expect(back.conventions == #"{"origin":"centroid"}"#)
    }

    /// The committed outputs decode, and re-encoding what was decoded (with the provenance record
    /// as written) gives the committed bytes back.
    @Test func committedOutputsDecodeAndReencodeToTheSameBytes() throws {
        let outputs = packageRoot + "/notebooks-export/outputs/"
        let names = try FileManager.default.contentsOfDirectory(atPath: outputs).filter { $0.hasSuffix(".json") }.sorted()
        var checked = 0
        for name in names {
            let text = try String(contentsOfFile: outputs + name, encoding: .utf8)
            if name.hasPrefix("eta-") {
                var document = try EtaDocument.read(path: outputs + name)
                #expect(!document.rows.isEmpty)
                document.provenance = JSONFragment(try rawObject(of: "provenance", in: text))
                #expect(try document.text() == text, "\(name)")
                checked += 1
            } else if name.hasPrefix("accuracy") {
                var document = try AccuracyDocument.read(path: outputs + name)
                #expect(document.rows.count == 10)
                document.provenance = JSONFragment(try rawObject(of: "provenance", in: text))
                #expect(try document.text() == text, "\(name)")
                checked += 1
            } else if name.hasPrefix("pairs-") {
                var document = try PairsDocument.read(path: outputs + name)
                #expect(document.pairs?.count == document.pair_count && document.pair_count == 780)
                document.provenance = JSONFragment(try rawObject(of: "provenance", in: text))
                #expect(try document.text() == text, "\(name)")
                checked += 1
            } else if name.hasPrefix("geometry") {
                var document = try GeometryDocument.read(path: outputs + name)
                #expect(document.models.count == 20 && document.models.allSatisfy { $0.classes.count == 40 })
                document.provenance = JSONFragment(try rawObject(of: "provenance", in: text))
                #expect(try document.text() == text, "\(name)")
                checked += 1
            }
        }
        // 2 eta, 2 eta sweeps, accuracy, 4 pairs, geometry.
        #expect(checked == 10)
    }
}
