import ArgumentParser
import Foundation
import Penultimate
import ToolOptions

@main
struct AccuracyTool: ParsableCommand, RecordedOptions {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Top-1 / top-5 accuracy from saved logits, laid out like the paper's table.",
        discussion: """
            Rows: teacher, then the students' temperatures (ascending); columns: the teacher's α \
            (a teacher's own, a student's teacher's), all read from the dumps' attributes. Cells: \
            top-1 / top-5 in percent. Dumps without logits and two dumps for one cell are errors (65).

            Example:
              accuracy Fixtures/minilab/*.h5 --split val --format markdown
            """,
        version: PenultimateVersion.string)

    /// One-line usage errors (``ParsableCommand/runAsTool(name:)``).
    static func main() { runAsTool(name: "accuracy") }

    @Argument(help: ArgumentHelp("Feature dumps (format v1) with logits.", valueName: "DUMP"))
    var dumps: [String]

    @Option(help: ArgumentHelp("The one split to measure (default: val).", valueName: "SPLIT"), transform: SplitName.init(parsing:))
    var split = SplitName("val")

    @OptionGroup var output: OutputOptions
    @OptionGroup var partial: PartialOption

    func validate() throws {
        guard !dumps.isEmpty else { throw ValidationError("give at least one DUMP") }
    }

    /// The split, and partial when set; `--format` and `-o` choose only the rendering.
    var recordedOptions: [(name: String, value: String)] { [("split", split.name)] + partial.recordedOptions }

    func run() throws {
        runTool(name: "accuracy") {
            try output.check(inputs: dumps)
            let split = split.name
            var provenance = Provenance(tool: "accuracy", options: self)
            provenance.setConvention("unit", "percent")
            provenance.setConvention("ties", "equal logits rank by ascending class index")
            var measurements: [AccuracyMeasurement] = []
            for path in dumps {
                try provenance.addInput(path: path)
                let measured = try AccuracyMeasurement.measure([path], split: split, partial: partial.partial)
                if !measured.coverage.isEmpty { provenance.setConvention("coverage \(path)", measured.coverage) }
                measurements.append(measured)
            }
            let table = try AccuracyTable(measurements)
            let datasets = Set(measurements.map(\.attributes.dataset)).sorted().joined(separator: ", ")
            let caption = "Top-1 / top-5 accuracy, split \(split), \(datasets)"
            // One provenance policy (ToolSupport's ProvenancePolicy article): JSON carries the record as its
            // member, a text table as one comment line above the table, to -o and to stdout alike.
            let format = output.format
            try output.emit(format == .json ? try table.json(provenance: provenance)
                                            : provenance.framing(table.table(caption: caption).render(format), format: format))
        }
    }
}
