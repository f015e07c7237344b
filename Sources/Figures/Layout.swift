import Foundation

/// Where one panel's plot area lies on the page and how data maps onto it.
public struct PanelGeometry: Sendable, Equatable {
    /// Index in `Figure.panels`, and its grid cell.
    public var index: Int, row: Int, column: Int
    /// The framed plot area in points (1/72 inch), origin at the page's top-left, y down.
    public var plotArea: PlotRect
    /// Data limits at the plot area's edges. Bar and line panels put category i at x = i.
    public var xLimits: AxisLimits, yLimits: AxisLimits

    /// The drawing position (points) of a data point.
    public func position(of point: PlotPoint) -> PlotPoint {
        PlotPoint(x: plotArea.x + xLimits.fraction(point.x) * plotArea.width,
              y: plotArea.maxY - yLimits.fraction(point.y) * plotArea.height)
    }
}

/// The computed placement of every panel, shared by all output formats.
public struct FigureLayout: Sendable, Equatable {
    /// One entry per panel, in `Figure.panels` order.
    public var panels: [PanelGeometry]
    /// Page size in points.
    public var pageWidth: Double, pageHeight: Double
    /// PNG pixels per point (dpi / 72).
    public var pixelsPerPoint: Double

    /// The PNG pixel position (x right, y down; pixel centres at +0.5) of a data point in panel `index`.
    public func pixel(panel index: Int, of point: PlotPoint) -> PlotPoint {
        let p = panels[index].position(of: point)
        return PlotPoint(x: p.x * pixelsPerPoint, y: p.y * pixelsPerPoint)
    }
}

/// Ticks of one axis: positions in data units and their labels.
struct AxisTicks {
    var values: [Double]
    var labels: [String]
}

/// Everything about one panel's axes that layout and drawing both need.
struct PanelAxes {
    var xLimits: AxisLimits, yLimits: AxisLimits
    var xTicks: AxisTicks, yTicks: AxisTicks
    var rotateXLabels: Bool
    var xLabel: String?, yLabel: String?
    var horizontalGrid: Bool

    init(_ panel: Panel) {
        switch panel {
        case .scatter(let p):
            let points = p.series.flatMap { $0.points + ($0.centroid.map { [$0] } ?? []) }
            xLimits = AxisLimits(covering: points.map(\.x), padding: 0.07)
            yLimits = AxisLimits(covering: points.map(\.y), padding: 0.07)
            xTicks = PanelAxes.nice(xLimits, target: 5)
            yTicks = PanelAxes.nice(yLimits, target: 5)
            rotateXLabels = false
            xLabel = p.xLabel
            yLabel = p.yLabel
            horizontalGrid = false
        case .bar(let p):
            let n = p.categories.count
            xLimits = AxisLimits(lower: -0.6, upper: Double(max(n, 1)) - 0.4)
            var values = p.first + p.second + [0]
            for interval in (p.firstIntervals ?? []) + (p.secondIntervals ?? []) {
                values += [interval.lower, interval.upper]
            }
            yLimits = AxisLimits(covering: values, padding: 0.08)
            xTicks = AxisTicks(values: p.categories.indices.map(Double.init), labels: p.categories)
            yTicks = PanelAxes.nice(yLimits, target: 6)
            rotateXLabels = p.categories.contains { $0.count > 8 } || n > 8
            xLabel = nil
            yLabel = p.yLabel
            horizontalGrid = true
        case .line(let p):
            let n = p.xValues.count
            xLimits = AxisLimits(lower: -0.3, upper: Double(max(n, 1) - 1) + 0.3)
            var values: [Double] = []
            for s in p.series {
                for (i, v) in s.values.enumerated() where s.isPresent(i) {
                    values.append(v)
                    if let interval = s.intervals?[i] { values += [interval.lower, interval.upper] }
                }
            }
            yLimits = AxisLimits(covering: values, padding: 0.1)
            xTicks = AxisTicks(values: p.xValues.indices.map(Double.init), labels: p.xValues)
            yTicks = PanelAxes.nice(yLimits, target: 6)
            rotateXLabels = false
            xLabel = p.xLabel
            yLabel = p.yLabel
            horizontalGrid = true
        }
    }

    private static func nice(_ limits: AxisLimits, target: Int) -> AxisTicks {
        let ticks = NiceTicks(lower: limits.lower, upper: limits.upper, target: target)
        return AxisTicks(values: ticks.values, labels: ticks.labels)
    }
}

/// Font sizes and fixed lengths (points) derived from the base font size.
struct Style {
    let base: Double
    var tickLabel: Double { base * 0.85 }
    var panelTitle: Double { base }
    var columnTitle: Double { base * 1.1 }
    var rowTitle: Double { base * 1.1 }
    var figureTitle: Double { base * 1.3 }
    var legend: Double { base }
    var axisLabel: Double { base * 0.95 }
    let tickLength = 3.0
    let tickGap = 2.5
    let rotation = 35.0 * Double.pi / 180
}

extension Figure {
    /// Computes where each panel goes (validating first). Tests use it to find data on the page.
    public func layout() throws -> FigureLayout {
        try validate()
        let canvas = try Canvas.measuring(fontFamily: fontFamily)
        return computeLayout(canvas: canvas).layout
    }

    /// The layout plus the axes and legend rows the renderer needs.
    func computeLayout(canvas: Canvas) -> (layout: FigureLayout, axes: [PanelAxes], legendRows: [[Int]], legendTop: Double) {
        let style = Style(base: fontSize)
        let pageWidth = width * 72, pageHeight = height * 72
        let margin = max(4, fontSize * 0.5)
        let axes = panels.map(PanelAxes.init)

        // Insets around each plot area, from text measurement.
        var left = [Double](repeating: 0, count: columns), right = left
        var top = [Double](repeating: 0, count: rows), bottom = top
        for (index, panel) in panels.enumerated() {
            let row = index / columns, column = index % columns
            let a = axes[index]
            let yTickWidth = a.yTicks.labels.map { canvas.width(of: $0, size: style.tickLabel) }.max() ?? 0
            var l = yTickWidth + style.tickLength + style.tickGap + 2
            if a.yLabel != nil { l += style.axisLabel * 1.3 }
            var b = style.tickLength + style.tickGap + style.tickLabel * 1.05
            if a.rotateXLabels {
                let longest = a.xTicks.labels.map { canvas.width(of: $0, size: style.tickLabel) }.max() ?? 0
                b = style.tickLength + style.tickGap + longest * sin(style.rotation) + style.tickLabel
                // The first rotated label hangs left of its tick, which sits inside the frame.
                let first = a.xTicks.labels.first.map { canvas.width(of: $0, size: style.tickLabel) } ?? 0
                l = max(l, first * cos(style.rotation) - style.base * 2.5)
            }
            if a.xLabel != nil { b += style.axisLabel * 1.4 }
            let t = panel.title.isEmpty ? style.base * 0.4 : style.panelTitle * 1.6
            let lastX = a.xTicks.labels.last.map { canvas.width(of: $0, size: style.tickLabel) } ?? 0
            let r = a.rotateXLabels ? style.base * 0.6 : max(style.base * 0.6, lastX / 2)
            left[column] = max(left[column], l)
            right[column] = max(right[column], r)
            top[row] = max(top[row], t)
            bottom[row] = max(bottom[row], b)
        }

        // Figure-level bands.
        var bandTop = margin
        if title != nil { bandTop += style.figureTitle * 1.5 }
        if columnTitles != nil { bandTop += style.columnTitle * 1.5 }
        let bandLeft = margin + (rowTitles != nil ? style.rowTitle * 1.6 : 0)
        let legendRows = layoutLegend(canvas: canvas, style: style, available: pageWidth - 2 * margin)
        let legendHeight = legendRows.isEmpty ? 0 : Double(legendRows.count) * style.legend * 1.7 + style.base * 0.3
        let gridWidth = pageWidth - bandLeft - margin
        let gridHeight = pageHeight - bandTop - margin - legendHeight
        let cellWidth = gridWidth / Double(columns), cellHeight = gridHeight / Double(rows)

        var geometries: [PanelGeometry] = []
        for index in panels.indices {
            let row = index / columns, column = index % columns
            let cellX = bandLeft + Double(column) * cellWidth, cellY = bandTop + Double(row) * cellHeight
            let area = PlotRect(x: cellX + left[column], y: cellY + top[row],
                            width: max(1, cellWidth - left[column] - right[column]),
                            height: max(1, cellHeight - top[row] - bottom[row]))
            geometries.append(PanelGeometry(index: index, row: row, column: column, plotArea: area,
                                            xLimits: axes[index].xLimits, yLimits: axes[index].yLimits))
        }
        let layout = FigureLayout(panels: geometries, pageWidth: pageWidth, pageHeight: pageHeight,
                                  pixelsPerPoint: dpi / 72)
        return (layout, axes, legendRows, pageHeight - margin - legendHeight + style.base * 0.3)
    }

    /// Legend entry widths in points (marker, gap, text).
    func legendEntryWidth(_ entry: LegendEntry, canvas: Canvas, style: Style) -> Double {
        let marker = entry.showsLine ? style.legend * 2.2 : style.legend * 1.1
        return marker + style.legend * 0.4 + canvas.width(of: entry.label, size: style.legend)
    }

    /// Splits legend entries into rows that fit `available` points.
    private func layoutLegend(canvas: Canvas, style: Style, available: Double) -> [[Int]] {
        var rows: [[Int]] = []
        var current: [Int] = [], used = 0.0
        let gap = style.legend * 1.6
        for (i, entry) in legend.enumerated() {
            let w = legendEntryWidth(entry, canvas: canvas, style: style)
            if !current.isEmpty, used + gap + w > available {
                rows.append(current)
                current = []
                used = 0
            }
            used += (current.isEmpty ? 0 : gap) + w
            current.append(i)
        }
        if !current.isEmpty { rows.append(current) }
        return rows
    }
}
