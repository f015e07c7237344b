import FeatureStore
import Figures
import Foundation

/// One panel of a projection figure: a split of a projection file.
public struct ProjectionPanelInput: Sendable {
    /// The file as read.
    public var file: ProjectionFile
    /// Where it was read from (for error messages).
    public var path: String
    /// The split shown.
    public var split: String

    /// A panel input from its parts.
    public init(file: ProjectionFile, path: String, split: String) {
        self.file = file
        self.path = path
        self.split = split
    }

    /// Every panel a `plot` argument `PATH[:SPLIT]` stands for: the named split, or each split of the file.
    public static func panels(argument: String) throws -> [ProjectionPanelInput] {
        var path = argument, split: String?
        if !FileManager.default.fileExists(atPath: argument), let colon = argument.lastIndex(of: ":") {
            path = String(argument[..<colon])
            split = String(argument[argument.index(after: colon)...])
        }
        let file = try ProjectionFile.read(path: path)
        if let split {
            guard file.split(split) != nil else {
                throw InputError(file: path, object: "/splits/\(split)", message: "no such split",
                                 fix: "the file has \(file.splits.map(\.name).joined(separator: ", "))")
            }
            return [ProjectionPanelInput(file: file, path: path, split: split)]
        }
        return file.splits.map { ProjectionPanelInput(file: file, path: path, split: $0.name) }
    }

    /// "Training" / "Validation" / the split's own name.
    public var splitTitle: String {
        switch split {
        case "train": return "Training"
        case "val", "validation": return "Validation"
        default: return split
        }
    }

    /// "w/ LS" when the model (a teacher) or its teacher (a student) was trained with label smoothing.
    public var smoothingTitle: String? {
        let alpha = file.source["role"] == "student" ? file.sourceNumber("teacher_ls_alpha") : file.sourceNumber("ls_alpha")
        return alpha.map { $0 > 0 ? "w/ LS" : "w/o LS" }
    }

    /// "T = 3" for a student, "teacher" for a teacher, nil when unknown.
    public var rowTitle: String? {
        if let t = file.sourceNumber("kd_temperature") { return "T = \(shortNumber(t))" }
        return file.source["role"] == "teacher" ? "teacher" : nil
    }

    /// A title that says everything: "student T=3, teacher α=0.1, train".
    public var fullTitle: String {
        var parts: [String] = []
        if file.source["role"] == "student" {
            parts.append("student T=\(file.sourceNumber("kd_temperature").map(shortNumber) ?? "?")")
            parts.append("teacher α=\(file.sourceNumber("teacher_ls_alpha").map(shortNumber) ?? "?")")
        } else if let role = file.source["role"] {
            parts.append("\(role) α=\(file.sourceNumber("ls_alpha").map(shortNumber) ?? "?")")
        }
        parts.append(split)
        return parts.joined(separator: ", ")
    }
}

/// Layout and labels of a projection figure; nil fields are derived from the files.
public struct ProjectionFigureOptions: Sendable {
    /// Grid shape (default: one row of all panels).
    public var rows: Int?, columns: Int?
    /// Titles over the columns (count = columns) or over each panel (count = panels).
    public var titles: [String]?
    /// Row labels (count = rows).
    public var rowTitles: [String]?
    /// Figure title.
    public var title: String?
    /// Size in inches (default 3 per column, 2.8 per row plus the legend) and PNG resolution.
    public var width: Double?, height: Double?
    /// Raster resolution.
    public var dpi: Double = 200

    /// Options with everything derived.
    public init(rows: Int? = nil, columns: Int? = nil, titles: [String]? = nil, rowTitles: [String]? = nil,
                title: String? = nil, width: Double? = nil, height: Double? = nil, dpi: Double = 200) {
        self.rows = rows
        self.columns = columns
        self.titles = titles
        self.rowTitles = rowTitles
        self.title = title
        self.width = width
        self.height = height
        self.dpi = dpi
    }
}

/// Builds the paper-style grid of projection scatter panels.
///
/// Colours follow each class's position in the file's class list (``Palette``), so all panels must
/// list the same classes in the same order; otherwise this throws. Titles, when not given: if every
/// column shares one "Training w/ LS"-style title and every row one "T = 3"-style label, they
/// become column titles and row labels (the paper's layout); otherwise each panel gets a full title.
public func projectionFigure(_ inputs: [ProjectionPanelInput], options: ProjectionFigureOptions = .init()) throws -> Figure {
    guard let first = inputs.first else {
        throw InputError(file: "(none)", object: "inputs", message: "no projection panels to plot")
    }
    for input in inputs.dropFirst() where input.file.wnids != first.file.wnids {
        throw InputError(file: input.path, object: "/classes/wnid",
                         message: "classes \(input.file.wnids.joined(separator: ",")) differ from \(first.path)'s \(first.file.wnids.joined(separator: ","))",
                         fix: "project every panel with the same --classes in the same order, so colours mean the same class")
    }
    let columns = options.columns ?? options.rows.map { max(1, (inputs.count + max($0, 1) - 1) / max($0, 1)) } ?? inputs.count
    let rows = options.rows ?? max(1, (inputs.count + columns - 1) / columns)
    guard inputs.count <= rows * columns else {
        throw InputError(file: first.path, object: "--grid", message: "\(inputs.count) panels do not fit a \(rows)x\(columns) grid",
                         fix: "give a larger --grid or fewer files")
    }
    var panelTitles = [String](repeating: "", count: inputs.count)
    var columnTitles: [String]?, rowTitles = options.rowTitles
    if let titles = options.titles {
        if titles.count == columns, rows > 1 {
            columnTitles = titles
        } else if titles.count == inputs.count {
            panelTitles = titles
        } else if titles.count == columns {
            columnTitles = titles
        } else {
            throw InputError(file: first.path, object: "--titles",
                             message: "\(titles.count) titles for \(columns) columns and \(inputs.count) panels")
        }
    } else {
        let columnLabel = inputs.map { input in [input.splitTitle, input.smoothingTitle].compactMap { $0 }.joined(separator: " ") }
        let rowLabel = inputs.map { $0.rowTitle }
        let columnsAgree = (0..<columns).allSatisfy { c in
            Set(stride(from: c, to: inputs.count, by: columns).map { columnLabel[$0] }).count <= 1
        }
        let rowsAgree = (0..<rows).allSatisfy { r in
            Set((r * columns ..< min((r + 1) * columns, inputs.count)).map { rowLabel[$0] ?? "" }).count <= 1
        }
        if columnsAgree, rowsAgree, rows > 1 || Set(columnLabel).count == inputs.count {
            columnTitles = (0..<columns).map { $0 < inputs.count ? columnLabel[$0] : "" }
            if rowTitles == nil, rowLabel.allSatisfy({ $0 != nil }), rows > 1 {
                rowTitles = (0..<rows).map { r in r * columns < inputs.count ? rowLabel[r * columns]! : "" }
            } else if rowTitles == nil, rows == 1, options.title == nil, let label = rowLabel.first ?? nil {
                panelTitles = columnLabel.map { "\($0), \(label)" }
                columnTitles = nil
            }
        } else {
            panelTitles = inputs.map(\.fullTitle)
        }
    }
    if let rowTitles, rowTitles.count != rows {
        throw InputError(file: first.path, object: "--row-titles", message: "\(rowTitles.count) row titles for \(rows) rows")
    }
    var panels: [Panel] = []
    for (i, input) in inputs.enumerated() {
        let split = input.file.split(input.split)!
        let series = (0..<3).map { c in
            ScatterSeries(label: input.file.names[c], color: Palette.color(c),
                          points: split.points.indices.filter { split.classes[$0] == c }.map { PlotPoint(x: split.points[$0].x, y: split.points[$0].y) },
                          centroid: PlotPoint(x: split.centroids[c].x, y: split.centroids[c].y))
        }
        panels.append(.scatter(ScatterPanel(title: panelTitles[i], series: series)))
    }
    var legend = LegendEntry.classes(first.file.names)
    legend.append(LegendEntry(label: "class centroid", color: Color(hex: 0x999999), marker: .star))
    let width = options.width ?? min(100, 3.0 * Double(columns) + (rowTitles != nil ? 0.3 : 0))
    let height = options.height ?? min(100, 2.8 * Double(rows) + 0.45 + (columnTitles != nil ? 0.25 : 0) + (options.title != nil ? 0.3 : 0))
    return Figure(width: width, height: height, dpi: options.dpi, rows: rows, columns: columns, panels: panels,
                  columnTitles: columnTitles, rowTitles: rowTitles, title: options.title, legend: legend)
}

/// "3" for 3.0, "0.1" for 0.1.
func shortNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
