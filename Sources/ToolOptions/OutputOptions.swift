import ArgumentParser
import ToolSupport

extension TableFormat: ExpressibleByArgument {}

/// `-o FILE` and `--format markdown|csv|latex|json`: where a tool's table goes and in what form.
///
/// Output files are written atomically (``AtomicOutput``): a failed run leaves an existing file as
/// it was. Without `-o` the text goes to stdout, which then carries nothing else.
public struct OutputOptions: ParsableArguments {
    /// The output file; nil for stdout.
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE (atomically) instead of stdout.", valueName: "FILE"))
    public var output: String?

    /// The text format.
    @Option(help: "Output format: markdown, csv, latex or json.")
    public var format: TableFormat = .markdown

    /// Options with their defaults.
    public init() {}

    /// Writes `text` to the output file atomically, or to stdout.
    public func emit(_ text: String) throws {
        if let output {
            try AtomicOutput.write(text, to: output)
        } else {
            print(text, terminator: "")
        }
    }
}
