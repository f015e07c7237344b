import ArgumentParser
import Foundation
import Penultimate
import ToolOptions

/// `plot`: paper-style figures from projection files, η reports and accuracy reports.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw projection grids, η bar charts or accuracy-vs-T charts as PNG, PDF or SVG.",
        discussion: """
        Projection files: one panel per file (one per split unless PATH:SPLIT picks one), in grid order.
        Colours follow the classes' order in the files, which must agree. Titles come from the files'
        source attributes ("Training w/ LS" columns, "T = 3" rows) unless given.
        --eta ETA.json: paired η(S1)/η(S2) bars per target, one panel per split, with CIs when present.
        --accuracy ACC.json: accuracy against T per teacher α, the teachers as flat reference lines.
        The format follows -o's extension; PNGs carry the dpi and a provenance text chunk.

        Example:
          plot T1.h5:train T1_ls.h5:train T1.h5:val T1_ls.h5:val T3.h5:train T3_ls.h5:train T3.h5:val T3_ls.h5:val --grid 2x4 -o fig.png
          plot --eta eta.json -o eta.pdf
          plot --accuracy acc.json --top5 -o acc.svg
        """)

    @Argument(help: "Projection files, each optionally PATH:SPLIT.")
    var inputs: [String] = []

    @Option(help: "η report (eta --format json) to draw as bars.")
    var eta: String?

    @Option(help: "Accuracy report (accuracy --format json) to draw against T.")
    var accuracy: String?

    @Flag(help: "With --accuracy: add a Top-5 panel.")
    var top5 = false

    @Option(help: "With --accuracy: the split to chart (default val when present).")
    var split: String?

    @Option(help: "Grid as ROWSxCOLUMNS, each 1 to 8, e.g. 2x4 (default: one row).")
    var grid: String?

    @Option(name: .customLong("row-titles"), help: "Comma-separated row labels, e.g. \"T = 1,T = 3\".")
    var rowTitles: String?

    @Option(help: "Comma-separated titles: one per column, or one per panel.")
    var titles: String?

    @Option(help: "Figure title.")
    var title: String?

    @Option(name: .shortAndLong, help: "Output: .png, .pdf or .svg.")
    var output: String

    @Option(parsing: .unconditional, help: "PNG resolution, 10 to 2400.")
    var dpi: Double = 200

    @Option(parsing: .unconditional, help: "Width in inches, 0.5 to 100.")
    var width: Double?

    @Option(parsing: .unconditional, help: "Height in inches, 0.5 to 100.")
    var height: Double?

    /// Ranges of the numeric options: beyond them a figure is unreadable or too big to draw.
    static let dpiRange = 10.0...2400.0, inchRange = 0.5...100.0
    /// The largest grid: enough for the paper's 2 x 4 and sweeps, small enough to stay legible.
    static let maxGridSide = 8

    func validate() throws {
        let modes = [!inputs.isEmpty, eta != nil, accuracy != nil].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give projection files, or --eta FILE, or --accuracy FILE (exactly one)") }
        if let grid, parseGrid(grid) == nil {
            throw ValidationError("--grid '\(grid)': expected ROWSxCOLUMNS with each from 1 to \(Self.maxGridSide), e.g. 2x4")
        }
        try OptionCheck.finite(dpi, "--dpi", in: Self.dpiRange)
        if let width { try OptionCheck.finite(width, "--width", in: Self.inchRange, unit: " inches") }
        if let height { try OptionCheck.finite(height, "--height", in: Self.inchRange, unit: " inches") }
        if let split { try OptionCheck.nonEmpty(split, "--split") }
        if let eta { try OptionCheck.nonEmpty(eta, "--eta") }
        if let accuracy { try OptionCheck.nonEmpty(accuracy, "--accuracy") }
        do { _ = try OutputFormat(path: output) } catch {
            throw ValidationError("-o \(output): unknown figure format; use .png, .pdf or .svg")
        }
    }

    func parseGrid(_ text: String) -> (rows: Int, columns: Int)? {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let rows = Int(parts[0]), let columns = Int(parts[1]),
              (1...Self.maxGridSide).contains(rows), (1...Self.maxGridSide).contains(columns) else { return nil }
        return (rows, columns)
    }

    func list(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func run() throws {
        runTool(name: "plot") {
            // Projection arguments may be PATH:SPLIT; both spellings are protected.
            let named = inputs.flatMap { argument in [argument] + (argument.lastIndex(of: ":").map { [String(argument[..<$0])] } ?? []) }
            try OutputTarget.check(output, inputs: named + [eta, accuracy].compactMap { $0 })
            let format = try OutputFormat(path: output)
            var provenance = Provenance(tool: "plot")
            let figure: Figure
            if let eta {
                try provenance.addInput(path: eta)
                figure = etaFigure(try EtaChartData.read(path: eta), title: title, width: width, height: height, dpi: dpi)
            } else if let accuracy {
                try provenance.addInput(path: accuracy)
                figure = try accuracyFigure(try AccuracyChartData.read(path: accuracy), path: accuracy, split: split, top5: top5,
                                            title: title, width: width, height: height, dpi: dpi)
            } else {
                var panels: [ProjectionPanelInput] = []
                for argument in inputs {
                    let found = try ProjectionPanelInput.panels(argument: argument)
                    if let path = found.first?.path, !provenance.inputs.contains(where: { $0.path == path }) {
                        try provenance.addInput(path: path)
                    }
                    panels += found
                }
                let shape = grid.flatMap(parseGrid)
                let options = ProjectionFigureOptions(rows: shape?.rows, columns: shape?.columns, titles: list(titles),
                                                      rowTitles: list(rowTitles), title: title, width: width, height: height, dpi: dpi)
                figure = try projectionFigure(panels, options: options)
            }
            for (name, value) in [("grid", grid), ("titles", titles), ("row-titles", rowTitles), ("title", title),
                                  ("width", width.map { "\($0)" }), ("height", height.map { "\($0)" }), ("split", split)] {
                if let value { provenance.setOption(name, value) }
            }
            provenance.setOption("dpi", "\(dpi)")
            if top5 { provenance.setOption("top5", "true") }
            let bytes = try figure.render(format: format, provenance: ["Software": "penultimate plot \(PenultimateVersion.string)",
                                                                        "provenance": provenance.json()])
            try AtomicOutput.write(Data(bytes), to: output)
            let count = figure.panels.count
            print("\(output): \(figure.rows)x\(figure.columns) \(format.rawValue), \(count) panel\(count == 1 ? "" : "s")")
        }
    }
}

Plot.runAsTool(name: "plot")
