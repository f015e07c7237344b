import Foundation
import TestSupport
import Testing

// The corpus and atomicity tests' spelling of TestSupport's one process runner (`ToolRunner`):
// folders as URLs, and a signal sent after a delay.

/// The package root.
let corpusPackageRoot = URL(fileURLWithPath: packageRoot)

/// What one tool run did.
typealias CorpusRun = ProcessResult

/// Runs the built executables (``ToolRunner``) with a hard time limit.
enum CorpusTool {
    /// Runs `tool arguments`, killing it after `timeout` seconds (the test fails with
    /// ``ProcessTimedOut``). `signal`, if given, is sent after `signalAfter` seconds (for
    /// interruption tests); the time limit then starts from the signal.
    static func run(_ tool: String, _ arguments: [String], timeout: Double = 20,
                    currentDirectory: URL? = nil, environment: [String: String] = [:],
                    signal: Int32? = nil, signalAfter: Double = 0) throws -> CorpusRun {
        try ToolRunner.run(tool, arguments, environment: environment, currentDirectory: currentDirectory?.path,
                           timeout: timeout + (signal == nil ? 0 : signalAfter),
                           interruption: signal.map { Interruption.after(signalAfter, send: $0) })
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
        let dir = URL(fileURLWithPath: testScratchRoot).appendingPathComponent("corpus")
        try? FileManager.default.removeItem(at: dir)
        let script = corpusPackageRoot.appendingPathComponent("Tests/Corpus/make_corpus.py").path
        do {
            let made = try runProcess("/usr/bin/env", ["python3", script, dir.path], timeout: 600)
            guard made.status == 0, !made.signaled else {
                return .failure(CorpusSetupError(message: "make_corpus.py failed: \(made)"))
            }
        } catch {
            return .failure(CorpusSetupError(message: "cannot run python3 \(script): \(error)"))
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
