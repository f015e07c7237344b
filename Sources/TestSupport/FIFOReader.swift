import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a FIFO on a thread of its own, to its end or until `stopAfter` bytes (then closes it, so a
/// writer sees its reader leave).
public final class FIFOReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written by the reading thread only, read after `done` is signalled.
    private var bytes = Data()

    /// Starts reading `path` (opening it blocks that thread until a writer opens the FIFO).
    public init(_ path: String, stopAfter: Int? = nil) {
        Thread.detachNewThread { [self] in run(path, stopAfter: stopAfter) }
    }

    private func run(_ path: String, stopAfter: Int?) {
        let fd = open(path, O_RDONLY)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while fd >= 0 {
            let want = stopAfter.map { min(buffer.count, $0 - bytes.count) } ?? buffer.count
            if want <= 0 { break }
            let n = read(fd, &buffer, want)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[..<n])
        }
        if fd >= 0 { close(fd) }
        done.signal()
    }

    /// Waits for the reader to finish and returns what it read.
    public func wait() -> Data {
        done.wait()
        return bytes
    }
}
