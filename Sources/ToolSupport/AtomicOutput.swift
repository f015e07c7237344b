import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to write an output file. One line: `<path>: <operation>: <reason>`.
public struct AtomicOutputError: Error, BadInput, CustomStringConvertible, Equatable {
    /// The final path the caller asked for.
    public let path: String
    /// What failed ("create temporary file", "write", "rename", ...).
    public let operation: String
    /// The system's reason.
    public let reason: String

    public var description: String { "\(path): \(operation): \(reason)" }
}

/// Writes output files so that readers see either the old file or the complete new one.
///
/// The bytes go to a temporary file in the target's folder (same file system, so `rename` is
/// atomic), which is flushed with `fsync` and then renamed over the target. On failure, on a
/// thrown error and on SIGINT/SIGTERM the temporary file is removed and an existing target is
/// left byte-identical.
///
/// What the path leads to decides how (``OutputTarget`` states the whole `-o` policy): a symlink
/// is written through (its final file is replaced, in that file's folder; the link stays); a
/// device, FIFO or socket (`/dev/null`, a named pipe) and `/dev/stdout` are written in place, and
/// a failed write or close there (ENOSPC on `/dev/full`, EPIPE) is an error; a folder, a block
/// device and any input registered with ``OutputTarget/protectInputs(_:)`` are refused before
/// anything is written.
public enum AtomicOutput {
    /// Writes `data` to `path` atomically (in place for devices, FIFOs and `/dev/stdout`).
    public static func write(_ data: Data, to path: String) throws {
        let target = try OutputTarget.resolve(path)
        try OutputTarget.refuseProtectedInput(path, target: target)
        switch target {
        case .file(let file):
            try replace(file, reportedAs: path) { temporary in
                let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
                guard fd >= 0 else { throw systemError(path, "create temporary file \(temporary)") }
                do {
                    try writeAll(data, to: fd, path: path)
                    guard fsync(fd) == 0 else { throw systemError(path, "fsync") }
                } catch {
                    close(fd)
                    throw error
                }
                guard close(fd) == 0 else { throw systemError(path, "close") }
            }
        case .stream(let node):
            try writeInPlace(data, node: node, path: path)
        case .descriptor(let fd):
            try withoutSIGPIPE { try writeAll(data, to: fd, path: path) }
        }
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Hands `body` a fresh temporary path next to `path` (the file does not exist yet) for a
    /// library that writes files itself (e.g. HDF5); renames it over `path` when `body` returns,
    /// removes it when `body` throws. The temporary path is removed on SIGINT/SIGTERM too.
    /// When `path` is a device, FIFO or `/dev/stdout`, the temporary file is made in the system's
    /// temporary folder and its bytes are copied to `path` when `body` returns.
    @discardableResult
    public static func write<T>(to path: String, using body: (_ temporaryPath: String) throws -> T) throws -> T {
        let target = try OutputTarget.resolve(path)
        try OutputTarget.refuseProtectedInput(path, target: target)
        if case .file(let file) = target { return try replace(file, reportedAs: path, using: body) }
        let scratch = NSTemporaryDirectory() + "/" + ((path as NSString).lastPathComponent)
        var result: T?
        try replace(scratch, reportedAs: path, rename: false) { temporary in
            result = try body(temporary)
            guard let bytes = FileManager.default.contents(atPath: temporary) else {
                throw AtomicOutputError(path: path, operation: "finish", reason: "the writer created no file at \(temporary)")
            }
            try write(bytes, to: path)
        }
        return result!
    }

    /// Runs `body` on a temporary path in `file`'s folder and renames the result over `file`
    /// (or, with `rename: false`, removes it: the body has copied it elsewhere).
    private static func replace<T>(_ file: String, reportedAs path: String, rename doRename: Bool = true,
                                   using body: (_ temporaryPath: String) throws -> T) throws -> T {
        TemporaryFiles.installSignalCleanup()
        let temporary = temporaryPath(for: file)
        TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(temporary) }
        do {
            let result = try body(temporary)
            guard doRename else {
                unlink(temporary)
                return result
            }
            guard access(temporary, F_OK) == 0 else {
                throw AtomicOutputError(path: path, operation: "finish", reason: "the writer created no file at \(temporary)")
            }
            matchExistingPermissions(of: file, on: temporary)
            guard rename(temporary, file) == 0 else { throw systemError(path, "rename from \(temporary)") }
            syncDirectory(of: file)
            return result
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Opens an existing device, FIFO or socket for writing and writes `data` to it. Opening a
    /// FIFO waits for a reader, as a shell redirection does.
    private static func writeInPlace(_ data: Data, node: String, path: String) throws {
        try withoutSIGPIPE {
            var fd: Int32
            repeat { fd = open(node, O_WRONLY | O_CLOEXEC | O_NOCTTY) } while fd < 0 && errno == EINTR
            guard fd >= 0 else { throw systemError(path, "open") }
            do {
                try writeAll(data, to: fd, path: path)
            } catch {
                close(fd)
                throw error
            }
            guard close(fd) == 0 else { throw systemError(path, "close") }
        }
    }

    /// Writes every byte of `data` to `fd`, retrying short writes and EINTR.
    private static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var done = 0
            while done < buffer.count {
                let n = Foundation.write(fd, base + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw systemError(path, "write")
                }
                done += n
            }
        }
    }

    /// Runs `body` with SIGPIPE ignored, so that a pipe whose reader has gone is a write error
    /// (EPIPE, reported) and not a silent death of the process.
    private static func withoutSIGPIPE<T>(_ body: () throws -> T) rethrows -> T {
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        return try body()
    }

    /// The longest file name most file systems accept (NAME_MAX).
    static let nameMax = 255

    /// `<folder>/.<name>.<pid>.<random>.tmp`: hidden, in the target's folder, unique. A long
    /// `<name>` is shortened (at a character boundary) so the whole name fits ``nameMax`` bytes:
    /// any name that is legal as an output gives a legal temporary name.
    public static func temporaryPath(for path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let unique = ".\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        let budget = nameMax - 1 - unique.utf8.count
        var kept = ""
        for character in name {
            if kept.utf8.count + String(character).utf8.count > budget { break }
            kept.append(character)
        }
        let file = "." + kept + unique
        return folder.isEmpty ? file : (folder as NSString).appendingPathComponent(file)
    }

    /// A replaced file keeps its mode and, when we may set it (root), its owner and group.
    private static func matchExistingPermissions(of path: String, on temporary: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if geteuid() == 0 { _ = chown(temporary, info.st_uid, info.st_gid) }
        chmod(temporary, info.st_mode & 0o7777)
    }

    /// Makes the rename durable; failures here do not undo a completed write.
    private static func syncDirectory(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    static func systemError(_ path: String, _ operation: String) -> AtomicOutputError {
        AtomicOutputError(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }
}

/// The process-wide list of temporary files that must not outlive the process.
///
/// SIGINT and SIGTERM are routed (once, on first use) to a dispatch source that removes every
/// registered path and exits with 130 or 143. The removal runs on a normal thread, not inside a
/// signal handler, so taking a lock and calling `unlink` is safe.
public enum TemporaryFiles {
    private static let registry = Registry()

    /// Adds `path` to the files removed on interruption.
    public static func register(_ path: String) { registry.insert(path) }

    /// Removes `path` from the list (after a rename or a cleanup).
    public static func unregister(_ path: String) { registry.remove(path) }

    /// The registered paths (for tests and diagnostics).
    public static var registered: Set<String> { registry.snapshot() }

    /// Deletes every registered file and empties the list.
    public static func removeAll() {
        for path in registry.drain() { unlink(path) }
    }

    /// Installs the SIGINT/SIGTERM cleanup; later calls do nothing.
    public static func installSignalCleanup() { _ = installed }

    private static let installed: Bool = {
        for (signalNumber, code) in [(SIGINT, ToolExitCode.interrupted), (SIGTERM, ToolExitCode.terminated)] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global(qos: .userInitiated))
            source.setEventHandler {
                removeAll()
                _exit(code.rawValue)
            }
            source.resume()
            registry.keep(source)
        }
        return true
    }()

    private final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: Set<String> = []
        private var sources: [any DispatchSourceSignal] = []

        func insert(_ path: String) { lock.withLock { _ = paths.insert(path) } }
        func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }
        func snapshot() -> Set<String> { lock.withLock { paths } }
        func drain() -> Set<String> { lock.withLock { defer { paths = [] }; return paths } }
        func keep(_ source: any DispatchSourceSignal) { lock.withLock { sources.append(source) } }
    }
}
