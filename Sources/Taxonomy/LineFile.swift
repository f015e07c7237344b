import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A text file read a line at a time with `pread`, by byte offset.
///
/// `data.noun` is addressed by offset (a wnid *is* the offset of its line), and a run looks up a
/// few thousand scattered lines of its 15 MB. Mapping the file made every page around a lookup
/// resident in the process (5 MiB of a 1000-class run); reading just the lines keeps them in the
/// page cache only. Thread-safe: `pread` has no shared file position.
final class LineFile: @unchecked Sendable {
    let path: String
    /// The file's size in bytes.
    let count: Int
    private let descriptor: Int32
    /// Bytes read at a time while looking for a line's end (WordNet lines are mostly shorter).
    private static let step = 4096

    /// Opens `path`; throws the system's reason when it cannot, or when `path` is not a regular
    /// file (a folder would read as empty, a FIFO would block).
    init(path: String) throws {
        self.path = path
        var kind = stat()
        guard stat(path, &kind) == 0 else { throw LineFileError(reason: String(cString: strerror(errno))) }
        guard kind.st_mode & S_IFMT == S_IFREG else { throw LineFileError(reason: "not a regular file") }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw LineFileError(reason: String(cString: strerror(errno))) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LineFileError(reason: reason)
        }
        descriptor = fd
        count = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Up to `length` bytes from `offset` (fewer at the end of the file). A failed read, or a
    /// file that ends before its size said, throws: a line cut short must not parse as whole.
    func bytes(at offset: Int, length: Int) throws -> [UInt8] {
        let wanted = max(0, min(length, count - offset))
        guard offset >= 0, wanted > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: wanted)
        var done = 0, failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while done < wanted {
                let n = pread(descriptor, raw.baseAddress! + done, wanted - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failure = n < 0 ? errno : 0; break }
                done += n
            }
        }
        guard done == wanted else {
            throw LineFileError(reason: failure != 0 ? String(cString: strerror(failure)) : "the file ended at byte \(offset + done), before its size \(count) (it changed while read)")
        }
        return buffer
    }

    /// The byte at `offset`, or nil outside the file.
    func byte(at offset: Int) throws -> UInt8? { try bytes(at: offset, length: 1).first }

    /// The line that starts at `offset`, without its newline (to the end of the file if none
    /// follows); nil when `offset` is outside the file.
    func line(startingAt offset: Int) throws -> [UInt8]? {
        guard offset >= 0, offset < count else { return nil }
        var line: [UInt8] = []
        var position = offset
        while position < count {
            let piece = try bytes(at: position, length: Self.step)
            if let newline = piece.firstIndex(of: UInt8(ascii: "\n")) {
                line += piece[..<newline]
                return line
            }
            line += piece
            position += piece.count
        }
        return line
    }

    /// The whole file.
    func all() throws -> [UInt8] { try bytes(at: 0, length: count) }

    /// The 1-based number of the line holding byte `offset` (for error messages only: a read
    /// failure ends the count there).
    func lineNumber(at offset: Int) -> Int {
        var newlines = 0
        var position = 0
        while position < min(offset, count) {
            let piece = (try? bytes(at: position, length: min(1 << 16, offset - position))) ?? []
            if piece.isEmpty { break }
            newlines += piece.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            position += piece.count
        }
        return 1 + newlines
    }
}

/// Why a ``LineFile`` could not be opened.
struct LineFileError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
