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
        if geteuid() == 0 {  // and, for root, its owner and group
            #expect(chown(path, 4321, 8765) == 0)
            try AtomicOutput.write("owned\n", to: path)
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_uid == 4321 && info.st_gid == 8765)
        }
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
        } catch let error as OutputTargetError {
            #expect(error.path == path)
            #expect(error.description == "-o \(path): the folder \((path as NSString).deletingLastPathComponent) does not exist")
            #expect(toolExitCode(for: error) == .usage)
        }
    }

    @Test func temporaryPathIsHiddenNextToTarget() {
        let temporary = AtomicOutput.temporaryPath(for: "/a/b/fig.png")
        #expect(temporary.hasPrefix("/a/b/.fig.png.\(getpid())."))
        #expect(temporary.hasSuffix(".tmp"))
        #expect(AtomicOutput.temporaryPath(for: "fig.png").hasPrefix(".fig.png."))
    }

    @Test func longNamesGetTemporaryNamesThatFitNameMax() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 250 bytes of ASCII and 250 bytes of two-byte characters: both legal names.
        for name in [String(repeating: "a", count: 246) + ".csv", String(repeating: "é", count: 123) + ".csv"] {
            #expect(name.utf8.count <= 255)
            let temporary = AtomicOutput.temporaryPath(for: dir + "/" + name)
            let file = (temporary as NSString).lastPathComponent
            #expect(file.utf8.count <= 255, "\(file.utf8.count) bytes")
            #expect(file.hasPrefix(".") && file.hasSuffix(".tmp"))
            try AtomicOutput.write("long\n", to: dir + "/" + name)
            #expect(try String(contentsOfFile: dir + "/" + name, encoding: .utf8) == "long\n")
            try AtomicOutput.write(to: dir + "/" + name) { temporary in try Data("again".utf8).write(to: URL(fileURLWithPath: temporary)) }
            #expect(try String(contentsOfFile: dir + "/" + name, encoding: .utf8) == "again")
        }
        #expect(try temporaryLeftovers(in: dir).isEmpty)
    }

    @Test func symlinkIsWrittenThroughAndStays() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        try "old".write(toFile: dir + "/real/out.txt", atomically: false, encoding: .utf8)
        // A relative link to a relative link: each hop resolves against its own folder.
        #expect(symlink("real/out.txt", dir + "/hop") == 0)
        #expect(symlink("hop", dir + "/link.txt") == 0)
        try AtomicOutput.write("new", to: dir + "/link.txt")
        #expect(try String(contentsOfFile: dir + "/real/out.txt", encoding: .utf8) == "new")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.txt") == "hop")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/hop") == "real/out.txt")
        #expect(try temporaryLeftovers(in: dir).isEmpty && temporaryLeftovers(in: dir + "/real").isEmpty)
    }

    @Test func danglingSymlinkCreatesItsTarget() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        #expect(symlink(dir + "/sub/made.h5", dir + "/dangling.h5") == 0)
        try AtomicOutput.write(to: dir + "/dangling.h5") { temporary in
            #expect((temporary as NSString).deletingLastPathComponent == dir + "/sub")
            try Data("hdf5-ish".utf8).write(to: URL(fileURLWithPath: temporary))
        }
        #expect(FileManager.default.contents(atPath: dir + "/sub/made.h5") == Data("hdf5-ish".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/dangling.h5") == dir + "/sub/made.h5")
        // A link into a folder that does not exist is a usage error that names the folder.
        #expect(symlink(dir + "/nowhere/x.h5", dir + "/bad.h5") == 0)
        #expect(throws: OutputTargetError(path: dir + "/bad.h5", problem: "the folder \(dir)/nowhere does not exist")) {
            try AtomicOutput.write("x", to: dir + "/bad.h5")
        }
    }

    @Test func symlinkLoopIsRefused() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(symlink("b", dir + "/a") == 0)
        #expect(symlink("a", dir + "/b") == 0)
        #expect(throws: OutputTargetError(path: dir + "/a", problem: "too many levels of symbolic links")) {
            try AtomicOutput.write("x", to: dir + "/a")
        }
    }

    @Test func foldersAndEmptyNamesAreUsageErrors() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (path, problem) in [(dir, "is a folder; give a file name"), (dir + "/", "names a folder; give a file name"),
                                ("", "empty file name")] {
            do {
                try AtomicOutput.write("x", to: path)
                Issue.record("\(path): expected an error")
            } catch let error as OutputTargetError {
                #expect(error.problem == problem)
                #expect(toolExitCode(for: error) == .usage)
            }
        }
        #expect(symlink(dir, dir + "/to-folder") == 0)
        #expect(throws: OutputTargetError.self) { try AtomicOutput.write("x", to: dir + "/to-folder") }
        try "file".write(toFile: dir + "/plain", atomically: false, encoding: .utf8)
        #expect(throws: OutputTargetError(path: dir + "/plain/x.csv", problem: "a part of the path is not a folder")) {
            try AtomicOutput.write("x", to: dir + "/plain/x.csv")
        }
    }

    @Test func devNullIsWrittenInPlaceAndStaysADevice() throws {
        try AtomicOutput.write("discarded\n", to: "/dev/null")
        var seen = ""
        try AtomicOutput.write(to: "/dev/null") { temporary in
            seen = temporary
            #expect(!temporary.hasPrefix("/dev/"))
            try Data("library output".utf8).write(to: URL(fileURLWithPath: temporary))
        }
        #expect(!FileManager.default.fileExists(atPath: seen))
        var info = stat()
        #expect(lstat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        #expect(try temporaryLeftovers(in: "/dev").isEmpty)
    }

    @Test func devFullReportsNoSpaceAndStaysADevice() throws {
        for variant in 0..<2 {
            do {
                if variant == 0 {
                    try AtomicOutput.write("x", to: "/dev/full")
                } else {
                    try AtomicOutput.write(to: "/dev/full") { try Data("y".utf8).write(to: URL(fileURLWithPath: $0)) }
                }
                Issue.record("writing /dev/full succeeded")
            } catch let error as AtomicOutputError {
                #expect(error.description == "/dev/full: write: No space left on device")
            }
        }
        var info = stat()
        #expect(lstat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    }

    @Test func fifoWithAReaderGetsTheBytesAndStaysAFifo() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let payload = Data((0..<300_000).map { UInt8($0 % 253) })  // more than a pipe buffer
        let reader = FIFOReader(fifo)
        try AtomicOutput.write(payload, to: fifo)
        #expect(reader.wait() == payload)
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(try temporaryLeftovers(in: dir).isEmpty)
    }

    @Test func fifoWhoseReaderLeavesIsAnErrorNotASignal() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = FIFOReader(fifo, stopAfter: 10)
        do {
            try AtomicOutput.write(Data(count: 8 << 20), to: fifo)
            Issue.record("writing 8 MiB to a pipe whose reader left succeeded")
        } catch let error as AtomicOutputError {
            #expect(error.description == "\(fifo): write: Broken pipe")
        }
        _ = reader.wait()
    }

    @Test func descriptorPathsAreRecognised() {
        #expect(OutputTarget.descriptorNumber("/dev/stdout") == 1)
        #expect(OutputTarget.descriptorNumber("/dev/stderr") == 2)
        #expect(OutputTarget.descriptorNumber("/dev/fd/2") == 2)
        #expect(OutputTarget.descriptorNumber("/proc/self/fd/1") == 1)
        #expect(OutputTarget.descriptorNumber("/dev/fd/987") == nil)  // not open
        #expect(OutputTarget.descriptorNumber("/dev/fd/x") == nil)
        #expect(OutputTarget.descriptorNumber("stdout") == nil)
    }

    @Test func inputsAreRefusedThroughLinksAndSpellings() throws {
        let dir = try temporaryDirectory(prefix: "toolsupport-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/X.h5"
        let original = Data("the dump".utf8)
        try original.write(to: URL(fileURLWithPath: input))
        #expect(link(input, dir + "/hard.h5") == 0)
        #expect(symlink("X.h5", dir + "/soft.h5") == 0)
        defer { OutputTarget.forgetProtectedInputs() }
        for output in [input, dir + "/./X.h5", dir + "/../" + (dir as NSString).lastPathComponent + "/X.h5",
                       dir + "/hard.h5", dir + "/soft.h5"] {
            #expect(throws: OutputTargetError(path: output, problem: "is the input \(input) (the same file); write the output elsewhere")) {
                try OutputTarget.check(output, inputs: [input])
            }
            // The writers refuse it too, once the input is registered.
            #expect(throws: OutputTargetError.self) { try AtomicOutput.write("clobbered", to: output) }
            #expect(throws: OutputTargetError.self) { try AtomicOutput.write(to: output) { _ in Issue.record("body ran") } }
        }
        #expect(FileManager.default.contents(atPath: input) == original)
        // Another name is fine, and so is an input that does not exist.
        try OutputTarget.check(dir + "/other.h5", inputs: [input, dir + "/missing.h5"])
        #expect(try temporaryLeftovers(in: dir).isEmpty)
    }
}
