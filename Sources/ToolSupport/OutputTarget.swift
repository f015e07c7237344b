import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `-o` path that cannot be written: it is an input, a folder, or in a folder that is not
/// there. A usage error (exit 64), found before any input is read. One line: `-o <path>: <problem>`.
public struct OutputTargetError: Error, UsageFailure, CustomStringConvertible, Equatable {
    /// The path given with `-o`.
    public let path: String
    /// What is wrong with it.
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "-o \(path): \(problem)" }
}

/// Where an output path really leads, and the policy that protects inputs from it.
///
/// The policy for `-o FILE` (every tool):
/// - FILE may not be any input of the run (same device and inode, so symlinks, hard links and
///   `./X.h5` vs `X.h5` are all caught): exit 64. Inputs are every path on the command line and
///   the shard files a manifest names (registered with ``protectInputs(_:)`` when a dump opens).
/// - A symlink is written *through*: the file it finally points to is replaced atomically in its
///   own folder and the link stays; a dangling link creates its target.
/// - An existing character device, FIFO or socket (`/dev/null`, a named pipe) and the process's
///   own descriptors (`/dev/stdout`, `/dev/fd/N`) are written in place, without a temporary file:
///   renaming over them would replace the device node or pipe by a regular file. Block devices
///   and folders are refused (exit 64).
/// - A new file needs its folder to exist: a missing folder is exit 64, named.
public enum OutputTarget: Equatable, Sendable {
    /// A regular file, existing or not, at this path (symlinks resolved): written to a temporary
    /// file in the same folder and renamed over it.
    case file(String)
    /// An existing device, FIFO or socket at this path: opened and written in place.
    case stream(String)
    /// A descriptor the process already holds (`/dev/stdout`, `/dev/fd/N`): written in place.
    case descriptor(Int32)

    /// Resolves `path` (following symlinks one hop at a time, so a dangling link still names the
    /// file to create), or throws when it cannot be an output.
    public static func resolve(_ path: String) throws(OutputTargetError) -> OutputTarget {
        func fail(_ problem: String) -> OutputTargetError { OutputTargetError(path: path, problem: problem) }
        guard !path.isEmpty else { throw fail("empty file name") }
        guard !path.hasSuffix("/") else { throw fail("names a folder; give a file name") }
        var current = path
        for _ in 0..<40 {
            if let fd = descriptorNumber(current) { return .descriptor(fd) }
            var info = stat()
            guard lstat(current, &info) == 0 else {
                let code = errno
                switch code {
                case ENOENT:
                    try requireFolder(of: current, for: path)
                    return .file(current)
                case ENOTDIR: throw fail("a part of the path is not a folder")
                default: throw fail(String(cString: strerror(code)))
                }
            }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                guard let target = readLink(current) else { throw fail("cannot read the symbolic link \(current)") }
                current = target.hasPrefix("/") ? target : folder(of: current) + "/" + target
            case S_IFREG:
                try requireFolder(of: current, for: path)
                return .file(current)
            case S_IFDIR: throw fail(current == path ? "is a folder; give a file name" : "leads to the folder \(current); give a file name")
            case S_IFBLK: throw fail("is a block device; refusing to write over it")
            default: return .stream(current)
            }
        }
        throw fail("too many levels of symbolic links")
    }

    /// Throws unless `path` can be an output of a run that reads `inputs` (which are added to
    /// the protected inputs for the writes that follow). Call it before reading any input, so
    /// that a wrong `-o` costs nothing.
    public static func check(_ path: String, inputs: [String]) throws(OutputTargetError) {
        protectInputs(inputs)
        try refuseProtectedInput(path, target: try resolve(path))
    }

    /// Records the files a run reads, by device and inode: no output of this process may
    /// replace or write into them. Paths that do not exist (yet) are ignored.
    public static func protectInputs(_ paths: [String]) {
        for path in paths {
            var info = stat()
            if stat(path, &info) == 0 { protected.insert(FileIdentity(info), path: path) }
        }
    }

    /// Throws when `path` (resolved as `target`) is a file recorded by ``protectInputs(_:)``.
    static func refuseProtectedInput(_ path: String, target: OutputTarget) throws(OutputTargetError) {
        var info = stat()
        let found: Int32
        switch target {
        case .file(let file): found = stat(file, &info)
        case .stream: return  // a device or a pipe is not an input we could destroy
        case .descriptor(let fd): found = fstat(fd, &info)
        }
        guard found == 0, info.st_mode & S_IFMT == S_IFREG, let input = protected.path(of: FileIdentity(info)) else { return }
        throw OutputTargetError(path: path, problem: "is the input \(input) (the same file); write the output elsewhere")
    }

    /// The folder of `path` ("." for a bare name).
    static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private static func requireFolder(of file: String, for path: String) throws(OutputTargetError) {
        let dir = folder(of: file)
        var info = stat()
        guard stat(dir, &info) == 0 else {
            throw OutputTargetError(path: path, problem: "the folder \(dir) does not exist")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw OutputTargetError(path: path, problem: "\(dir) is not a folder")
        }
        guard access(dir, W_OK) == 0 else {
            throw OutputTargetError(path: path, problem: "cannot write in the folder \(dir): \(String(cString: strerror(errno)))")
        }
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`, `/proc/<pid>/fd/N` for a
    /// descriptor this process holds open: its number.
    static func descriptorNumber(_ path: String) -> Int32? {
        let number: Int32?
        switch path {
        case "/dev/stdout": number = 1
        case "/dev/stderr": number = 2
        default:
            let prefixes = ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", "/proc/\(getpid())/fd/"]
            number = prefixes.first(where: path.hasPrefix).flatMap { Int32(path.dropFirst($0.count)) }
        }
        guard let number, number >= 0, fcntl(number, F_GETFD) != -1 else { return nil }
        return number
    }

    private static let protected = ProtectedInputs()
}

/// A file's identity: same device and inode is the same file, whatever the path.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64
    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// The process-wide set of input files that outputs must not replace.
private final class ProtectedInputs: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [FileIdentity: String] = [:]

    func insert(_ identity: FileIdentity, path: String) {
        lock.withLock { if files[identity] == nil { files[identity] = path } }
    }

    func path(of identity: FileIdentity) -> String? { lock.withLock { files[identity] } }

    func removeAll() { lock.withLock { files = [:] } }
}

extension OutputTarget {
    /// Empties the protected inputs (for tests, which outlive the files they protect).
    static func forgetProtectedInputs() { protected.removeAll() }
}
