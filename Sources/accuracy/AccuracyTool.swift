import ArgumentParser
import Foundation
import Penultimate
import ToolOptions

@main
struct AccuracyTool: ParsableCommand {
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

    @Option(help: "Split to measure.")
    var split: String = "val"

    @OptionGroup var output: OutputOptions
    @OptionGroup var partial: PartialOption

    func validate() throws {
        guard !dumps.isEmpty else { throw ValidationError("give at least one DUMP") }
        try OptionCheck.nonEmpty(split, "--split")
    }

    func run() throws {
        runTool(name: "accuracy") {
            try output.check(inputs: dumps)
            var provenance = Provenance(tool: "accuracy")
            provenance.setOption("split", split)
            provenance.setOption("format", output.format.rawValue)
            provenance.setConvention("unit", "percent")
            provenance.setConvention("ties", "equal logits rank by ascending class index")
            var measurements: [AccuracyMeasurement] = []
            for path in dumps {
                try provenance.addInput(path: path)
                let measured = try AccuracyMeasurement.measure([path], split: split, partial: partial.partial)
                if !measured.coverage.isEmpty { provenance.setOption("coverage \(path)", measured.coverage) }
                measurements.append(measured)
            }
            let table = try AccuracyTable(measurements)
            let datasets = Set(measurements.map(\.attributes.dataset)).sorted().joined(separator: ", ")
            let caption = "Top-1 / top-5 accuracy, split \(split), \(datasets)"
            let text: String
            switch output.format {
            case .json:
                text = table.json(provenance: provenance)
            case .markdown:
                text = table.table(caption: caption).render(.markdown)
                    + "\n<!-- provenance: \(provenance.json()) -->\n"
            case .csv:
                text = provenance.textLines().map { "# \($0)\n" }.joined() + table.table(caption: caption).render(.csv)
            case .latex:
                text = provenance.textLines().map { "% \($0)\n" }.joined() + table.table(caption: caption).render(.latex)
            }
            try output.emit(text)
        }
    }
}
