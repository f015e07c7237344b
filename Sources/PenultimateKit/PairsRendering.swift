import Analysis
import FeatureStore
import Foundation
import PlainText
import ToolSupport

extension PairsReport {
    /// How relatedness was measured, for conventions.
    public var relatednessText: String {
        switch request.grouping {
        case .lcaDepth:
            return "lca-depth: depth of the deepest common ancestor (longest path to a root; a root has depth 0; a class is its own ancestor); none: no common ancestor"
        case .path:
            return "path: fewest edges up to a common ancestor and down; none: no common ancestor"
        }
    }

    /// The conventions, one `key: value` line each; every output format carries them.
    public var conventionLines: [String] {
        var lines = [
            "change: r(a, b) = (d_T2(a, b) − d_T1(a, b)) / d_T1(a, b) for every pair of classes with rows in both models, d = distance between class centroids",
            "normalization: \(request.normalization.rawValue) (\(EtaReport.normalizationText(request.normalization)))",
            "T1: \(EtaReport.describe(t1))",
            "T2: \(EtaReport.describe(t2))",
            "split: \(request.split)",
            "groups: \(relatednessText)",
            "scales: T1 \(scale1), T2 \(scale2)",
            "pairs: \(changes.count) of \(classes.count) classes; median of an even count = mean of the two middle values",
        ]
        if let b = request.bootstrapReplicates {
            lines.append("bootstrap: \(b) replicates, seed \(request.seed), \(Int(request.level * 100))% percentile intervals of each group's mean change, Poisson(1) weights per sample (\(request.paired ? "paired" : "unpaired")), scales fixed")
        }
        for entry in skippedRows { lines.append("skipped rows: \(entry.path): \(entry.count) (NaN/Inf, or zero under unit length)") }
        for entry in classesWithoutRows {
            lines.append("classes without rows: \(entry.path), split \(request.split): \(entry.classes.map { classIDs[$0] }.joined(separator: ", ")); left out of every pair")
        }
        for entry in coverage { lines.append("coverage: \(entry.path), split \(request.split): \(entry.summary)") }
        return lines
    }

    private var caption: String {
        let t1 = self.t1.description.kdTemperature.map(EtaReport.number) ?? "?"
        let t2 = self.t2.description.kdTemperature.map(EtaReport.number) ?? "?"
        return "Relative change of centroid distances, T1 = \(t1) → T2 = \(t2), split \(request.split); normalization \(request.normalization.rawValue)"
    }

    /// `value | pairs | mean change | median change [| lower | upper]`, one row per group.
    public func groupTable() -> Table {
        var columns = [Table.Column(request.grouping.title, alignment: .right), Table.Column("pairs", alignment: .right),
                       Table.Column("mean change", alignment: .right), Table.Column("median change", alignment: .right)]
        let hasCI = request.bootstrapReplicates != nil
        if hasCI {
            let percent = Int(request.level * 100)
            columns += [Table.Column("\(percent)% lower", alignment: .right), Table.Column("\(percent)% upper", alignment: .right)]
        }
        var table = Table(columns: columns, caption: caption, unit: "fraction")
        for g in groups {
            var cells: [Table.Cell] = [.text(g.value.map(String.init) ?? "none"), .integer(g.pairs),
                                       .number(g.mean, decimals: 5), .number(g.median, decimals: 5)]
            if hasCI {
                cells += g.interval.map { [.number($0.lowerBound, decimals: 5), .number($0.upperBound, decimals: 5)] } ?? [.empty, .empty]
            }
            table.append(cells)
        }
        return table
    }

    /// `a | b | LCA depth | path | d1 | d2 | change`, one row per pair.
    public func pairTable() -> Table {
        var table = Table(columns: [Table.Column("a"), Table.Column("b"), Table.Column("LCA depth", alignment: .right),
                                    Table.Column("path", alignment: .right), Table.Column("d1", alignment: .right),
                                    Table.Column("d2", alignment: .right), Table.Column("change", alignment: .right)],
                          caption: "Every pair; " + caption, unit: "fraction")
        var p = 0
        for i in 0..<classes.count {
            for j in (i + 1)..<max(i + 1, classes.count) {
                table.append([.text(classIDs[classes[i]]), .text(classIDs[classes[j]]),
                              lcaDepth[p].map { .integer($0) } ?? .text("none"), path[p].map { .integer($0) } ?? .text("none"),
                              .number(d1[p], decimals: 6), .number(d2[p], decimals: 6), .number(changes[p], decimals: 6)])
                p += 1
            }
        }
        return table
    }

    /// The report as text in `format` (JSON: `penultimate-pairs` v1, ``PairsDocument``), ending with
    /// a newline, with `provenance` embedded.
    public func render(_ format: TableFormat, provenance: Provenance) throws -> String {
        if format == .json { return try json(provenance: provenance) }
        var body = groupTable().render(format)
        // Tables list the pairs only when asked (`--pairs-list`); JSON also by default for small C.
        if request.listPairs == true { body += "\n" + pairTable().render(format) }
        return provenance.framing(body, notes: conventionLines, format: format)
    }

    /// The `penultimate-pairs` v1 document, with `provenance` (or null).
    public func document(provenance: Provenance?) -> PairsDocument {
        let bootstrap = request.bootstrapReplicates.map {
            EtaDocument.Bootstrap(replicates: $0, seed: request.seed, level: request.level, weights: "poisson", paired: request.paired)
        }
        let conventions = PairsDocument.Conventions(
            normalize: request.normalization.rawValue, unit: "fraction", split: request.split, by: request.grouping.rawValue,
            relatedness: relatednessText, scale_t1: scale1, scale_t2: scale2, classes: classes.count, bootstrap: bootstrap,
            classes_without_rows: classesWithoutRows.map {
                PairsDocument.Excluded(path: $0.path, split: request.split, classes: $0.classes.map { classIDs[$0] })
            },
            coverage: coverage.isEmpty ? nil : coverage.map { PairsDocument.Coverage(path: $0.path, summary: $0.summary) },
            skipped_rows: skippedRows.isEmpty ? nil : skippedRows.map { PairsDocument.SkippedRows(path: $0.path, rows: $0.count) })
        let groupItems = groups.map { g in
            PairsDocument.Group(by: request.grouping.rawValue, value: g.value, pairs: g.pairs, mean_change: g.mean,
                                median_change: g.median, lower: g.interval?.lowerBound, upper: g.interval?.upperBound)
        }
        var pairItems: [PairsDocument.Pair]?
        if listsPairs {
            var items: [PairsDocument.Pair] = []
            items.reserveCapacity(changes.count)
            var p = 0
            for i in 0..<classes.count {
                for j in (i + 1)..<max(i + 1, classes.count) {
                    items.append(PairsDocument.Pair(a: classIDs[classes[i]], b: classIDs[classes[j]], lca_depth: lcaDepth[p],
                                                    path: path[p], d1: d1[p], d2: d2[p], change: changes[p]))
                    p += 1
                }
            }
            pairItems = items
        }
        return PairsDocument(tool: "eta", version: PenultimateVersion.string, provenance: provenance.map { JSONFragment($0.json()) },
                             conventions: conventions, t1: EtaDocument.Model(path: t1.path, t1.description),
                             t2: EtaDocument.Model(path: t2.path, t2.description), pair_count: changes.count, groups: groupItems,
                             pairs: pairItems)
    }

    /// The `penultimate-pairs` v1 document as text (``PairsDocument/text()``).
    public func json(provenance: Provenance?) throws -> String { try document(provenance: provenance).text() }
}
