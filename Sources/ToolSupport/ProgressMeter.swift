import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress line on stderr, shown only when stderr is a terminal, at most a few times a second.
///
/// Pipes, files and CI logs get nothing, so redirected output stays clean. Thread-safe.
public final class ProgressMeter: @unchecked Sendable {
    /// What is being counted, e.g. "train rows".
    public let label: String
    /// The expected total, if known.
    public let total: Int?
    private let minimumInterval: Double
    private let output: ((String) -> Void)?
    private let now: () -> Double
    private let lock = NSLock()
    private var completed = 0
    private var lastShown = -Double.infinity

    /// Whether stderr is a terminal.
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A writer to stderr if it is a terminal, else `nil` (silent).
    public static func terminalOutput() -> ((String) -> Void)? {
        guard standardErrorIsTerminal else { return nil }
        return { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Creates a progress line. `output` receives the text to print (by default stderr when it is
    /// a terminal, otherwise nothing); `now` is the clock in seconds (replaceable for tests).
    public init(_ label: String, total: Int? = nil, minimumInterval: Double = 0.2,
                output: ((String) -> Void)? = ProgressMeter.terminalOutput(),
                now: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.label = label
        self.total = total
        self.minimumInterval = minimumInterval
        self.output = output
        self.now = now
    }

    /// Whether anything will be printed at all.
    public var isEnabled: Bool { output != nil }

    /// Adds `count` to the completed amount.
    public func advance(by count: Int = 1) {
        lock.withLock {
            completed += count
            showIfDue()
        }
    }

    /// Sets the completed amount.
    public func update(completed value: Int) {
        lock.withLock {
            completed = value
            showIfDue()
        }
    }

    /// Prints the final state and ends the line.
    public func finish() {
        lock.withLock {
            guard let output else { return }
            output("\r" + renderLine() + "\n")
        }
    }

    /// The text of the progress line, e.g. "train rows: 450/1000 (45%)".
    public var currentLine: String { lock.withLock { renderLine() } }

    private func renderLine() -> String {
        guard let total, total > 0 else { return "\(label): \(completed)" }
        let percent = Int((Double(completed) * 100 / Double(total)).rounded(.down))
        return "\(label): \(completed)/\(total) (\(percent)%)"
    }

    private func showIfDue() {
        guard let output else { return }
        let time = now()
        guard time - lastShown >= minimumInterval else { return }
        lastShown = time
        output("\r" + renderLine())
    }
}
