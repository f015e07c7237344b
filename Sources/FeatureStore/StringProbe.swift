#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HDF5

/// Reads a file's strings in a separate process before the tool reads them itself.
///
/// libhdf5 1.10.8 (Debian 12's) can crash or loop forever while converting variable-length
/// strings out of a corrupt global heap (`H5HG_read`, `H5HG__protect`; found by fuzzing the
/// reader). Nothing outside the library can tell such a heap from a good one, so the strings a
/// dump is opened with — the root attributes and `/classes` — are first read by
/// `penultimate-probe`, which is installed beside the tools: if it dies or hangs, the file is
/// reported as corrupt and the tool never touches it; if it finishes, the same reads are safe in
/// the tool, since they are deterministic. A fresh process rather than `fork`: a forked copy of a
/// multi-threaded process can inherit libhdf5's global lock held by another thread.
/// A corrupt string length can also make libhdf5 allocate (and touch) gigabytes for a file of a
/// few kilobytes; the probe runs with its memory capped at ``memoryLimitBytes`` and reports
/// reads that failed for want of memory, so such a file is refused before the tool allocates.
/// Costs one process start per opened file (a few milliseconds). Without the probe binary (a
/// program embedding FeatureStore elsewhere) files are read in-process as before;
/// `PENULTIMATE_NO_PROBE=1` turns the probe off.
public enum StringProbe {
    /// How long the probe may take before the heap is taken to loop.
    static let timeoutSeconds = 10.0

    /// The probe's cap on heap memory (`RLIMIT_DATA`). A dump's strings — class names and a few
    /// attributes — take kilobytes to a few megabytes, even for 21,841 classes.
    public static let memoryLimitBytes = 1 << 30

    /// The probe's exit status when libhdf5 ran out of memory under the cap.
    static let outOfMemoryStatus: Int32 = 3

    /// `$PENULTIMATE_PROBE`, else `penultimate-probe` beside the running executable, if there.
    static let probePath: String? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["PENULTIMATE_NO_PROBE"] == nil else { return nil }
        if let given = environment["PENULTIMATE_PROBE"] { return access(given, X_OK) == 0 ? given : nil }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let probe = me.deletingLastPathComponent().appendingPathComponent("penultimate-probe").path
        return access(probe, X_OK) == 0 ? probe : nil
    }()

    /// Throws when reading `path`'s strings crashes or hangs libhdf5; returns otherwise (also
    /// when the probe only met ordinary errors, which the in-process open reports properly).
    /// Centroid and projection files keep their strings in the same places (root attributes,
    /// `/classes`), so their readers call this too.
    public static func check(_ path: String) throws(StoreError) {
        guard let probe = probePath else { return }
        let identity = FileIdentity(path: path)
        if let identity, passed.withLock({ $0.contains(identity) }) { return }
        try run(probe, on: path)
        if let identity { passed.withLock { _ = $0.insert(identity) } }
    }

    /// Files whose probe finished, by device, inode, size and modification time: a file opened
    /// twice in one run (a format sniff, then the open) is probed once; a file changed since is
    /// probed again.
    private static let passed = LockedSet<FileIdentity>()

    /// Runs the probe on `path` and throws when it died, hung or ran out of memory.
    private static func run(_ probe: String, on path: String) throws(StoreError) {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in [0, 1, 2] as [Int32] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        // No other descriptor goes along: an inherited one would keep its file's libhdf5 lock
        // alive in the probe after this process has closed the file.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(probe), strdup(path), nil]
        defer { argv.forEach { free($0) } }
        // The probe gets a clean environment apart from what locates libraries.
        guard posix_spawn(&child, probe, &actions, nil, argv, environ) == 0 else { return }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let reaped = waitpid(child, &status, WNOHANG)
            if reaped == child { break }
            if reaped < 0 && errno != EINTR { return }
            if Date() > deadline {
                kill(child, SIGKILL)
                _ = waitpid(child, &status, 0)
                throw StoreError(file: path, object: "string storage",
                                 message: "libhdf5 did not finish reading the file's strings in \(Int(timeoutSeconds)) s (a corrupt global heap makes libhdf5 1.10 loop)",
                                 fix: "the file is corrupt: write it again")
            }
            usleep(1000)
        }
        let signal = status & 0x7f
        let exitCode = (status >> 8) & 0xff
        guard signal != 0 || exitCode != 0 else { return }
        if signal == 0 && exitCode == outOfMemoryStatus {
            throw StoreError(file: path, object: "string storage",
                             message: "libhdf5 needed more than \(memoryLimitBytes >> 20) MiB to read the file's strings (a corrupt string length)",
                             fix: "the file is corrupt: write it again")
        }
        let how = signal != 0 ? "crashed (signal \(signal))" : "failed (exit \(exitCode))"
        throw StoreError(file: path, object: "string storage",
                         message: "libhdf5 \(how) reading the file's strings (a corrupt global heap)",
                         fix: "the file is corrupt: write it again")
    }

    /// What identifies one version of a file on disk.
    struct FileIdentity: Hashable, Sendable {
        let device: UInt64, inode: UInt64, size: Int64, modified: Int, modifiedNanoseconds: Int

        init?(path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            #if canImport(Darwin)
            modified = Int(status.st_mtimespec.tv_sec)
            modifiedNanoseconds = Int(status.st_mtimespec.tv_nsec)
            #else
            modified = Int(status.st_mtim.tv_sec)
            modifiedNanoseconds = Int(status.st_mtim.tv_nsec)
            #endif
        }
    }

    /// The probe itself: caps this process's heap at ``memoryLimitBytes``, reads `path`'s strings
    /// and returns the exit status for ``check(_:)``: 0 when the reads finished (errors included:
    /// the tool reports those), ``outOfMemoryStatus`` when one failed for want of memory.
    public static func probe(path: String) -> Int32 {
        var limit = rlimit(rlim_cur: rlim_t(memoryLimitBytes), rlim_max: rlim_t(memoryLimitBytes))
        #if os(Linux)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &limit)
        #else
        _ = setrlimit(RLIMIT_DATA, &limit)
        #endif
        return readDumpStrings(path: path) ? 0 : outOfMemoryStatus
    }

    /// What opening a dump reads as strings — the root attributes and `/classes` — read here and
    /// now. It may crash or hang on a corrupt heap, which is the point of running it in a process
    /// of its own. Returns false when a read failed because libhdf5 could not allocate memory;
    /// other errors are ignored (the open reports those).
    static func readDumpStrings(path: String) -> Bool {
        var enoughMemory = true
        func attempt<T>(_ read: () throws -> T) -> T? {
            do { return try read() } catch {
                if let error = error as? HDF5Error, error.stackMentions("allocation failed") { enoughMemory = false }
                return nil
            }
        }
        guard let file = attempt({ try File(path: path, mode: .readOnly) }) else { return enoughMemory }
        let root = file.root
        // By name as well as by listing: a corrupt attribute table can hide names from the
        // listing that the open still reads directly.
        let names = Set(DumpAttributes.stringAttributeNames + (attempt { try root.attributeNames() } ?? []))
        // The array read is what a single-string read does too (it only checks the count after).
        for name in names where root.hasAttribute(name) {
            _ = attempt { try root.readStringArrayAttribute(name) }
        }
        for dataset in ["/classes/wnid", "/classes/name"] where root.kind(of: dataset) == .dataset {
            _ = attempt { try root.dataset(dataset).readStrings() }
        }
        return enoughMemory
    }
}

/// A set behind a lock, shared by every thread of the process.
final class LockedSet<Element: Hashable & Sendable>: @unchecked Sendable {
    private var elements = Set<Element>()
    private let lock = NSLock()

    func withLock<T>(_ body: (inout Set<Element>) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&elements)
    }
}
