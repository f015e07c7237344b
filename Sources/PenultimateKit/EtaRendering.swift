import Analysis
import FeatureStore
import Foundation
import PlainText
import ToolSupport

/// How an ``EtaReport`` is printed.
public struct EtaRenderOptions: Sendable {
    /// Values ×100 (the unit of the paper's table) instead of fractions.
    public var percent: Bool
    /// Add the members of S1 and S2 to every row.
    public var listMembers: Bool
    /// Under `--targets all`: print every target, not only the summary.
    public var listAll: Bool

    /// Options; all off by default.
    public init(percent: Bool = false, listMembers: Bool = false, listAll: Bool = false) {
        self.percent = percent
        self.listMembers = listMembers
        self.listAll = listAll
    }
}

extension EtaReport {
    /// The unit of printed values: "fraction" or "percent".
    public func unit(_ options: EtaRenderOptions) -> String { options.percent ? "percent" : "fraction" }

    /// The conventions, one `key: value` line each; every output format carries them.
    public var conventionLines: [String] {
        var lines = [
            "eta: η(T1, T2; π, S) = mean over k in S of (d_T2(π, k) − d_T1(π, k)) / d_T1(π, k), d = distance between class centroids",
            "normalization: \(request.normalization.rawValue) (\(Self.normalizationText(request.normalization)))",
            "T1: \(Self.describe(t1))",
        ]
        lines += t2.map { "T2: \(Self.describe($0))" }
        lines += ["S1: \(request.s1Description)", "S2: \(request.s2Description)",
                  "splits: \(request.splits.joined(separator: ", "))",
                  "diffusion: η(S1) < 0 and η(S2) > 0"]
        if let b = request.bootstrapReplicates {
            lines.append("bootstrap: \(b) replicates, seed \(request.seed), \(Int(request.level * 100))% percentile intervals, Poisson(1) weights per sample (\(request.paired ? "paired" : "unpaired")), scales fixed")
        }
        for (path, count) in skippedRows.sorted(by: { $0.key < $1.key }) where count > 0 {
            lines.append("skipped rows: \(path): \(count) (NaN/Inf, or zero under unit length)")
        }
        for entry in classesWithoutRows {
            lines.append("classes without rows: \(entry.path), split \(entry.split): \(entry.classes.map(classLabel).joined(separator: ", ")); \(Self.withoutRowsText(request.normalization))")
        }
        for entry in coverage {
            lines.append("coverage: \(entry.path), split \(entry.split): \(entry.summary)")
        }
        if !skipped.isEmpty { lines.append("skipped targets: \(skipped.count) target × split × T2 cases (empty set or class without rows; listed in JSON)") }
        return lines
    }

    /// A class as conventions name it: id and display name.
    func classLabel(_ k: Int) -> String {
        classIDs[k] == classNames[k] ? classIDs[k] : "\(classIDs[k]) (\(classNames[k]))"
    }

    /// What happens to classes without rows under `n`.
    static func withoutRowsText(_ n: DistanceNormalization) -> String {
        n == .centroidScale
            ? "no centroid, so left out of the centroid-scale mean (the mean over pairs of classes with rows)"
            : "no centroid; η that needs them is refused"
    }

    static func normalizationText(_ n: DistanceNormalization) -> String {
        switch n {
        case .none: return "raw Euclidean distance"
        case .unit: return "rows scaled to unit length before averaging"
        case .centroidScale: return "distances divided by the model's mean distance between all pairs of class centroids"
        }
    }

    static func describe(_ m: EtaModel) -> String {
        var parts = [m.description.model]
        if let t = m.description.kdTemperature { parts.append("T = \(Self.number(t))") }
        if let a = m.description.teacherLSAlpha { parts.append("teacher α = \(Self.number(a))") }
        parts.append("α = \(Self.number(m.description.lsAlpha))")
        return "\(m.path) (\(parts.joined(separator: ", ")))"
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }

    private var isSweep: Bool { t2.count > 1 }

    /// The paper's layout: `target | Train: S1 | Train: S2 | Val: S1 | Val: S2 | diffusion`
    /// (a `T2` column in a sweep; member columns with ``EtaRenderOptions/listMembers``).
    public func table(_ options: EtaRenderOptions) -> Table {
        let factor = options.percent ? 100.0 : 1.0
        let decimals = options.percent ? 3 : 5
        var columns = [Table.Column("target")]
        if isSweep { columns.append(Table.Column("T2", alignment: .right)) }
        for split in request.splits {
            let title = split.prefix(1).uppercased() + split.dropFirst()
            columns += [Table.Column("\(title): S1", alignment: .right), Table.Column("\(title): S2", alignment: .right)]
        }
        columns.append(Table.Column(request.splits.count > 1 ? "diffusion (\(request.splits.joined(separator: "/")))" : "diffusion"))
        if options.listMembers { columns += [Table.Column("S1 members"), Table.Column("S2 members")] }
        var seen: [(model2: Int, target: Int)] = []
        for row in rows where !seen.contains(where: { $0 == (row.model2, row.target) }) { seen.append((row.model2, row.target)) }
        var table = Table(columns: columns, caption: caption, unit: unit(options))
        func value(_ eta: Double, _ ci: ClosedRange<Double>?) -> Table.Cell {
            guard let ci else { return .number(eta * factor, decimals: decimals) }
            return .text("\(Table.format(eta * factor, decimals: decimals)) [\(Table.format(ci.lowerBound * factor, decimals: decimals)), \(Table.format(ci.upperBound * factor, decimals: decimals))]")
        }
        for key in seen {
            let group = rows.filter { $0.model2 == key.model2 && $0.target == key.target }
            guard let first = group.first else { continue }
            var cells: [Table.Cell] = [.text(first.targetName)]
            if isSweep { cells.append(t2[key.model2].description.kdTemperature.map { .text(Self.number($0)) } ?? .empty) }
            var verdicts: [String] = []
            for split in request.splits {
                if let row = group.first(where: { $0.split == split }) {
                    cells += [value(row.etaS1, row.ciS1), value(row.etaS2, row.ciS2)]
                    verdicts.append(row.diffusion ? "yes" : "no")
                } else {
                    cells += [.empty, .empty]
                    verdicts.append("n/a")
                }
            }
            cells.append(.text(verdicts.joined(separator: "/")))
            if options.listMembers {
                cells += [.text(first.s1.map { classNames[$0] }.joined(separator: ", ")),
                          .text(first.s2.map { classNames[$0] }.joined(separator: ", "))]
            }
            table.append(cells)
        }
        return table
    }

    /// The `--targets all` summary: per split (and T2), targets, how many show the pattern, median η.
    public func summaryTable(_ options: EtaRenderOptions) -> Table {
        let factor = options.percent ? 100.0 : 1.0
        var columns = [Table.Column("split")]
        if isSweep { columns.append(Table.Column("T2", alignment: .right)) }
        columns += [Table.Column("targets", alignment: .right), Table.Column("diffusion", alignment: .right),
                    Table.Column("median η(S1)", alignment: .right), Table.Column("median η(S2)", alignment: .right),
                    Table.Column("skipped", alignment: .right)]
        var table = Table(columns: columns, caption: "Summary over all targets; " + caption, unit: unit(options))
        for s in summaries {
            var cells: [Table.Cell] = [.text(s.split)]
            if isSweep { cells.append(t2[s.model2].description.kdTemperature.map { .text(Self.number($0)) } ?? .empty) }
            cells += [.integer(s.targets), .integer(s.diffusion), .number(s.medianS1 * factor, decimals: options.percent ? 3 : 5),
                      .number(s.medianS2 * factor, decimals: options.percent ? 3 : 5), .integer(s.skipped)]
            table.append(cells)
        }
        return table
    }

    private var caption: String {
        let temps = t2.map { $0.description.kdTemperature.map(Self.number) ?? "?" }.joined(separator: ", ")
        return "η(T1 = \(t1.description.kdTemperature.map(Self.number) ?? "?"), T2 = \(temps)); normalization \(request.normalization.rawValue)"
    }

    /// The report as text in `format` (JSON per the `penultimate-eta` v1 schema), ending with a newline.
    /// `provenance` is always embedded, to a file or to stdout (the ProvenancePolicy article of ToolSupport):
    /// a text table carries it as one comment line after the conventions, JSON as its member.
    public func render(_ format: TableFormat, options: EtaRenderOptions, provenance: Provenance) throws -> String {
        if format == .json { return try json(options, provenance: provenance) }
        var body: String
        if request.isAllTargets {
            body = summaryTable(options).render(format)
            if options.listAll { body += "\n" + table(options).render(format) }
        } else {
            body = table(options).render(format)
        }
        return provenance.framing(body, notes: conventionLines, format: format)
    }

    /// The `penultimate-eta` v1 JSON document (``EtaDocument``), ending with a newline.
    public func json(_ options: EtaRenderOptions, provenance: Provenance?) throws -> String {
        try document(options, provenance: provenance).text()
    }

    /// The report as the `penultimate-eta` document: values in the unit of `options`.
    public func document(_ options: EtaRenderOptions, provenance: Provenance?) throws -> EtaDocument {
        let factor = options.percent ? 100.0 : 1.0
        func ci(_ r: ClosedRange<Double>?) -> [Double]? { r.map { [$0.lowerBound * factor, $0.upperBound * factor] } }
        func model(_ m: EtaModel) -> EtaDocument.Model { EtaDocument.Model(path: m.path, m.description) }
        let conventions = EtaDocument.Conventions(
            normalize: request.normalization.rawValue, unit: unit(options), s1Rule: request.s1Description,
            s2Rule: request.s2Description, split: request.splits.joined(separator: ","),
            bootstrap: request.bootstrapReplicates.map {
                EtaDocument.Bootstrap(replicates: $0, seed: request.seed, level: request.level, weights: "poisson", paired: request.paired)
            },
            classesWithoutRows: classesWithoutRows.map { entry in
                EtaDocument.ClassesWithoutRows(path: entry.path, split: entry.split, classes: entry.classes.map { classIDs[$0] },
                                               effect: Self.withoutRowsText(request.normalization))
            },
            coverage: coverage.isEmpty ? nil : coverage.map { EtaDocument.Coverage(path: $0.path, split: $0.split, summary: $0.summary) })
        let rows = self.rows.map { row in
            EtaDocument.Row(target: row.targetID, targetName: row.targetName, split: row.split,
                            t1: t1.description.kdTemperature, t2: t2[row.model2].description.kdTemperature,
                            etaS1: row.etaS1 * factor, etaS2: row.etaS2 * factor, ciS1: ci(row.ciS1), ciS2: ci(row.ciS2),
                            s1: row.s1.map { classIDs[$0] }, s2: row.s2.map { classIDs[$0] }, diffusion: row.diffusion)
        }
        var summary: EtaDocument.Summary?
        if request.isAllTargets {
            summary = EtaDocument.Summary(
                perSplit: summaries.map { s in
                    EtaDocument.Summary.Split(split: s.split, t2: t2[s.model2].description.kdTemperature, targets: s.targets,
                                              diffusion: s.diffusion, medianEtaS1: s.medianS1 * factor,
                                              medianEtaS2: s.medianS2 * factor, skipped: s.skipped)
                },
                skipped: skipped.map {
                    EtaDocument.Summary.Skipped(target: $0.target, split: $0.split, t2: t2[$0.model2].description.kdTemperature,
                                                reason: $0.reason)
                })
        }
        return EtaDocument(tool: "eta", version: PenultimateVersion.string, provenance: provenance.map { JSONFragment($0.json()) },
                           conventions: conventions, t1: model(t1), t2: model(t2[0]), t2Sweep: isSweep ? t2.map(model) : nil,
                           rows: rows, summary: summary)
    }
}
