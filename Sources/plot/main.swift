import ArgumentParser
import Foundation
import Penultimate
import ToolOptions

/// `plot`: paper-style figures from projection files, η reports and accuracy reports.
struct Plot: ParsableCommand, RecordedOptions {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw projection grids, η bar charts or accuracy-vs-T charts as PNG, PDF or SVG.",
        discussion: """
        Projection files: one panel per file (one per split unless PATH:SPLIT picks one), in grid order.
        Colours follow the classes' order in the files, which must agree. Titles come from the files'
        source attributes ("Training w/ LS" columns, "T = 3" rows) unless given.
        --eta ETA.json: paired η(S1)/η(S2) bars per target, one panel per split, with CIs when present.
        --accuracy ACC.json: accuracy against T per teacher α, the teachers as flat reference lines.
        --pairs A.json [B.json ...]: mean change of pair distances against relatedness (eta pairs), one line per file.
        --geometry GEO.json (repeatable): mean s/d and within/between of teachers and students across T.
        The format follows -o's extension; PNGs carry the dpi and a provenance text chunk.

        Example:
          plot T1.h5:train T1_ls.h5:train T1.h5:val T1_ls.h5:val T3.h5:train T3_ls.h5:train T3.h5:val T3_ls.h5:val --grid 2x4 -o fig.png
          plot --eta eta.json -o eta.pdf
          plot --accuracy acc.json --top5 -o acc.svg
          plot --pairs pairs_T2.json pairs_T3.json -o pairs.png
        """)

    @Argument(help: "Projection files, each optionally PATH:SPLIT.")
    var inputs: [String] = []

    @Option(help: "η report (eta --format json) to draw as bars.")
    var eta: String?

    @Option(help: "Accuracy report (accuracy --format json) to draw against T.")
    var accuracy: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Pair reports (eta pairs --format json) to draw against relatedness, one line each.", valueName: "FILE"))
    var pairs: [String] = []

    @Option(help: "Geometry report (geometry --format json) to chart; repeat to combine reports.")
    var geometry: [String] = []

    @Flag(help: "With --accuracy: add a Top-5 panel.")
    var top5 = false

    @Option(help: ArgumentHelp("With --accuracy or --geometry: the one split to chart (default val when present).", valueName: "SPLIT"),
            transform: SplitName.init(parsing:))
    var split: SplitName?

    @Option(help: ArgumentHelp("Grid as ROWSxCOLUMNS, each 1 to \(GridShape.maxSide), e.g. 2x4 (default: one row).", valueName: "ROWSxCOLUMNS"),
            transform: GridShape.init(parsing:))
    var grid: GridShape?

    @Option(name: .customLong("row-titles"), help: "Comma-separated row labels, e.g. \"T = 1,T = 3\" (an empty one leaves a row unlabelled).",
            transform: CommaList.keepingEmptyItems)
    var rowTitles: CommaList?

    @Option(help: "Comma-separated titles: one per column, or one per panel (an empty one leaves it untitled).",
            transform: CommaList.keepingEmptyItems)
    var titles: CommaList?

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

    func validate() throws {
        let modes = [!inputs.isEmpty, eta != nil, accuracy != nil, !pairs.isEmpty, !geometry.isEmpty].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give projection files, or --eta FILE, or --accuracy FILE, or --pairs FILE..., or --geometry FILE (exactly one)") }
        for path in pairs { try OptionCheck.nonEmpty(path, "--pairs") }
        for path in geometry { try OptionCheck.nonEmpty(path, "--geometry") }
        try OptionCheck.finite(dpi, "--dpi", in: Self.dpiRange)
        if let width { try OptionCheck.finite(width, "--width", in: Self.inchRange, unit: " inches") }
        if let height { try OptionCheck.finite(height, "--height", in: Self.inchRange, unit: " inches") }
        if let eta { try OptionCheck.nonEmpty(eta, "--eta") }
        if let accuracy { try OptionCheck.nonEmpty(accuracy, "--accuracy") }
        do { _ = try OutputFormat(path: output) } catch {
            throw ValidationError("-o \(output): unknown figure format; use .png, .pdf or .svg")
        }
    }

    /// Every option that shapes the figure, as given; `-o` (and so the format) is on the command line.
    var recordedOptions: [(name: String, value: String)] {
        var options: [(name: String, value: String)] = []
        for (name, value) in [("grid", grid?.description), ("titles", titles?.description), ("row-titles", rowTitles?.description),
                              ("title", title), ("width", width.map { "\($0)" }), ("height", height.map { "\($0)" }),
                              ("split", split?.name)] {
            if let value { options.append((name, value)) }
        }
        options.append(("dpi", "\(dpi)"))
        if top5 { options.append(("top5", "true")) }
        return options
    }

    func run() throws {
        runTool(name: "plot") {
            // Projection arguments may be PATH:SPLIT; both spellings are protected.
            let named = inputs.flatMap { argument in [argument] + (argument.lastIndex(of: ":").map { [String(argument[..<$0])] } ?? []) }
            try OutputTarget.check(output, inputs: named + [eta, accuracy].compactMap { $0 } + pairs + geometry)
            let format = try OutputFormat(path: output)
            var provenance = Provenance(tool: "plot", options: self)
            let figure: Figure
            if let eta {
                try provenance.addInput(path: eta)
                figure = etaFigure(try EtaChartData.read(path: eta), title: title, width: width, height: height, dpi: dpi)
            } else if !pairs.isEmpty {
                for path in pairs { try provenance.addInput(path: path) }
                figure = try pairsFigure(try pairs.map { ($0, try PairsDocument.read(path: $0)) }, title: title,
                                         width: width, height: height, dpi: dpi)
            } else if let accuracy {
                try provenance.addInput(path: accuracy)
                figure = try accuracyFigure(try AccuracyChartData.read(path: accuracy), path: accuracy, split: split?.name, top5: top5,
                                            title: title, width: width, height: height, dpi: dpi)
            } else if !geometry.isEmpty {
                for path in geometry { try provenance.addInput(path: path) }
                figure = try geometryFigure(try geometry.map { ($0, try GeometryDocument.read(path: $0)) }, split: split?.name,
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
                let options = ProjectionFigureOptions(rows: grid?.rows, columns: grid?.columns, titles: titles?.items,
                                                      rowTitles: rowTitles?.items, title: title, width: width, height: height, dpi: dpi)
                figure = try projectionFigure(panels, options: options)
            }
            let bytes = try figure.render(format: format, provenance: ["Software": "penultimate plot \(PenultimateVersion.string)",
                                                                        "provenance": provenance.json()])
            try AtomicOutput.write(Data(bytes), to: output)
            let count = figure.panels.count
            print("\(output): \(figure.rows)x\(figure.columns) \(format.rawValue), \(count) panel\(count == 1 ? "" : "s")")
        }
    }
}

/// `--grid ROWSxCOLUMNS`: the panel grid of a projection figure.
struct GridShape: Sendable, Equatable, CustomStringConvertible {
    /// The largest side: enough for the paper's 2 x 4 and sweeps, small enough to stay legible.
    static let maxSide = 8

    var rows: Int
    var columns: Int

    /// Parses `2x4` (or `2X4`); each side from 1 to ``maxSide``.
    init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let rows = Int(parts[0]), let columns = Int(parts[1]),
              (1...Self.maxSide).contains(rows), (1...Self.maxSide).contains(columns) else {
            throw ValidationError("expected ROWSxCOLUMNS with each from 1 to \(Self.maxSide), e.g. 2x4")
        }
        self.rows = rows
        self.columns = columns
    }

    /// `ROWSxCOLUMNS` (what provenance records).
    var description: String { "\(rows)x\(columns)" }
}

Plot.runAsTool(name: "plot")
