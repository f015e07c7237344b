import Foundation
import Testing

/// Runs `<package>/.build/debug/minilab` and captures its exit status and output.
private func runMiniLabTool(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() }
    let process = Process()
    process.executableURL = root.appendingPathComponent(".build/debug/minilab")
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite struct MiniLabEndToEndTests {
    @Test func helpHasAnExample() throws {
        for arguments in [["--help"], ["run", "--help"]] {
            let run = try runMiniLabTool(arguments)
            #expect(run.status == 0)
            #expect(run.stdout.contains("Example:"))
        }
    }

    @Test func missingWordNetIsBadInputAndWritesNothing() throws {
        let folder = NSTemporaryDirectory() + "minilab-e2e-\(UUID().uuidString)"
        let run = try runMiniLabTool(["run", "--quick", "-o", folder, "--wordnet", folder + "/no-wordnet"])
        #expect(run.status == 65)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.hasPrefix("minilab: "))
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func missingOutputIsUsage() throws {
        #expect(try runMiniLabTool(["run"]).status == 64)
    }
}

@Suite struct MiniLabQuickRunEndToEndTests {
    /// A quick run (about 30 s in a debug build): ten dumps whose val logits `accuracy` reads.
    @Test func quickRunWritesTenDumpsThatAccuracyReads() throws {
        let folder = NSTemporaryDirectory() + "minilab-e2e-\(UUID().uuidString)"
        let run = try runMiniLabTool(["run", "--quick", "-o", folder])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)  // not a terminal: no progress
        let written = run.stdout.split(separator: "\n").map(String.init)
        #expect(written.map { ($0 as NSString).lastPathComponent } == [
            "teacher-ls0.0.h5", "teacher-ls0.1.h5",
            "student-ls0.0-T1.h5", "student-ls0.0-T2.h5", "student-ls0.0-T3.h5", "student-ls0.0-T64.h5",
            "student-ls0.1-T1.h5", "student-ls0.1-T2.h5", "student-ls0.1-T3.h5", "student-ls0.1-T64.h5",
        ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 10)
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let accuracy = Process()
        accuracy.executableURL = root.appendingPathComponent(".build/debug/accuracy")
        accuracy.arguments = written + ["--split", "train", "--format", "csv"]
        let out = Pipe()
        accuracy.standardOutput = out
        try accuracy.run()
        let csv = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        accuracy.waitUntilExit()
        #expect(accuracy.terminationStatus == 0)
        let rows = csv.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count == 6)
        #expect(rows.dropFirst().map { String($0.split(separator: ",")[0]) } == ["teacher", "T = 1", "T = 2", "T = 3", "T = 64"])
    }
}
