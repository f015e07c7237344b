import CMalloc
import Foundation

/// The exit statuses of the penultimate tools (BSD sysexits where one fits).
public enum ToolExitCode: Int32, Sendable, CaseIterable {
    /// Success.
    case success = 0
    /// The command line is wrong (EX_USAGE).
    case usage = 64
    /// An input file or value is wrong (EX_DATAERR).
    case badInput = 65
    /// A defect or an unexpected failure (EX_SOFTWARE).
    case internalFailure = 70
    /// Stopped by SIGINT (128 + 2).
    case interrupted = 130
    /// Stopped by SIGTERM (128 + 15).
    case terminated = 143
}

/// An error that knows which exit status it deserves. Modules that do not depend on ToolSupport
/// get it by a retroactive conformance at the edge, e.g. `extension StoreError: BadInput {}`.
public protocol ExitCodeProviding: Error {
    /// The status the tool exits with when this error ends it.
    var toolExitCode: ToolExitCode { get }
}

/// Marks errors caused by the user's input (files, values): exit 65.
public protocol BadInput: ExitCodeProviding {}
extension BadInput {
    public var toolExitCode: ToolExitCode { .badInput }
}

/// Marks errors in how a tool was invoked: exit 64.
public protocol UsageFailure: ExitCodeProviding {}
extension UsageFailure {
    public var toolExitCode: ToolExitCode { .usage }
}

/// Errors raised by the tools themselves, with a one-line message.
public enum ToolError: Error, ExitCodeProviding, CustomStringConvertible, Equatable {
    /// Wrong arguments (64).
    case usage(String)
    /// Wrong input (65).
    case badInput(String)
    /// A defect (70).
    case internalFailure(String)
    /// The user interrupted the run (130).
    case interrupted

    public var toolExitCode: ToolExitCode {
        switch self {
        case .usage: return .usage
        case .badInput: return .badInput
        case .internalFailure: return .internalFailure
        case .interrupted: return .interrupted
        }
    }

    public var description: String {
        switch self {
        case .usage(let message), .badInput(let message), .internalFailure(let message): return message
        case .interrupted: return "interrupted"
        }
    }
}

/// The exit status for any error:
/// ``ExitCodeProviding`` errors say it themselves (swift-argument-parser's `ValidationError` is
/// ``UsageFailure`` by a conformance in ToolOptions, the module that brings the parser in);
/// Foundation's file-reading errors and `CancellationError` are bad input and interrupted;
/// anything else is an internal failure.
public func toolExitCode(for error: any Error) -> ToolExitCode {
    if let classified = error as? any ExitCodeProviding { return classified.toolExitCode }
    if error is CancellationError { return .interrupted }
    if let cocoa = error as? CocoaError, cocoa.isFileError { return .badInput }
    return .internalFailure
}

/// The one line a tool prints for `error`: `tool: message`, with any newlines in the message
/// folded into "; " so that the report stays one line.
public func toolErrorLine(tool: String, error: any Error) -> String {
    let message = String(describing: error)
        .split(whereSeparator: \.isNewline)
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
        .joined(separator: "; ")
    return "\(tool): \(message.isEmpty ? "unknown error" : message)"
}

/// The name the tool was invoked as (last path component of argv[0]).
public var currentToolName: String {
    (CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent }) ?? "penultimate"
}

/// Runs a tool's body and exits: 0 on success; otherwise prints exactly one line
/// `tool: message` to stderr and exits with ``toolExitCode(for:)``.
public func runTool(name: String = currentToolName, _ body: () throws -> Void) -> Never {
    // From the first instruction on, SIGINT/SIGTERM end the tool with 130/143 after removing any
    // temporary output, whatever phase it is in.
    TemporaryFiles.installSignalCleanup()
    returnLargeBuffersToTheSystem()
    let code: ToolExitCode
    do {
        try body()
        code = .success
    } catch {
        code = reportAndClassify(error, tool: name)
    }
    exitProcess(code)
}

/// Makes glibc serve every allocation of 256 KiB or more (read windows, per-worker sums, a split's
/// labels while it is checked) from its own mapping, returned to the system when freed. By default
/// the threshold rises to the largest block freed so far, after which such blocks come from the
/// heap, which keeps the memory of buffers a finished phase freed (2 MiB of a 63 MiB `eta` run on
/// two ImageNet-size dumps).
func returnLargeBuffersToTheSystem() {
    _ = shim_set_mmap_threshold(256 << 10)
}

/// The `async` form of ``runTool(name:_:)``.
public func runTool(name: String = currentToolName, _ body: () async throws -> Void) async -> Never {
    TemporaryFiles.installSignalCleanup()
    returnLargeBuffersToTheSystem()
    let code: ToolExitCode
    do {
        try await body()
        code = .success
    } catch {
        code = reportAndClassify(error, tool: name)
    }
    exitProcess(code)
}

private func reportAndClassify(_ error: any Error, tool: String) -> ToolExitCode {
    FileHandle.standardError.write(Data((toolErrorLine(tool: tool, error: error) + "\n").utf8))
    return toolExitCode(for: error)
}

private func exitProcess(_ code: ToolExitCode) -> Never {
    fflush(nil)  // all C streams; stdout may be a pipe with buffered rows
    exit(code.rawValue)
}

extension CocoaError {
    /// Whether this is one of Foundation's file reading/writing errors (missing, permission, corrupt).
    var isFileError: Bool {
        (CocoaError.Code.fileNoSuchFile.rawValue...CocoaError.Code.fileWriteVolumeReadOnly.rawValue).contains(code.rawValue)
    }
}
