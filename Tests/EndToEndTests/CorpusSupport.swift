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
    static func run(_ tool: String, _ arguments: [String], timeout: Double = 20,
                    currentDirectory: URL? = nil, environment: [String: String] = [:],
                    signal: Int32? = nil, signalAfter: Double = 0) throws -> CorpusRun {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("penultimate-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(tool))
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let start = Date()
        try process.run()
        try? out.close()
        try? err.close()
        if let signal {
            if finished.wait(timeout: .now() + signalAfter) == .success {
                // Ended before the signal was due; report as is.
            } else {
                kill(process.processIdentifier, signal)
            }
        }
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        return CorpusRun(
            arguments: [tool] + arguments,
            status: process.terminationStatus,
            signaled: process.terminationReason == .uncaughtSignal,
            timedOut: timedOut,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "<not UTF-8>",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "<not UTF-8>",
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
