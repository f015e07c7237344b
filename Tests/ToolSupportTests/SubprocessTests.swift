import Foundation
import Testing
@testable import ToolSupport
import TestSupport

/// Tests that need a separate process (signals, exit codes). The parent re-runs this test binary
/// with `--filter subprocessChild` and an environment variable that tells the child what to do.
@Suite struct SubprocessTests {
    static let modeVariable = "TOOLSUPPORT_TEST_CHILD_MODE"
    static let targetVariable = "TOOLSUPPORT_TEST_CHILD_TARGET"

    /// The child's side. It only runs when the parent sets the mode variable.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[SubprocessTests.modeVariable] != nil))
    func subprocessChild() throws {
        let environment = ProcessInfo.processInfo.environment
        let target = environment[Self.targetVariable] ?? ""
        switch environment[Self.modeVariable] {
        case "hold-temporary":
            try AtomicOutput.write(to: target) { temporary in
                try Data("partial".utf8).write(to: URL(fileURLWithPath: temporary))
                try Data(temporary.utf8).write(to: URL(fileURLWithPath: target + ".ready"))
                Thread.sleep(forTimeInterval: 60)  // the parent signals us long before this ends
            }
        case "bad-input":
            runTool(name: "demo") { throw ToolError.badInput("x.h5: /classes/wnid: missing\nsecond line") }
        case "success":
            runTool(name: "demo") { print("ok") }
        case "internal":
            struct Unexpected: Error, CustomStringConvertible { var description: String { "boom" } }
            runTool(name: "demo") { throw Unexpected() }
        default:
            Issue.record("unknown child mode")
        }
    }

    static var testBinary: String? {
        #if os(Linux)
        return try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #else
        return nil
        #endif
    }

    static func childArguments() -> [String] {
        ["--testing-library", "swift-testing", "--filter", "SubprocessTests/subprocessChild"]
    }

    @Test(.enabled(if: SubprocessTests.testBinary != nil), arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func signalRemovesTemporaryAndKeepsOldFile(signalNumber: Int32, expectedStatus: Int32) throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/features.h5"
        let original = Data("the old, complete file".utf8)
        try original.write(to: URL(fileURLWithPath: target))

        // The child writes its temporary file's path to `.ready` once it holds the file open;
        // the signal goes then.
        let run = try runProcess(try #require(Self.testBinary), Self.childArguments(),
                                 environment: [Self.modeVariable: "hold-temporary", Self.targetVariable: target],
                                 timeout: 60, interruption: .whenFileAppears(target + ".ready", send: signalNumber))
        let held = String(decoding: try #require(FileManager.default.contents(atPath: target + ".ready"),
                                                 "the child never reported its temporary file"), as: UTF8.self)
        #expect(!run.signaled, "\(run)")
        #expect(run.status == expectedStatus, "\(run)")
        #expect(!FileManager.default.fileExists(atPath: held))
        #expect(FileManager.default.contents(atPath: target) == original)
        #expect(try temporaryLeftovers(in: dir).isEmpty)
    }

    @Test(.enabled(if: SubprocessTests.testBinary != nil))
    func runToolPrintsOneLineAndExitsWithTheRightCode() throws {
        let binary = try #require(Self.testBinary)
        let bad = try runProcess(binary, Self.childArguments(), environment: [Self.modeVariable: "bad-input"])
        #expect(bad.status == 65)
        #expect(bad.stderr.hasSuffix("demo: x.h5: /classes/wnid: missing; second line\n"))
        let lines = bad.stderr.split(separator: "\n").filter { $0.hasPrefix("demo:") }
        #expect(lines.count == 1)

        let failure = try runProcess(binary, Self.childArguments(), environment: [Self.modeVariable: "internal"])
        #expect(failure.status == 70)
        #expect(failure.stderr.hasSuffix("demo: boom\n"))

        let success = try runProcess(binary, Self.childArguments(), environment: [Self.modeVariable: "success"])
        #expect(success.status == 0)
        #expect(success.stdout.contains("ok\n"))
        #expect(!success.stderr.contains("demo:"))
    }
}
