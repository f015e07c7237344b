import FeatureStore
import Figures
import Foundation

/// The parts of an `eta --format json` report (`penultimate-eta`, version 1) that a bar chart needs.
public struct EtaChartData: Sendable, Equatable {
    /// One target's two η values in one split.
    public struct Row: Sendable, Equatable {
        /// Target id and display name.
        public var target: String, targetName: String
        /// Split the centroids came from.
        public var split: String
        /// The temperatures compared.
        public var t1: Double?, t2: Double?
        /// η(S1), η(S2) in ``EtaChartData/unit``.
        public var etaS1: Double, etaS2: Double
        /// Confidence intervals, when the report has them.
        public var ciS1: ClosedRange<Double>?, ciS2: ClosedRange<Double>?
    }
    /// "fraction" or "percent".
    public var unit: String
    /// Rows in report order; rows with a null η are left out (and counted in ``skipped``).
    public var rows: [Row]
    /// Rows left out because a value was null (non-finite).
    public var skipped: Int

    /// Reads and checks the report at `path`.
    public static func read(path: String) throws -> EtaChartData {
        let document = try EtaDocument.read(path: path)
        var rows: [Row] = [], skipped = 0
        for item in document.rows {
            guard let s1 = item.etaS1, let s2 = item.etaS2 else {
                skipped += 1
                continue
            }
            func interval(_ pair: [Double?]?) -> ClosedRange<Double>? {
                guard let pair, pair.count == 2, let lo = pair[0], let hi = pair[1] else { return nil }
                return lo <= hi ? lo...hi : nil
            }
            rows.append(Row(target: item.target, targetName: item.targetName ?? item.target, split: item.split,
                            t1: item.t1, t2: item.t2, etaS1: s1, etaS2: s2,
                            ciS1: interval(item.ciS1), ciS2: interval(item.ciS2)))
        }
        guard !rows.isEmpty else {
            throw InputError(file: path, object: "rows", message: "no row has both η values")
        }
        return EtaChartData(unit: document.conventions?.unit ?? "fraction", rows: rows, skipped: skipped)
    }

    /// Splits in order of first appearance.
    public var splits: [String] {
        var seen: [String] = []
        for row in rows where !seen.contains(row.split) { seen.append(row.split) }
        return seen
    }
}

/// Paired η bars per target, one panel per split: η(S1) (expected below zero) and η(S2) (above),
/// with confidence intervals as error bars when the report has them.
public func etaFigure(_ data: EtaChartData, title: String? = nil, width: Double? = nil, height: Double? = nil,
                      dpi: Double = 200) -> Figure {
    let splits = data.splits
    let panels: [Panel] = splits.map { split in
        let rows = data.rows.filter { $0.split == split }
        let splitName = split == "train" ? "Training set" : split == "val" ? "Validation set" : split
        var panelTitle = splitName
        if let t1 = rows.first?.t1, let t2 = rows.first?.t2 { panelTitle += ", T₁ = \(shortNumber(t1)) → T₂ = \(shortNumber(t2))" }
        let hasCI = rows.allSatisfy { $0.ciS1 != nil && $0.ciS2 != nil }
        func intervals(_ pick: (EtaChartData.Row) -> ClosedRange<Double>?) -> [BarPanel.Interval]? {
            hasCI ? rows.map { BarPanel.Interval(lower: pick($0)!.lowerBound, upper: pick($0)!.upperBound) } : nil
        }
        return .bar(BarPanel(title: panelTitle, categories: rows.map(\.targetName), first: rows.map(\.etaS1),
                             second: rows.map(\.etaS2), firstIntervals: intervals(\.ciS1), secondIntervals: intervals(\.ciS2),
                             yLabel: data.unit == "percent" ? "η (%)" : "η (fraction)"))
    }
    let legend = [LegendEntry(label: "η(S₁)", color: Palette.color(0), marker: .square),
                  LegendEntry(label: "η(S₂)", color: Palette.color(1), marker: .square)]
    return Figure(width: width ?? 6.5, height: height ?? (3.4 * Double(splits.count) + (title != nil ? 0.3 : 0)), dpi: dpi,
                  rows: splits.count, columns: 1, panels: panels, title: title, legend: legend)
}

/// The parts of an `accuracy --format json` report (`penultimate-accuracy`, version 1) a chart needs.
public struct AccuracyChartData: Sendable, Equatable {
    /// One model's accuracy on one split.
    public struct Row: Sendable, Equatable {
        /// "teacher" or "student".
        public var role: String
        /// The model's own LS α, its teacher's α (students), and the KD temperature (students).
        public var lsAlpha: Double?, teacherLSAlpha: Double?, kdTemperature: Double?
        /// Split name.
        public var split: String
        /// Accuracies in percent.
        public var top1: Double, top5: Double?
    }
    /// Rows in report order.
    public var rows: [Row]

    /// Chart data from rows (e.g. a filtered report).
    public init(rows: [Row]) { self.rows = rows }

    /// Reads and checks the report at `path`.
    public static func read(path: String) throws -> AccuracyChartData {
        let document = try AccuracyDocument.read(path: path)
        return AccuracyChartData(rows: document.rows.map {
            Row(role: $0.role, lsAlpha: $0.lsAlpha, teacherLSAlpha: $0.teacherLSAlpha, kdTemperature: $0.kdTemperature,
                split: $0.split ?? "", top1: $0.top1, top5: $0.top5)
        })
    }
}

/// Accuracy against the KD temperature, one line per teacher α; each teacher's own accuracy is a
/// flat reference line (star markers) in its students' colour. Top-1, and Top-5 as a second panel.
///
/// `split` picks the rows (default: "val" when present, else the first row's split). Temperatures
/// form a categorical axis in ascending order. Throws when a student series misses a temperature.
public func accuracyFigure(_ data: AccuracyChartData, path: String, split: String? = nil, top5: Bool = false,
                           title: String? = nil, width: Double? = nil, height: Double? = nil, dpi: Double = 200) throws -> Figure {
    let chosen = split ?? (data.rows.contains { $0.split == "val" } ? "val" : data.rows.first?.split ?? "")
    let rows = data.rows.filter { $0.split == chosen }
    let students = rows.filter { $0.role == "student" && $0.kdTemperature != nil }
    guard !students.isEmpty else {
        throw InputError(file: path, object: "rows", message: "no student rows with a kd_temperature in split \"\(chosen)\"")
    }
    let temperatures = Array(Set(students.compactMap(\.kdTemperature))).sorted()
    let alphas = Array(Set(students.map { $0.teacherLSAlpha ?? -1 })).sorted()
    var legend: [LegendEntry] = []
    func panel(_ name: String, _ value: (AccuracyChartData.Row) -> Double?) throws -> Panel {
        var series: [LineSeries] = []
        legend = []
        for (k, alpha) in alphas.enumerated() {
            let label = alpha < 0 ? "students" : "teacher α = \(shortNumber(alpha))"
            let values = try temperatures.map { t -> Double in
                guard let row = students.first(where: { $0.kdTemperature == t && ($0.teacherLSAlpha ?? -1) == alpha }),
                      let v = value(row) else {
                    throw InputError(file: path, object: "rows", message: "no \(name) for students of \(label) at T = \(shortNumber(t)) in split \"\(chosen)\"")
                }
                return v
            }
            let marker: Marker = k % 2 == 0 ? .disc : .square
            series.append(LineSeries(label: "students, " + label, color: Palette.color(k), values: values, marker: marker))
            legend.append(LegendEntry(label: "students of " + label, color: Palette.color(k), marker: marker, showsLine: true))
            if alpha >= 0, let teacher = rows.first(where: { $0.role == "teacher" && $0.lsAlpha == alpha }), let v = value(teacher) {
                series.append(LineSeries(label: label, color: Palette.color(k).darkened(0.35),
                                         values: temperatures.map { _ in v }, marker: .star))
                legend.append(LegendEntry(label: label, color: Palette.color(k).darkened(0.35), marker: .star, showsLine: true))
            }
        }
        return .line(LinePanel(title: name, xValues: temperatures.map(shortNumber), series: series,
                               xLabel: "KD temperature T", yLabel: "\(name) accuracy (%)"))
    }
    var panels = [try panel("Top-1", { $0.top1 })]
    if top5 { panels.append(try panel("Top-5", { $0.top5 })) }
    return Figure(width: width ?? (top5 ? 7 : 4), height: height ?? 3.2, dpi: dpi, rows: 1, columns: panels.count,
                  panels: panels, title: title, legend: legend)
}
