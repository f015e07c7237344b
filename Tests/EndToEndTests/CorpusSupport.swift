import Foundation
import Testing

// A small private runner for the corpus and atomicity tests (ToolRunner.swift, by another
// helper, serves the other end-to-end tests; these names stay distinct from it on purpose).

/// The package root: three levels above this file (Tests/EndToEndTests/CorpusSupport.swift).
let corpusPackageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// What one tool run did.
struct CorpusRun: CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    /// The process ended by a signal (status is the signal number then).
    var signaled: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String
    var seconds: Double

    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }

    var description: String {
        let how = timedOut ? "timed out" : signaled ? "killed by signal \(status)" : "exit \(status)"
        return "\(arguments.joined(separator: " ")): \(how) after \(String(format: "%.1f", seconds)) s; "
            + "stderr: \(stderr.debugDescription); stdout: \(String(stdout.prefix(300)).debugDescription)"
    }
}

/// Runs the built executables in `<root>/.build/debug/` with a hard time limit.
enum CorpusTool {
    static let binDirectory = corpusPackageRoot.appendingPathComponent(".build/debug")

    static func path(_ tool: String) -> String { binDirectory.appendingPathComponent(tool).path }

    /// Runs `tool arguments` with stdout/stderr in files (no pipe can fill up), killing it after
    /// `timeout` seconds. `signal`, if given, is sent after `signalAfter` seconds (for interruption tests).
    ///
    /// Spawned with posix_spawn and an empty signal mask: children of Foundation's `Process` here
    /// inherit a mask that blocks SIGINT and SIGTERM, which would make interruption tests vacuous.
    static func run(_ tool: String, _ arguments: [String], timeout: Double = 20,
                    currentDirectory: URL? = nil, environment: [String: String] = [:],
                    signal: Int32? = nil, signalAfter: Double = 0) throws -> CorpusRun {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("penultimate-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("stdout").path, errPath = scratch.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
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

        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        // `env -C DIR` changes the folder (posix_spawn_file_actions_addchdir_np is not imported).
        let command = currentDirectory.map { ["/usr/bin/env", "-C", $0.path, path(tool)] } ?? [path(tool)]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw CorpusSetupError(message: "cannot start \(path(tool)): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var signalSent = signal == nil
        var timedOut = false
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            let elapsed = Date().timeIntervalSince(start)
            if !signalSent, elapsed >= signalAfter, let signal {
                kill(pid, signal)
                signalSent = true
            }
            if elapsed > timeout + (signal == nil ? 0 : signalAfter) {
                timedOut = true
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(5_000)
        }
        let signaled = (status & 0x7f) != 0
        return CorpusRun(
            arguments: [tool] + arguments,
            status: signaled ? status & 0x7f : (status >> 8) & 0xff,
            signaled: signaled,
            timedOut: timedOut,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "<not UTF-8>",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "<not UTF-8>",
            seconds: Date().timeIntervalSince(start))
    }

    /// Whether `tool` is built and is more than the placeholder that prints "not yet implemented".
    static func isImplemented(_ tool: String) -> Bool { stubReason(tool) == nil }

    /// Why `tool` cannot be tested yet, or nil when it can.
    static func stubReason(_ tool: String) -> String? {
        guard FileManager.default.isExecutableFile(atPath: path(tool)) else {
            return "\(tool) is not built at \(path(tool)); run swift build first"
        }
        guard let run = try? run(tool, ["--help"], timeout: 20) else { return "\(tool) does not start" }
        if (run.stdout + run.stderr).contains("not yet implemented") {
            return "\(tool) is still a stub (prints 'not yet implemented'); its corpus runs are skipped"
        }
        return nil
    }
}

/// One case of Tests/Corpus/make_corpus.py's `corpus.json`.
struct CorpusCase: Decodable, Sendable {
    var name: String
    var kind: String
    var files: [String]
    var expect: [String]
    var expect_ok: Bool
    var why: String
    /// The tools that must refuse this bad case; the others do not read the bad part and may
    /// accept it (nil: the plan decides).
    var refused_by: [String]?
}

/// The corpus, generated once per test process into a temporary directory.
struct GeneratedCorpus: Sendable {
    var directory: URL
    var cases: [CorpusCase]

    func paths(_ c: CorpusCase) -> [String] { c.files.map { directory.appendingPathComponent($0).path } }

    /// The valid reference dump (every bad case is an edit of it).
    var validDump: String { directory.appendingPathComponent("valid.h5").path }

    static let shared: Result<GeneratedCorpus, CorpusSetupError> = generate()

    static func load() throws -> GeneratedCorpus { try shared.get() }

    private static func generate() -> Result<GeneratedCorpus, CorpusSetupError> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("penultimate-corpus-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        let script = corpusPackageRoot.appendingPathComponent("Tests/Corpus/make_corpus.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, dir.path]
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            return .failure(CorpusSetupError(message: "cannot run python3 \(script): \(error)"))
        }
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(CorpusSetupError(message: "make_corpus.py failed (\(process.terminationStatus)): \(stderr)"))
        }
        struct Index: Decodable { var format: String; var cases: [CorpusCase] }
        do {
            let data = try Data(contentsOf: dir.appendingPathComponent("corpus.json"))
            let index = try JSONDecoder().decode(Index.self, from: data)
            return .success(GeneratedCorpus(directory: dir, cases: index.cases))
        } catch {
            return .failure(CorpusSetupError(message: "corpus.json: \(error)"))
        }
    }
}

struct CorpusSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
