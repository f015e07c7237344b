/// A command's options as the provenance of its outputs records them: the one place that says
/// which options a command records, under which names and in which order.
///
/// Conform each command's options (and each shared option group) and list, as parsed (defaults
/// included), the options that decide what is computed: inputs' parts, selections, seeds, rules.
/// Flags appear when set, optional options when given. Options that only choose how or where the
/// result is written (`-o`, `--format`) are not listed: the command line, recorded in full,
/// has them. What the numbers mean (normalisation, unit, set rules, coverage) is recorded as
/// conventions by the code that computes them, not here. See the ProvenancePolicy article.
public protocol RecordedOptions {
    /// `(name, value)` pairs in the order the provenance lists them; names are the long option
    /// names without dashes (`split`, `fit-per-class`).
    var recordedOptions: [(name: String, value: String)] { get }
}

extension Provenance {
    /// A record for `tool` with `options` recorded (``RecordedOptions``).
    public init(tool: String, options: some RecordedOptions, version: String = PenultimateVersion.string,
                commandLine: [String] = CommandLine.arguments) {
        self.init(tool: tool, version: version, commandLine: commandLine)
        record(options)
    }

    /// Records `options` (each replaces an earlier value of the same name, keeping its position).
    public mutating func record(_ options: some RecordedOptions) {
        for (name, value) in options.recordedOptions { setOption(name, value) }
    }

    /// The record as the one comment line a text table carries it in: `<!-- provenance: {…} -->`
    /// in Markdown, `# provenance: {…}` in CSV, `% provenance: {…}` in LaTeX. JSON documents carry
    /// the record as their `provenance` member instead, so `format` is never `.json` here.
    public func commentLine(_ format: TableFormat) -> String {
        let record = json()
        switch format {
        case .markdown, .json: return "<!-- provenance: \(record) -->"
        case .csv: return "# provenance: \(record)"
        case .latex: return "% provenance: \(record)"
        }
    }

    /// A text report as every tool writes one: the `notes` (conventions, one a line; plain in
    /// Markdown, `# ` in CSV, `% ` in LaTeX), the provenance line (``commentLine(_:)``), a blank
    /// line, then `body` (the rendered table or tables). The same text goes to `-o` and to stdout.
    public func framing(_ body: String, notes: [String] = [], format: TableFormat) -> String {
        let prefix: String
        switch format {
        case .csv: prefix = "# "
        case .latex: prefix = "% "
        case .markdown, .json: prefix = ""
        }
        return (notes.map { prefix + $0 } + [commentLine(format)]).joined(separator: "\n") + "\n\n" + body
    }
}
