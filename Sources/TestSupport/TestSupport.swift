import Foundation

// What the test targets share: running processes (the built tools, python3 with numpy and h5py),
// temporary directories and the package root. One copy here instead of one per test target.

/// What a finished process left behind.
public struct ProcessResult: Sendable, CustomStringConvertible {
    /// The command line: the executable and its arguments.
    public var arguments: [String]
    /// The exit status, or the signal number when the process was killed by a signal.
    public var status: Int32
    /// The process ended by a signal (`status` is the signal number then).
    public var signaled: Bool
    /// Everything written to stdout, decoded as UTF-8.
    public var stdout: String
    /// Everything written to stderr, decoded as UTF-8.
    public var stderr: String
    /// Wall-clock seconds from start to exit.
    public var seconds: Double
    /// stderr split into lines (no empty trailing line).
    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// How it ended and what it wrote, for a failing expectation's message.
    public var description: String {
        let how = signaled ? "killed by signal \(status)" : "exit \(status)"
        return "\(arguments.joined(separator: " ")): \(how) after \(String(format: "%.1f", seconds)) s; "
            + "stderr: \(stderr.debugDescription); stdout: \(String(stdout.prefix(300)).debugDescription)"
    }
}

/// A process that ran past its time limit (it was killed; the test fails instead of hanging).
public struct ProcessTimedOut: Error, CustomStringConvertible {
    /// What it had done when it was killed.
    public var result: ProcessResult
    /// The limit it ran past.
    public var timeout: Double
    /// For the test log.
    public var description: String { "timed out after \(timeout) s: \(result)" }
}

/// A process that could not be started.
public struct ProcessStartFailure: Error, CustomStringConvertible {
    /// For the test log.
    public var description: String
}

/// A signal sent to a running child, for interruption tests.
public struct Interruption: Sendable {
    /// The signal to send.
    public var signal: Int32
    /// Checked every few milliseconds while the child runs; the signal is sent the first time it
    /// returns true.
    public var when: @Sendable (_ elapsedSeconds: Double) -> Bool

    /// Sends `signal` once `seconds` have passed.
    public static func after(_ seconds: Double, send signal: Int32) -> Interruption {
        Interruption(signal: signal) { $0 >= seconds }
    }

    /// Sends `signal` once `path` exists and is not empty (the child says it is ready).
    public static func whenFileAppears(_ path: String, send signal: Int32) -> Interruption {
        Interruption(signal: signal) { _ in
            ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 0
        }
    }
}

/// Runs `executable` with `arguments` and waits for it, at most `timeout` seconds: past that it is
/// killed and ``ProcessTimedOut`` is thrown, so a hung child fails its test instead of hanging the
/// suite. `environment` is added to this process's environment; `stdin` is what the child reads
/// (otherwise /dev/null); `interruption` sends a signal while it runs.
///
/// The one way the tests start processes. stdout and stderr go to files, so no pipe can fill up
/// and deadlock however much the child writes. The child is started with posix_spawn, an empty
/// signal mask and default handlers: children of Foundation's `Process` inherit the test runner's
/// mask, which blocks SIGINT and SIGTERM and would make interruption tests vacuous.
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       currentDirectory: String? = nil, stdin: Data? = nil, timeout: Double = 300,
                       interruption: Interruption? = nil) throws -> ProcessResult {
    let scratch = try temporaryDirectory(prefix: "penultimate-process")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let inPath = scratch + "/stdin", outPath = scratch + "/stdout", errPath = scratch + "/stderr"
    if let stdin { try stdin.write(to: URL(fileURLWithPath: inPath)) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    // `env -C DIR` changes the folder (posix_spawn_file_actions_addchdir_np is not imported).
    let command = currentDirectory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]
    let argv = (command + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let start = Date()
    let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
    guard spawned == 0 else {
        throw ProcessStartFailure(description: "cannot start \(command[0]): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    var signalSent = interruption == nil
    var timedOut = false
    while true {
        if waitpid(pid, &status, WNOHANG) == pid { break }
        let elapsed = Date().timeIntervalSince(start)
        if !signalSent, let interruption, interruption.when(elapsed) {
            kill(pid, interruption.signal)
            signalSent = true
        }
        if elapsed > timeout {
            timedOut = true
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            break
        }
        usleep(2_000)
    }
    let signaled = (status & 0x7f) != 0
    let result = ProcessResult(
        arguments: [executable] + arguments,
        status: signaled ? status & 0x7f : (status >> 8) & 0xff,
        signaled: signaled,
        stdout: String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self),
        stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self),
        seconds: Date().timeIntervalSince(start))
    if timedOut { throw ProcessTimedOut(result: result, timeout: timeout) }
    return result
}

/// A python3 script that failed: its exit status and stderr.
public struct PythonFailure: Error, CustomStringConvertible {
    /// The script's exit status.
    public var status: Int32
    /// What it wrote to stderr (the traceback).
    public var stderr: String
    /// The traceback, for the test log.
    public var description: String { "python3 exited with \(status): \(stderr)" }
}

/// Runs `script` with `python3` from PATH (CI installs numpy and h5py there), preceded by
/// `import sys, os` and `import numpy as np, h5py`, so cross-check scripts start with the
/// conventional names. Returns stdout; throws ``PythonFailure`` with the traceback on failure.
@discardableResult
public func python(_ script: String, arguments: [String] = [], in directory: String? = nil, stdin: Data? = nil,
                   timeout: Double = 300) throws -> String {
    let result = try runProcess("/usr/bin/env", ["python3", "-c", "import sys, os\nimport numpy as np, h5py\n" + script] + arguments,
                                currentDirectory: directory, stdin: stdin, timeout: timeout)
    guard result.status == 0 else { throw PythonFailure(status: result.status, stderr: result.stderr) }
    return result.stdout
}

/// A script's stdout as rows of numbers: one row per line, values separated by single spaces (what
/// `print(*values)` writes). Throws when a value does not parse, so a stray message cannot pass as data.
public func numberRows(_ text: String) throws -> [[Double]] {
    try text.split(separator: "\n").map { line in
        try line.split(separator: " ").map {
            guard let value = Double($0) else { throw NotANumber(text: String($0)) }
            return value
        }
    }
}

/// A value in a script's output that is not a number.
public struct NotANumber: Error, CustomStringConvertible {
    /// The offending text.
    public var text: String
    /// What went wrong, for the test log.
    public var description: String { "not a number in the script's output: \(text)" }
}

/// A fresh empty directory named `<prefix>-<UUID>` in ``testScratchRoot``, removed with it when
/// the test process exits.
public func temporaryDirectory(prefix: String) throws -> String {
    let path = (testScratchRoot as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The one folder under the system temporary folder that holds everything this test process
/// writes, `penultimate-tests-<pid>`. It is removed when the process exits, so a full run (several
/// GB of generated dumps) leaves nothing behind; set `PENULTIMATE_KEEP_TEST_FILES=1` to keep it.
public let testScratchRoot: String = {
    let root = (NSTemporaryDirectory() as NSString).appendingPathComponent("penultimate-tests-\(getpid())")
    try? FileManager.default.removeItem(atPath: root)
    try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    if ProcessInfo.processInfo.environment["PENULTIMATE_KEEP_TEST_FILES"] != "1" {
        atexit { try? FileManager.default.removeItem(atPath: testScratchRoot) }
    }
    return root
}()

/// The package root, found from this file's path (Sources/TestSupport/TestSupport.swift).
public let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Runs the built tools as a user would.
public enum ToolRunner {
    /// The folders that may hold the built tools, best first: the folder of the running test
    /// binary (the configuration `swift test` just built, debug or release), then
    /// `.build/debug` and `.build/release`.
    public static let binDirectories: [String] = {
        var folders: [String] = []
        #if os(Linux)
        if let running = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            folders.append((running as NSString).deletingLastPathComponent)
        }
        #endif
        if let bundle = Bundle.main.executablePath { folders.append((bundle as NSString).deletingLastPathComponent) }
        folders += [packageRoot + "/.build/debug", packageRoot + "/.build/release"]
        var seen = Set<String>()
        return folders.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }.filter { seen.insert($0).inserted }
    }()

    /// The built `tool`; throws ``ToolNotBuilt`` (the test fails) when no folder holds it.
    public static func path(_ tool: String) throws -> String {
        for folder in binDirectories where FileManager.default.isExecutableFile(atPath: folder + "/" + tool) {
            return folder + "/" + tool
        }
        throw ToolNotBuilt(tool: tool, searched: binDirectories)
    }

    /// Runs the built `tool` with `arguments`, stdin closed, and waits for it (at most `timeout`
    /// seconds, see ``runProcess(_:_:environment:currentDirectory:stdin:timeout:interruption:)``);
    /// `currentDirectory` is where relative paths in `arguments` start (default: this process's).
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: String? = nil, timeout: Double = 300,
                           interruption: Interruption? = nil) throws -> ProcessResult {
        var result = try runProcess(try path(tool), arguments, environment: environment, currentDirectory: currentDirectory,
                                    timeout: timeout, interruption: interruption)
        result.arguments[0] = tool
        return result
    }
}

/// A tool the tests need is not built: a failure, never a skip.
public struct ToolNotBuilt: Error, CustomStringConvertible {
    /// The tool's name.
    public var tool: String
    /// Where it was looked for.
    public var searched: [String]
    /// For the test log.
    public var description: String { "\(tool) is not built in \(searched.joined(separator: " or ")); run swift build first" }
}

// MARK: - Numbers

/// Deterministic standard-normal Floats (Box–Muller over `generator`'s 53-bit draws).
public func gaussian<G: RandomNumberGenerator>(_ count: Int, _ generator: inout G) -> [Float] {
    (0..<count).map { _ in
        let u = (Double(generator.next() >> 11) + 0.5) / 9_007_199_254_740_992
        let v = Double(generator.next() >> 11) / 9_007_199_254_740_992
        return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
    }
}

/// |a − b| ≤ tolerance · max(|a|, |b|), plus 1e-15 so exact zeros compare.
public func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(abs(a), abs(b)) + 1e-15
}

/// ``close(_:_:_:)`` element by element, and the same length.
public func allClose(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-9) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, tolerance) }
}
