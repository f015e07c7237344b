import ArgumentParser
import Foundation
import ToolSupport

extension ParsableCommand {
    /// Parses the command line and runs the chosen command, like `main()`, except that a usage
    /// error is one line on stderr (`tool: message`) and exit 64, as every other failure of the
    /// tools is one line. `--help`, `--version` and `help` print as usual and exit 0.
    public static func runAsTool(name: String = currentToolName) -> Never {
        // SIGINT/SIGTERM exit 130/143 (removing temporary outputs) from here on, parsing included.
        TemporaryFiles.installSignalCleanup()
        do {
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success { self.exit(withError: error) }
            let message = self.message(for: error)
                .split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .first { !$0.isEmpty } ?? "invalid command line"
            let line = message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
            FileHandle.standardError.write(Data("\(name): \(line)\n".utf8))
            fflush(nil)
            Foundation.exit(code.rawValue)
        }
    }
}

/// Range checks for option values, thrown from `validate()` as `ValidationError` (exit 64) with
/// one line that names the option and the value. (Fixed vocabularies and lists are types, not
/// checks: see ArgumentTypes.swift.)
public enum OptionCheck {
    /// `value` must be finite and within `range`.
    public static func finite(_ value: Double, _ option: String, in range: ClosedRange<Double>, unit: String = "") throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(option) \(value): expected a finite number from \(format(range.lowerBound)) to \(format(range.upperBound))\(unit)")
        }
    }

    /// `value` must lie within `range`.
    public static func integer(_ value: Int, _ option: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            if range.upperBound == .max { throw ValidationError("\(option) \(value): must be at least \(range.lowerBound)") }
            throw ValidationError("\(option) \(value): expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
    }

    /// `value` must hold something other than spaces.
    public static func nonEmpty(_ value: String, _ option: String) throws {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("\(option): empty value") }
    }

    private static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
