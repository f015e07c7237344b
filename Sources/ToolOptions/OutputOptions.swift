import ArgumentParser
import ToolSupport

/// `-o FILE` and `--format markdown|csv|latex|json`: where a tool's table goes and in what form.
///
/// Output files are written atomically (``AtomicOutput``): a failed run leaves an existing file as
/// it was. `-o` naming an input is refused; devices, FIFOs and `/dev/stdout` are written in place;
/// symlinks are written through (``OutputTarget`` has the whole policy). Without `-o` the text
/// goes to stdout, which then carries nothing else.
public struct OutputOptions: ParsableArguments {
    /// The output file; nil for stdout.
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE (atomically) instead of stdout.", valueName: "FILE"))
    public var output: String?

    /// The text format.
    @Option(help: "Output format; every format carries the provenance (tables as one comment line, JSON as a member).")
    public var format: TableFormat = .markdown

    /// Options with their defaults.
    public init() {}

    /// Throws (exit 64) unless `-o`, when given, can be written without touching `inputs`
    /// (``OutputTarget/check(_:inputs:)``). Call it first in `run`, before reading the inputs.
    public func check(inputs: [String]) throws {
        if let output { try OutputTarget.check(output, inputs: inputs) }
    }

    /// Writes `text` to the output file atomically, or to stdout.
    public func emit(_ text: String) throws {
        if let output {
            try AtomicOutput.write(text, to: output)
        } else {
            print(text, terminator: "")
        }
    }
}
