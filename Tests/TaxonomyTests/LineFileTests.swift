import Foundation
import Testing
@testable import Taxonomy
import TestSupport

/// `data.noun` is read a line at a time by offset; these are the edges a mapped file never had.
@Suite struct LineFileTests {
    func file(_ bytes: [UInt8]) throws -> LineFile {
        let path = (try temporaryDirectory(prefix: "line-file") as NSString).appendingPathComponent("data")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try LineFile(path: path)
    }

    @Test func linesByOffsetWithAndWithoutATrailingNewline() throws {
        let f = try file(Array("first\nsecond\n\nlast".utf8))
        #expect(f.count == 18)
        #expect(try f.line(startingAt: 0) == Array("first".utf8))
        #expect(try f.line(startingAt: 6) == Array("second".utf8))
        #expect(try f.line(startingAt: 8) == Array("cond".utf8))
        #expect(try f.line(startingAt: 13) == [])
        #expect(try f.line(startingAt: 14) == Array("last".utf8))
        #expect(try f.line(startingAt: 18) == nil)
        #expect(try f.line(startingAt: -1) == nil)
        #expect(try f.byte(at: 5) == UInt8(ascii: "\n"))
        #expect(try f.byte(at: 18) == nil)
        #expect(f.lineNumber(at: 0) == 1)
        #expect(f.lineNumber(at: 14) == 4)
    }

    /// A line longer than one read step (4 KiB) is joined across reads.
    @Test func aLineLongerThanOneReadIsWhole() throws {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000)
        let f = try file([UInt8(ascii: "a"), UInt8(ascii: "\n")] + long + [UInt8(ascii: "\n"), UInt8(ascii: "b")])
        #expect(try f.line(startingAt: 2) == long)
        #expect(try f.line(startingAt: 10_003) == [UInt8(ascii: "b")])
        #expect(try f.all().count == 10_004)
        #expect(f.lineNumber(at: 10_003) == 3)
    }

    /// A file that shrinks after it was opened ends early: reads past its new end throw rather
    /// than hand back a line cut short (which could still parse).
    @Test func aFileThatEndsBeforeItsSizeThrows() throws {
        let f = try file(Array("first\nsecond line\n".utf8))
        #expect(truncate(f.path, 8) == 0)
        #expect(throws: LineFileError.self) { try f.line(startingAt: 0) }
        let error = #expect(throws: LineFileError.self) { try f.line(startingAt: 6) }
        #expect(error?.description.contains("ended at byte 8, before its size 18") == true, "\(String(describing: error))")
    }

    @Test func aMissingFileOrAFolderThrowsTheReason() throws {
        let error = #expect(throws: LineFileError.self) { try LineFile(path: "/nonexistent/data.noun") }
        #expect(error?.description == "No such file or directory")
        let folder = try temporaryDirectory(prefix: "line-file")
        let notAFile = #expect(throws: LineFileError.self) { try LineFile(path: folder) }
        #expect(notAFile?.description == "not a regular file")
    }
}
