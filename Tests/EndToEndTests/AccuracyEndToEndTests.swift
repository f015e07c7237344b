import Foundation
import Testing
import PenultimateKit

/// Runs a built tool from `<package>/.build/debug/` and captures its exit status and output.
private func runAccuracyTool(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: accuracyPackageRoot + "/.build/debug/" + tool)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: accuracyPackageRoot)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a full pipe cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

/// The package root: three levels above this file (Tests/EndToEndTests/<file>).
private let accuracyPackageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

private let fixtureDumps: [String] = {
    let folder = accuracyPackageRoot + "/Fixtures/minilab"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".h5") }.sorted().map { "Fixtures/minilab/" + $0 }
}()

@Suite struct AccuracyEndToEndTests {
    @Test func fixtureTableHasThePapersShape() throws {
        try #require(fixtureDumps.count == 10, "Fixtures/minilab should hold the ten MiniLab dumps")
        let run = try runAccuracyTool("accuracy", fixtureDumps + ["--split", "val"])
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
        let folder = NSTemporaryDirectory() + "accuracy-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let output = folder + "/acc.json"
        let run = try runAccuracyTool("accuracy", fixtureDumps + ["--format", "json", "-o", output])
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
        let run = try runAccuracyTool("accuracy", fixtureDumps + ["--split", "train"])
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("/splits/train/logits: the dump has no logits"))
    }

    @Test func dumpWithoutLogitsExits65() throws {
        let folder = NSTemporaryDirectory() + "accuracy-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/nologits.h5"
        let writer = try FeatureWriter(path: path, attributes: DumpAttributes(model: "m", role: .teacher, dataset: "d", lsAlpha: 0),
                                       classes: ClassList(wnids: ["n00000001", "n00000002"]), weight: [1, 0, 0, 1], bias: [0, 0])
        try writer.append(split: "val", features: [1, 2, 3, 4], labels: [0, 1])
        try writer.finish()
        let run = try runAccuracyTool("accuracy", [path])
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("accuracy: \(path): /splits/val/logits: ") == true)
    }

    @Test func duplicateCellExits65AndHelpHasExample() throws {
        try #require(fixtureDumps.count == 10)
        let run = try runAccuracyTool("accuracy", [fixtureDumps[0], fixtureDumps[0]])
        #expect(run.status == 65)
        #expect(run.stderr.contains("same table cell"))
        let help = try runAccuracyTool("accuracy", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example:"))
        let usage = try runAccuracyTool("accuracy", [])
        #expect(usage.status == 64)
    }
}
