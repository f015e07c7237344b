import FeatureStore
import ToolSupport

extension GeometryDocument {
    /// A model as tables and figures name it: "teacher α = 0.1" or "student T = 3 (teacher α = 0.1)".
    public static func label(_ m: Model) -> String {
        if m.role == "student" {
            var text = "student"
            if let t = m.kdTemperature { text += " T = \(shortNumber(t))" }
            if let a = m.teacherLSAlpha { text += " (teacher α = \(shortNumber(a)))" }
            return text
        }
        return "\(m.role) α = \(shortNumber(m.lsAlpha))"
    }

    /// One row per model and split: the within/between ratio and the mean spread/distance ratio.
    public func summaryTable(decimals: Int = 4) -> Table {
        var table = Table(columns: [Table.Column("file"), Table.Column("split"), Table.Column("model"),
                                    Table.Column("classes", alignment: .right), Table.Column("rows", alignment: .right),
                                    Table.Column("within/between", alignment: .right), Table.Column("mean s/d", alignment: .right)],
                          caption: "Class geometry per model and split: within/between (trace form) and the mean over classes of spread / nearest-centroid distance",
                          unit: "ratios (scale-free)")
        for m in models {
            table.append([.text(m.file), .text(m.split), .text(Self.label(m)), .integer(m.summary.classes), .integer(m.summary.rows),
                          .number(m.summary.withinBetween, decimals: decimals),
                          m.summary.meanRatio.map { .number($0, decimals: decimals) } ?? .empty])
        }
        return table
    }

    /// One row per model, split and class: rows, spread, nearest class and distance, ratio.
    public func classTable(decimals: Int = 4) -> Table {
        var table = Table(columns: [Table.Column("file"), Table.Column("split"), Table.Column("class"), Table.Column("name"),
                                    Table.Column("rows", alignment: .right), Table.Column("spread s", alignment: .right),
                                    Table.Column("nearest"), Table.Column("distance d", alignment: .right),
                                    Table.Column("s/d", alignment: .right)],
                          caption: "Per class: spread s = sqrt(mean ||x - c||^2), nearest other centroid at distance d, and s/d (empty: not defined)",
                          unit: "feature units (s, d); s/d scale-free")
        func cell(_ x: Double?) -> Table.Cell { x.map { .number($0, decimals: decimals) } ?? .empty }
        for m in models {
            for c in m.classes {
                table.append([.text(m.file), .text(m.split), .text(c.classID), .text(c.name ?? ""), .integer(c.rows),
                              cell(c.spread), .text(c.nearest ?? ""), cell(c.nearestDistance), cell(c.ratio)])
            }
        }
        return table
    }

    /// Both tables in `format` (summary first), for markdown, CSV and LaTeX.
    public func text(_ format: TableFormat) -> String {
        summaryTable().render(format) + "\n" + classTable().render(format)
    }
}
