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
    public func render(_ format: TableFormat, provenance: Provenance) -> String {
        if format == .json { return json(provenance: provenance) }
        var body = groupTable().render(format)
        // Tables list the pairs only when asked (`--pairs-list`); JSON also by default for small C.
        if request.listPairs == true { body += "\n" + pairTable().render(format) }
        return provenance.framing(body, notes: conventionLines, format: format)
    }

    /// The `penultimate-pairs` v1 document.
    public func json(provenance: Provenance?) -> String {
        func num(_ x: Double?) -> String { JSONText.number(x) }
        func int(_ x: Int?) -> String { x.map(String.init) ?? "null" }
        func model(_ m: EtaModel) -> String {
            JSONText.object([("path", JSONText.string(m.path)), ("model", JSONText.string(m.description.model)),
                             ("role", JSONText.string(m.description.role.rawValue)), ("ls_alpha", num(m.description.lsAlpha)),
                             ("kd_temperature", num(m.description.kdTemperature)),
                             ("teacher_ls_alpha", num(m.description.teacherLSAlpha))])
        }
        let bootstrap = request.bootstrapReplicates.map {
            JSONText.object([("replicates", String($0)), ("seed", String(request.seed)), ("level", num(request.level)),
                             ("weights", JSONText.string("poisson")), ("paired", request.paired ? "true" : "false")])
        } ?? "null"
        var conventionPairs: [(String, String)] = [
            ("normalize", JSONText.string(request.normalization.rawValue)), ("unit", JSONText.string("fraction")),
            ("split", JSONText.string(request.split)), ("by", JSONText.string(request.grouping.rawValue)),
            ("relatedness", JSONText.string(relatednessText)),
            ("scale_t1", num(scale1)), ("scale_t2", num(scale2)), ("classes", String(classes.count)),
            ("bootstrap", bootstrap),
            ("classes_without_rows", JSONText.array(classesWithoutRows.map { entry in
                JSONText.object([("path", JSONText.string(entry.path)), ("split", JSONText.string(request.split)),
                                 ("classes", JSONText.array(entry.classes.map { JSONText.string(classIDs[$0]) }))])
            })),
        ]
        if !coverage.isEmpty {
            conventionPairs.append(("coverage", JSONText.array(coverage.map { entry in
                JSONText.object([("path", JSONText.string(entry.path)), ("summary", JSONText.string(entry.summary))])
            })))
        }
        if !skippedRows.isEmpty {
            conventionPairs.append(("skipped_rows", JSONText.array(skippedRows.map { entry in
                JSONText.object([("path", JSONText.string(entry.path)), ("rows", String(entry.count))])
            })))
        }
        let groupItems = groups.map { g in
            JSONText.object([("by", JSONText.string(request.grouping.rawValue)), ("value", int(g.value)),
                             ("pairs", String(g.pairs)), ("mean_change", num(g.mean)), ("median_change", num(g.median)),
                             ("lower", num(g.interval?.lowerBound)), ("upper", num(g.interval?.upperBound))])
        }
        var pairsText = "null"
        if listsPairs {
            var items: [String] = []
            items.reserveCapacity(changes.count)
            var p = 0
            for i in 0..<classes.count {
                for j in (i + 1)..<max(i + 1, classes.count) {
                    items.append(JSONText.object([
                        ("a", JSONText.string(classIDs[classes[i]])), ("b", JSONText.string(classIDs[classes[j]])),
                        ("lca_depth", int(lcaDepth[p])), ("path", int(path[p])),
                        ("d1", num(d1[p])), ("d2", num(d2[p])), ("change", num(changes[p])),
                    ]))
                    p += 1
                }
            }
            pairsText = "[\n" + items.joined(separator: ",\n") + "\n]"
        }
        return JSONText.object([
            ("format", JSONText.string(PairsDocument.format)), ("format_version", "1"), ("tool", JSONText.string("eta")),
            ("version", JSONText.string(PenultimateVersion.string)), ("provenance", provenance?.json() ?? "null"),
            ("conventions", JSONText.object(conventionPairs)), ("t1", model(t1)), ("t2", model(t2)),
            ("pair_count", String(changes.count)), ("groups", JSONText.array(groupItems)), ("pairs", pairsText),
        ]) + "\n"
    }
}
