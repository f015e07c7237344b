import Foundation

// What the test targets share: running processes (the built tools, python3 with numpy and h5py),
// temporary directories and the package root. One copy here instead of one per test target.

/// What a finished process left behind.
public struct ProcessResult: Sendable {
    /// The exit status (or the signal number, when the process was killed).
    public var status: Int32
    /// Everything written to stdout, decoded as UTF-8.
    public var stdout: String
    /// Everything written to stderr, decoded as UTF-8.
    public var stderr: String
    /// stderr split into lines (no empty trailing line).
    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs `executable` with `arguments` and waits for it. `environment` is added to this process's
/// environment; `stdin` is written to the child's stdin, which is otherwise closed (/dev/null).
///
/// stdin is written and stderr read on their own threads while stdout is read here, so a child
/// that writes a lot to either stream (or reads a lot) cannot fill a pipe and deadlock.
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       currentDirectory: String? = nil, stdin: Data? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = stdin.map { _ in Pipe() }
    process.standardInput = input ?? FileHandle.nullDevice
    try process.run()

    let done = DispatchGroup()
    if let input, let stdin {
        done.enter()
        Thread {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
            done.leave()
        }.start()
    }
    let errors = DataBox()
    done.enter()
    Thread {
        errors.data = err.fileHandleForReading.readDataToEndOfFile()
        done.leave()
    }.start()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    done.wait()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                         stderr: String(decoding: errors.data, as: UTF8.self))
}

/// Hands a reader thread's bytes back; `DispatchGroup.wait` orders the write before the read.
private final class DataBox: @unchecked Sendable { var data = Data() }

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
public func python(_ script: String, arguments: [String] = [], in directory: String? = nil, stdin: Data? = nil) throws -> String {
    let result = try runProcess("/usr/bin/env", ["python3", "-c", "import sys, os\nimport numpy as np, h5py\n" + script] + arguments,
                                currentDirectory: directory, stdin: stdin)
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

/// A fresh empty directory under the system temporary folder, named `<prefix>-<UUID>`.
public func temporaryDirectory(prefix: String) throws -> String {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The package root, found from this file's path (Sources/TestSupport/TestSupport.swift).
public let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Runs the built tools as a user would.
public enum ToolRunner {
    /// Runs `<packageRoot>/.build/debug/<tool> arguments…` with stdin closed and waits for it;
    /// `currentDirectory` is where relative paths in `arguments` start (default: this process's).
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: String? = nil) throws -> ProcessResult {
        try runProcess(packageRoot + "/.build/debug/" + tool, arguments, environment: environment,
                       currentDirectory: currentDirectory)
    }
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
