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
