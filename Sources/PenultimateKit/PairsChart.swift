import FeatureStore
import Figures
import Foundation

/// Mean relative change of centroid distances against relatedness (`plot --pairs`): one line per
/// `eta pairs --format json` document, e.g. one per T2 of a temperature sweep, with the groups'
/// bootstrap intervals as error bars where the documents have them.
///
/// The x axis is categorical: every group value of any document, ascending (`none`, pairs without
/// a common ancestor, last); a document that lacks a value has no point there. All documents must
/// group by the same relatedness (`by`) and use the same normalisation, or the lines would not
/// share an axis.
public func pairsFigure(_ documents: [(path: String, document: PairsDocument)], title: String? = nil,
                        width: Double? = nil, height: Double? = nil, dpi: Double = 200) throws -> Figure {
    guard let first = documents.first else {
        throw InputError(file: "plot", object: "--pairs", message: "no file given")
    }
    for (path, document) in documents {
        guard PairGrouping(rawValue: document.conventions.by) != nil else {
            throw InputError(file: path, object: "conventions.by",
                             message: "is \"\(document.conventions.by)\"; expected \(PairGrouping.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))")
        }
        guard !document.groups.isEmpty else { throw InputError(file: path, object: "groups", message: "is empty") }
        for (i, group) in document.groups.enumerated() where group.by != document.conventions.by {
            throw InputError(file: path, object: "groups[\(i)].by", message: "is \"\(group.by)\", but conventions.by is \"\(document.conventions.by)\"")
        }
        guard document.conventions.by == first.document.conventions.by else {
            throw InputError(file: path, object: "conventions.by",
                             message: "is \"\(document.conventions.by)\", but \(first.path) groups by \"\(first.document.conventions.by)\"; draw files of one grouping together")
        }
        guard document.conventions.normalize == first.document.conventions.normalize else {
            throw InputError(file: path, object: "conventions.normalize",
                             message: "is \"\(document.conventions.normalize)\", but \(first.path) uses \"\(first.document.conventions.normalize)\"; draw files of one normalisation together")
        }
        let counted = document.groups.reduce(0) { $0 + $1.pairs }
        guard counted == document.pair_count else {
            throw InputError(file: path, object: "pair_count", message: "is \(document.pair_count), but the groups hold \(counted) pairs")
        }
        if let pairs = document.pairs, pairs.count != document.pair_count {
            throw InputError(file: path, object: "pairs", message: "lists \(pairs.count) pairs, but pair_count is \(document.pair_count)")
        }
        var seen = Set<Int?>()
        for (i, group) in document.groups.enumerated() {
            guard seen.insert(group.value).inserted else {
                throw InputError(file: path, object: "groups[\(i)].value", message: "\(group.value.map(String.init) ?? "null") occurs twice")
            }
            guard group.pairs > 0 else { throw InputError(file: path, object: "groups[\(i)].pairs", message: "is \(group.pairs); a group has at least one pair") }
            guard let mean = group.mean_change, mean.isFinite else {
                throw InputError(file: path, object: "groups[\(i)].mean_change", message: "is null; expected a number")
            }
            if (group.lower == nil) != (group.upper == nil) {
                throw InputError(file: path, object: "groups[\(i)]", message: "has one interval end without the other")
            }
            if let lower = group.lower, let upper = group.upper, !(lower <= upper) {
                throw InputError(file: path, object: "groups[\(i)].lower", message: "\(lower) is above upper \(upper)")
            }
        }
    }
    let numbers = Array(Set(documents.flatMap { $0.document.groups.compactMap(\.value) })).sorted()
    let hasNone = documents.contains { $0.document.groups.contains { $0.value == nil } }
    let xValues: [Int?] = numbers.map { Optional($0) } + (hasNone ? [nil] : [])
    var series: [LineSeries] = [], legend: [LegendEntry] = []
    let markers: [Marker] = [.disc, .square, .triangle]
    for (n, entry) in documents.enumerated() {
        let groups = entry.document.groups
        var values: [Double] = [], missing: [Bool] = [], intervals: [BarPanel.Interval?] = []
        for x in xValues {
            if let g = groups.first(where: { $0.value == x }) {
                values.append(g.mean_change!)
                missing.append(false)
                intervals.append(g.lower.flatMap { lo in g.upper.map { BarPanel.Interval(lower: lo, upper: $0) } })
            } else {
                values.append(0); missing.append(true); intervals.append(nil)
            }
        }
        let label = pairsLabel(entry.document)
        let marker = markers[n % markers.count]
        series.append(LineSeries(label: label, color: Palette.color(n), values: values, marker: marker,
                                 intervals: intervals, missing: missing))
        legend.append(LegendEntry(label: label, color: Palette.color(n), marker: marker, showsLine: true))
    }
    let by = first.document.conventions.by
    let xLabel = by == "lca-depth" ? "depth of the lowest common ancestor (deeper = closer)" : by == "path" ? "path length (shorter = closer)" : by
    let split = first.document.conventions.split
    let splitName = split == "train" ? "Training set" : split == "val" ? "Validation set" : split
    let panel = LinePanel(title: "\(splitName), normalization \(first.document.conventions.normalize)",
                          xValues: xValues.map { $0.map(String.init) ?? "none" }, series: series,
                          xLabel: xLabel, yLabel: "mean relative change of distance")
    return Figure(width: width ?? 5.5, height: height ?? 3.6, dpi: dpi, rows: 1, columns: 1, panels: [.line(panel)],
                  title: title, legend: legend)
}

/// "T₁ = 1 → T₂ = 3, teacher α = 0.1" from a document's models.
func pairsLabel(_ document: PairsDocument) -> String {
    var text = "T₁ = \(document.t1.kdTemperature.map(shortNumber) ?? "?") → T₂ = \(document.t2.kdTemperature.map(shortNumber) ?? "?")"
    if let alpha = document.t2.teacherLSAlpha { text += ", teacher α = \(shortNumber(alpha))" }
    return text
}
