// Figures: a small figure model rendered by Cairo into PNG, PDF or SVG bytes.
//
// Choices, and why:
// - One drawing path (Canvas over a Cairo context, in points) for all three formats; PNG scales
//   the context by dpi/72, so layout and look are identical across formats.
// - Text uses Cairo's toy API with hinting off, so text metrics (and hence layout) do not depend on
//   the surface. Default face "Liberation Serif" (Times metrics, like the paper's typesetting).
// - PNG goes through CPNG (libpng) rather than cairo_surface_write_to_png, to add pHYs and
//   provenance text chunks; pixels are un-premultiplied first.
// - Determinism: fixed zlib level, no tIME; PDF CreationDate pinned to the epoch; SVG surface ids
//   renumbered (cairo draws them from a process-wide counter).
// - Line panels use a categorical x axis (see LinePanel).

/// Output formats a figure renders to.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Raster through libpng, with pHYs (dpi) and text chunks (provenance).
    case png
    /// Vector PDF with fixed creation date and provenance in the Keywords entry.
    case pdf
    /// Vector SVG with provenance in a `<metadata>` element.
    case svg

    /// The format named by a path's extension (case-insensitive).
    public init(path: String) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."),
              let format = OutputFormat(rawValue: name[name.index(after: dot)...].lowercased()) else {
            throw FigureError.unknownFormat(path)
        }
        self = format
    }
}

/// A paper-style figure: a grid of panels with optional column and row titles and a shared
/// legend below, rendered by Cairo to PNG, PDF or SVG bytes.
public struct Figure: Sendable, Equatable {
    /// Size in inches.
    public var width: Double, height: Double
    /// Raster resolution (PNG only; vector formats use points).
    public var dpi: Double
    /// Grid shape.
    public var rows: Int, columns: Int
    /// Panels in row-major order; fewer than `rows * columns` leaves trailing cells empty.
    public var panels: [Panel]
    /// Titles drawn once above the top row, one per column (e.g. "Training w/o LS").
    public var columnTitles: [String]?
    /// Titles drawn rotated at the left of each row (e.g. "T = 1").
    public var rowTitles: [String]?
    /// A title over the whole figure.
    public var title: String?
    /// The shared legend, drawn centred below the grid.
    public var legend: [LegendEntry]
    /// Font family given to fontconfig. "Liberation Serif" (Times metrics) matches the paper.
    public var fontFamily: String
    /// Base font size in points (tick labels are 85 % of it, titles 110 %).
    public var fontSize: Double

    /// A figure; panels are placed row-major.
    public init(width: Double, height: Double, dpi: Double = 200, rows: Int, columns: Int,
                panels: [Panel], columnTitles: [String]? = nil, rowTitles: [String]? = nil,
                title: String? = nil, legend: [LegendEntry] = [],
                fontFamily: String = "Liberation Serif", fontSize: Double = 10) {
        self.width = width
        self.height = height
        self.dpi = dpi
        self.rows = rows
        self.columns = columns
        self.panels = panels
        self.columnTitles = columnTitles
        self.rowTitles = rowTitles
        self.title = title
        self.legend = legend
        self.fontFamily = fontFamily
        self.fontSize = fontSize
    }

    /// Pixel size of the PNG rendering.
    public var pixelSize: (width: Int, height: Int) {
        (Int((width * dpi).rounded()), Int((height * dpi).rounded()))
    }

    /// Checks the grid, sizes and panel data; throws the first problem found.
    public func validate() throws {
        guard rows > 0, columns > 0 else { throw FigureError.emptyGrid(rows: rows, columns: columns) }
        guard panels.count <= rows * columns else {
            throw FigureError.tooManyPanels(count: panels.count, cells: rows * columns)
        }
        guard width.isFinite, height.isFinite, width > 0, height > 0, width <= 100, height <= 100 else {
            throw FigureError.invalidSize("\(width)×\(height) in is not a positive size up to 100 in")
        }
        guard dpi.isFinite, dpi >= 10, dpi <= 2400 else {
            throw FigureError.invalidSize("dpi \(dpi) is outside 10...2400")
        }
        guard fontSize.isFinite, fontSize > 0 else {
            throw FigureError.invalidSize("font size \(fontSize) is not positive")
        }
        if let columnTitles, columnTitles.count != columns {
            throw FigureError.malformedPanel(panel: 0, what: "\(columnTitles.count) column titles for \(columns) columns")
        }
        if let rowTitles, rowTitles.count != rows {
            throw FigureError.malformedPanel(panel: 0, what: "\(rowTitles.count) row titles for \(rows) rows")
        }
        for (index, panel) in panels.enumerated() {
            try Figure.validate(panel, index: index)
            let axes = PanelAxes(panel)
            for (name, limits) in [("x", axes.xLimits), ("y", axes.yLimits)] {
                guard limits.lower.isFinite, limits.upper.isFinite, limits.upper > limits.lower else {
                    throw FigureError.malformedPanel(panel: index, what: "\(name) range \(limits.lower)...\(limits.upper) cannot be drawn; rescale the data")
                }
            }
        }
    }

    private static func validate(_ panel: Panel, index: Int) throws {
        func finite(_ value: Double, _ what: @autoclosure () -> String) throws {
            if !value.isFinite { throw FigureError.nonFiniteValue(panel: index, what: what()) }
        }
        switch panel {
        case .scatter(let p):
            for s in p.series {
                for (i, point) in s.points.enumerated() {
                    try finite(point.x, "series \"\(s.label)\" point \(i) x")
                    try finite(point.y, "series \"\(s.label)\" point \(i) y")
                }
                if let c = s.centroid {
                    try finite(c.x, "series \"\(s.label)\" centroid x")
                    try finite(c.y, "series \"\(s.label)\" centroid y")
                }
            }
            for value in [p.pointAlpha, p.pointRadius, p.starRadius] { try finite(value, "a marker size or alpha") }
        case .bar(let p):
            guard p.first.count == p.categories.count, p.second.count == p.categories.count else {
                throw FigureError.malformedPanel(panel: index, what: "\(p.categories.count) categories but \(p.first.count) and \(p.second.count) values")
            }
            for (name, intervals) in [("first", p.firstIntervals), ("second", p.secondIntervals)] {
                guard let intervals else { continue }
                guard intervals.count == p.categories.count else {
                    throw FigureError.malformedPanel(panel: index, what: "\(intervals.count) \(name) intervals for \(p.categories.count) categories")
                }
                for (i, interval) in intervals.enumerated() {
                    try finite(interval.lower, "\(name) interval \(i) lower end")
                    try finite(interval.upper, "\(name) interval \(i) upper end")
                }
            }
            for (i, value) in p.first.enumerated() { try finite(value, "first bar of \"\(p.categories[i])\"") }
            for (i, value) in p.second.enumerated() { try finite(value, "second bar of \"\(p.categories[i])\"") }
        case .line(let p):
            for s in p.series {
                guard s.values.count == p.xValues.count else {
                    throw FigureError.malformedPanel(panel: index, what: "series \"\(s.label)\" has \(s.values.count) values for \(p.xValues.count) x categories")
                }
                for (name, count) in [("intervals", s.intervals?.count), ("missing flags", s.missing?.count)] {
                    if let count, count != s.values.count {
                        throw FigureError.malformedPanel(panel: index, what: "series \"\(s.label)\" has \(count) \(name) for \(s.values.count) values")
                    }
                }
                for (i, value) in s.values.enumerated() where s.isPresent(i) {
                    try finite(value, "series \"\(s.label)\" value \(i)")
                    if let interval = s.intervals?[i] {
                        try finite(interval.lower, "series \"\(s.label)\" interval \(i) lower end")
                        try finite(interval.upper, "series \"\(s.label)\" interval \(i) upper end")
                    }
                }
            }
        }
    }
}
