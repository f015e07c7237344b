import Foundation
import Testing
import Penultimate
import TestSupport

/// The committed mini-lab dumps, relative to the package root (the tool runs there).
private let fixtureDumps: [String] = {
    let folder = packageRoot + "/Fixtures/minilab"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".h5") }.sorted().map { "Fixtures/minilab/" + $0 }
}()

@Suite struct AccuracyEndToEndTests {
    @Test func fixtureTableHasThePapersShape() throws {
        try #require(fixtureDumps.count == 10, "Fixtures/minilab should hold the ten MiniLab dumps")
        let run = try ToolRunner.run("accuracy", fixtureDumps + ["--split", "val"], currentDirectory: packageRoot)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        let tableLines = run.stdout.split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(tableLines.count == 7)  // header, rule, teacher, T = 1, 2, 3, 64
        #expect(tableLines.first?.contains("α = 0.0") == true && tableLines.first?.contains("α = 0.1") == true)
        let labels = tableLines.dropFirst(2).map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }
        #expect(labels == ["teacher", "T = 1", "T = 2", "T = 3", "T = 64"])
        for line in tableLines.dropFirst(2) {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 3)
            for cell in cells.dropFirst() {
                let parts = cell.split(separator: "/").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                #expect(parts.count == 2)
                // Far above chance (2.5 % top-1 for 40 classes); top-5 ≥ top-1.
                #expect(parts[0] > 40 && parts[1] >= parts[0] && parts[1] <= 100)
            }
        }
        #expect(run.stdout.contains("<!-- provenance: "))
    }

    @Test func jsonToFileIsTheSchema() throws {
        try #require(fixtureDumps.count == 10)
        let folder = try temporaryDirectory(prefix: "accuracy-e2e")
        let output = folder + "/acc.json"
        let run = try ToolRunner.run("accuracy", fixtureDumps + ["--format", "json", "-o", output], currentDirectory: packageRoot)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        #expect(object["format"] as? String == "penultimate-accuracy")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 10)
        // The fixtures keep 40 validation rows of each of the 40 classes.
        #expect(rows.allSatisfy { $0["split"] as? String == "val" && $0["rows"] as? Int == 1600 })
        #expect(rows.prefix(2).allSatisfy { $0["role"] as? String == "teacher" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["acc.json"])
    }

    @Test func fixtureTrainSplitHasNoLogitsAndExits65() throws {
        try #require(fixtureDumps.count == 10)
        let run = try ToolRunner.run("accuracy", fixtureDumps + ["--split", "train"], currentDirectory: packageRoot)
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("/splits/train/logits: the dump has no logits"))
    }

    @Test func dumpWithoutLogitsExits65() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-e2e")
        let path = folder + "/nologits.h5"
        let writer = try FeatureWriter(path: path, attributes: DumpAttributes(model: "m", role: .teacher, dataset: "d", lsAlpha: 0),
                                       classes: ClassList(wnids: ["n00000001", "n00000002"]), weight: [1, 0, 0, 1], bias: [0, 0])
        try writer.append(split: "val", features: [1, 2, 3, 4], labels: [0, 1])
        try writer.finish()
        let run = try ToolRunner.run("accuracy", [path], currentDirectory: packageRoot)
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("accuracy: \(path): /splits/val/logits: ") == true)
    }

    @Test func duplicateCellExits65AndHelpHasExample() throws {
        try #require(fixtureDumps.count == 10)
        let run = try ToolRunner.run("accuracy", [fixtureDumps[0], fixtureDumps[0]], currentDirectory: packageRoot)
        #expect(run.status == 65)
        #expect(run.stderr.contains("same table cell"))
        let help = try ToolRunner.run("accuracy", ["--help"], currentDirectory: packageRoot)
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example:"))
        let usage = try ToolRunner.run("accuracy", [], currentDirectory: packageRoot)
        #expect(usage.status == 64)
    }
}
