import Figures

/// Deterministic normal samples (SplitMix64 + Box–Muller) so sample figures never change.
struct GaussianSource {
    var state: UInt64

    mutating func nextUnit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
    }

    mutating func normal() -> Double {
        let u = nextUnit(), v = nextUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

import Foundation

enum SampleFigures {
    static let classNames = ["miniature poodle", "standard poodle", "submarine"]

    /// Three Gaussian clusters; `spread` widens them (T = 3 "diffuses" the poodles).
    static func scatter(title: String, count: Int, spread: Double, seed: UInt64, shift: Double) -> ScatterPanel {
        var source = GaussianSource(state: seed)
        let centres = [PlotPoint(x: -3 + shift, y: 1.5), PlotPoint(x: -1.2, y: -1.8 + shift), PlotPoint(x: 4.5, y: 0.5)]
        let scales = [spread, spread, 0.9]
        let series = centres.enumerated().map { k, c in
            let points = (0..<count).map { _ in
                PlotPoint(x: c.x + scales[k] * source.normal(), y: c.y + scales[k] * 0.8 * source.normal())
            }
            let mean = PlotPoint(x: points.map(\.x).reduce(0, +) / Double(count), y: points.map(\.y).reduce(0, +) / Double(count))
            return ScatterSeries(label: classNames[k], color: Palette.color(k), points: points, centroid: mean)
        }
        return ScatterPanel(title: title, series: series)
    }

    /// The paper's 2 × 4 layout: rows T = 1, 3; columns train/val × without/with LS.
    static func projectionGrid(dpi: Double = 150) -> Figure {
        var panels: [Panel] = []
        for (row, t) in [1.0, 3.0].enumerated() {
            for column in 0..<4 {
                let isTraining = column < 2, withLS = column % 2 == 1
                let spread = (withLS ? 0.55 : 1.0) * (1 + 0.5 * (t - 1) * (withLS ? 1 : 0.3))
                panels.append(.scatter(scatter(title: "", count: isTraining ? 150 : 50, spread: spread,
                                               seed: UInt64(100 + row * 4 + column), shift: withLS ? 1 : 0)))
            }
        }
        var legend = LegendEntry.classes(classNames)
        legend.append(LegendEntry(label: "class centroid", color: Color(hex: 0x999999), marker: .star))
        return Figure(width: 12, height: 6, dpi: dpi, rows: 2, columns: 4, panels: panels,
                      columnTitles: ["Training w/o LS", "Training w/ LS", "Validation w/o LS", "Validation w/ LS"],
                      rowTitles: ["T = 1", "T = 3"], legend: legend)
    }

    /// One panel at print size, to inspect markers at full resolution.
    static func singleScatter() -> Figure {
        Figure(width: 3.4, height: 3.0, dpi: 200, rows: 1, columns: 1,
               panels: [.scatter(scatter(title: "Training w/ LS, T = 3", count: 150, spread: 0.8, seed: 5, shift: 1))],
               legend: LegendEntry.classes(classNames), fontSize: 8)
    }

    static let etaTargets = ["Chesapeake Bay retriever", "curly-coated retriever", "flat-coated retriever",
                             "golden retriever", "Labrador retriever", "thunder snake", "ringneck snake",
                             "hognose snake", "water snake", "king snake"]

    /// The paper's η table (train columns, in percent) as paired bars with made-up ±CIs.
    static func etaBars() -> Figure {
        let s1 = [-0.392, -0.578, -1.729, -0.880, -2.758, -2.316, -0.463, -1.528, -2.028, -2.474]
        let s2 = [0.162, 0.179, 0.380, 0.228, 0.501, 0.376, 0.058, 0.258, 0.326, 0.521]
        let ci = { (v: Double) in BarPanel.Interval(lower: v - 0.12 * abs(v) - 0.03, upper: v + 0.12 * abs(v) + 0.03) }
        var panel = BarPanel(title: "Training set, T₁ = 1 → T₂ = 3", categories: etaTargets, first: s1, second: s2,
                             firstIntervals: s1.map(ci), secondIntervals: s2.map(ci), yLabel: "η (%)")
        panel.firstColor = Palette.color(0)
        panel.secondColor = Palette.color(1)
        return Figure(width: 6.5, height: 3.6, dpi: 200, rows: 1, columns: 1, panels: [.bar(panel)],
                      legend: [LegendEntry(label: "η(S₁): same parent", color: Palette.color(0), marker: .square),
                               LegendEntry(label: "η(S₂): other group", color: Palette.color(1), marker: .square)])
    }

    /// The paper's student accuracies against T for both teachers.
    static func accuracyLines() -> Figure {
        let top1 = LinePanel(title: "Top-1", xValues: ["1", "2", "3", "64"], series: [
            LineSeries(label: "teacher α = 0.0", color: Palette.color(0), values: [71.547, 71.349, 69.570, 66.230]),
            LineSeries(label: "teacher α = 0.1", color: Palette.color(1), values: [71.616, 68.428, 66.570, 65.472], marker: .square),
        ], xLabel: "KD temperature T", yLabel: "accuracy (%)")
        let top5 = LinePanel(title: "Top-5", xValues: ["1", "2", "3", "64"], series: [
            LineSeries(label: "teacher α = 0.0", color: Palette.color(0), values: [90.297, 90.359, 89.657, 88.730]),
            LineSeries(label: "teacher α = 0.1", color: Palette.color(1), values: [90.233, 89.139, 88.631, 89.564], marker: .square),
        ], xLabel: "KD temperature T", yLabel: "accuracy (%)")
        return Figure(width: 6.5, height: 2.8, dpi: 200, rows: 1, columns: 2, panels: [.line(top1), .line(top5)],
                      legend: [LegendEntry(label: "teacher α = 0.0", color: Palette.color(0), marker: .disc, showsLine: true),
                               LegendEntry(label: "teacher α = 0.1", color: Palette.color(1), marker: .square, showsLine: true)])
    }
}
