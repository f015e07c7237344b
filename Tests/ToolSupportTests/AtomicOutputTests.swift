import Foundation
import Testing
@testable import ToolSupport
import TestSupport

@Suite struct AtomicOutputTests {
    @Test func writesNewFileAndReplacesOldOne() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.txt"
        try AtomicOutput.write("first\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
        chmod(path, 0o600)
        try AtomicOutput.write(Data([0, 1, 2, 255]), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([0, 1, 2, 255]))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)  // an existing file keeps its permissions
        #expect(try temporaryLeftovers(in: dir).isEmpty)
    }

    @Test func failingWriterLeavesOldFileIdenticalAndNoTemporaries() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/result.h5"
        let original = Data((0..<4096).map { UInt8($0 % 251) })
        try original.write(to: URL(fileURLWithPath: path))
        struct WriterFailed: Error {}
        var seenTemporary = ""
        #expect(throws: WriterFailed.self) {
            try AtomicOutput.write(to: path) { temporary in
                seenTemporary = temporary
                #expect((temporary as NSString).deletingLastPathComponent == dir)
                #expect(!FileManager.default.fileExists(atPath: temporary))
                #expect(TemporaryFiles.registered.contains(temporary))
                try Data("half-written".utf8).write(to: URL(fileURLWithPath: temporary))
                throw WriterFailed()
            }
        }
        #expect(FileManager.default.contents(atPath: path) == original)
        #expect(!FileManager.default.fileExists(atPath: seenTemporary))
        #expect(try temporaryLeftovers(in: dir).isEmpty)
        #expect(!TemporaryFiles.registered.contains(seenTemporary))
    }

    @Test func closureVariantRenamesOnSuccessAndReturnsTheResult() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/made-by-library.bin"
        let count = try AtomicOutput.write(to: path) { temporary -> Int in
            try Data("library bytes".utf8).write(to: URL(fileURLWithPath: temporary))
            return 13
        }
        #expect(count == 13)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "library bytes")
        #expect(try temporaryLeftovers(in: dir).isEmpty)
    }

    @Test func writerThatCreatesNothingIsAnError() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: AtomicOutputError.self) { try AtomicOutput.write(to: dir + "/x") { _ in } }
        #expect(!FileManager.default.fileExists(atPath: dir + "/x"))
    }

    @Test func missingFolderNamesThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/out.csv"
        do {
            try AtomicOutput.write("x", to: path)
            Issue.record("expected an error")
        } catch let error as AtomicOutputError {
            #expect(error.path == path)
            #expect(error.description.hasPrefix(path + ": create temporary file"))
            #expect(error.description.hasSuffix("No such file or directory"))
            #expect(toolExitCode(for: error) == .badInput)
        }
    }

    @Test func temporaryPathIsHiddenNextToTarget() {
        let temporary = AtomicOutput.temporaryPath(for: "/a/b/fig.png")
        #expect(temporary.hasPrefix("/a/b/.fig.png.\(getpid())."))
        #expect(temporary.hasSuffix(".tmp"))
        #expect(AtomicOutput.temporaryPath(for: "fig.png").hasPrefix(".fig.png."))
    }
}
