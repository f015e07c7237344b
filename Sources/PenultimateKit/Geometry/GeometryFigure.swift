import FeatureStore
import Figures

/// `plot --geometry`: the teacher, then its students by KD temperature, on a categorical x axis, one
/// line per teacher α: the mean of s/d (how far a class spreads towards its nearest neighbour) and
/// within/between (the whole model). This is the reading the paper's projections only suggest: LS
/// makes a teacher's classes tight and equidistant; does distillation at higher T undo it?
///
/// `split` picks the model entries (default: val when present, else the first entry's split).
/// Throws when a teacher α's line misses a point, or two entries claim the same point.
public func geometryFigure(_ documents: [(path: String, document: GeometryDocument)], split: String? = nil,
                           title: String? = nil, width: Double? = nil, height: Double? = nil, dpi: Double = 200) throws -> Figure {
    let all = documents.flatMap { entry in entry.document.models.map { (path: entry.path, model: $0) } }
    let path = documents.map(\.path).joined(separator: ", ")
    let chosen = split ?? (all.contains { $0.model.split == "val" } ? "val" : all.first?.model.split ?? "")
    let models = all.filter { $0.model.split == chosen }
    guard !models.isEmpty else {
        throw InputError(file: path, object: "models", message: "no model entry for split \"\(chosen)\"")
    }
    /// The x category of a model: "teacher" or the student's T.
    func column(_ m: GeometryDocument.Model) -> Double? { m.role == "teacher" ? -1 : m.kdTemperature }
    /// The line of a model: its teacher's α (a teacher's own).
    func line(_ m: GeometryDocument.Model) -> Double { (m.role == "teacher" ? m.lsAlpha : m.teacherLSAlpha) ?? .nan }
    var points: [Double: [Double: (path: String, model: GeometryDocument.Model)]] = [:]
    for entry in models {
        guard let x = column(entry.model) else {
            throw InputError(file: entry.path, object: "models (\(entry.model.file))", message: "a student without kd_temperature cannot be placed")
        }
        let alpha = line(entry.model)
        guard alpha.isFinite else {
            throw InputError(file: entry.path, object: "models (\(entry.model.file))", message: "a student without teacher_ls_alpha cannot be placed")
        }
        if let clash = points[alpha]?[x] {
            throw InputError(file: entry.path, object: "models (\(entry.model.file))",
                             message: "same point (\(x < 0 ? "teacher" : "T = \(shortNumber(x))"), α = \(shortNumber(alpha))) as \(clash.model.file)")
        }
        points[alpha, default: [:]][x] = entry
    }
    let columns = Array(Set(points.values.flatMap(\.keys))).sorted()
    let alphas = points.keys.sorted()
    let labels = columns.map { $0 < 0 ? "teacher" : shortNumber($0) }
    var legend: [LegendEntry] = []
    func panel(_ name: String, yLabel: String, _ value: (GeometryDocument.Model) -> Double?) throws -> Panel {
        var series: [LineSeries] = []
        legend = []
        for (k, alpha) in alphas.enumerated() {
            let label = "teacher α = \(shortNumber(alpha))"
            let values = try columns.map { x -> Double in
                guard let entry = points[alpha]?[x] else {
                    throw InputError(file: path, object: "models", message: "no \(x < 0 ? "teacher" : "student at T = \(shortNumber(x))") for \(label) in split \"\(chosen)\"")
                }
                guard let v = value(entry.model) else {
                    throw InputError(file: entry.path, object: "models (\(entry.model.file)).summary", message: "\(name) is null")
                }
                return v
            }
            let marker: Marker = k % 2 == 0 ? .disc : .square
            series.append(LineSeries(label: label, color: Palette.color(k), values: values, marker: marker))
            legend.append(LegendEntry(label: label + " and its students", color: Palette.color(k), marker: marker, showsLine: true))
        }
        return .line(LinePanel(title: name, xValues: labels, series: series, xLabel: "teacher, then students by KD temperature T",
                               yLabel: yLabel))
    }
    let panels = [try panel("Mean over classes of s/d", yLabel: "spread / nearest-centroid distance", { $0.summary.meanRatio }),
                  try panel("Within / between (trace)", yLabel: "within-class / between-class variance", { $0.summary.withinBetween })]
    let splitName = chosen == "train" ? "training set" : chosen == "val" ? "validation set" : chosen
    return Figure(width: width ?? 8, height: height ?? 3.4, dpi: dpi, rows: 1, columns: 2, panels: panels,
                  title: title ?? "Class geometry, \(splitName)", legend: legend)
}
