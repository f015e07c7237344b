import Foundation
import PlainText

/// The text formats a ``Table`` renders to.
public enum TableFormat: String, Sendable, CaseIterable {
    /// GitHub/pandoc pipe table, padded for the terminal; caption as a `Table:` line below.
    case markdown
    /// RFC 4180 CSV; caption and unit as leading `# ` comment lines.
    case csv
    /// A booktabs `table` environment with `\caption`.
    case latex
    /// One JSON object: caption, unit, columns, rows (arrays of cells; numbers or null).
    case json
}

/// A table of results: titled columns, rows of cells, an optional caption and unit.
///
/// Non-finite numbers never print as numbers: NaN renders as "n/a" (null in JSON), infinities as
/// "inf"/"-inf" (null in JSON).
public struct Table: Sendable, Equatable {
    /// Horizontal alignment of a column.
    public enum Alignment: Sendable, Equatable {
        /// Left-aligned (text).
        case left
        /// Right-aligned (numbers).
        case right
    }

    /// A column title and its alignment.
    public struct Column: Sendable, Equatable {
        /// The header text.
        public var title: String
        /// How cells line up.
        public var alignment: Alignment
        /// A column with `title`, left-aligned unless told otherwise.
        public init(_ title: String, alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    /// One cell.
    public enum Cell: Sendable, Equatable {
        /// Text as is.
        case text(String)
        /// A real number with a fixed number of decimals.
        case number(Double, decimals: Int)
        /// An integer.
        case integer(Int)
        /// No value (empty in text formats, null in JSON).
        case empty

        /// The cell as display text.
        public var text: String {
            switch self {
            case .text(let value): return value
            case .integer(let value): return String(value)
            case .empty: return ""
            case .number(let value, let decimals): return Table.format(value, decimals: decimals)
            }
        }

        /// The cell as a JSON value.
        var json: String {
            switch self {
            case .text(let value): return JSONText.string(value)
            case .integer(let value): return String(value)
            case .empty: return "null"
            case .number(let value, let decimals): return value.isFinite ? Table.format(value, decimals: decimals) : "null"
            }
        }
    }

    /// The columns.
    public var columns: [Column]
    /// The rows; each has one cell per column.
    public var rows: [[Cell]]
    /// What the table shows.
    public var caption: String?
    /// The unit of its numbers, e.g. "percent" or "fraction".
    public var unit: String?

    /// A table; every row must have `columns.count` cells.
    public init(columns: [Column], rows: [[Cell]] = [], caption: String? = nil, unit: String? = nil) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "Table: every row needs one cell per column")
        self.columns = columns
        self.rows = rows
        self.caption = caption
        self.unit = unit
    }

    /// Appends a row; it must have one cell per column.
    public mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "Table: a row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// The caption and unit as one line, e.g. "η, T = 1 → 3 (unit: percent)"; nil if both are absent.
    public var captionLine: String? {
        switch (caption, unit) {
        case let (caption?, unit?): return "\(caption) (unit: \(unit))"
        case let (caption?, nil): return caption
        case let (nil, unit?): return "unit: \(unit)"
        case (nil, nil): return nil
        }
    }

    /// The table in `format`, ending with a newline.
    public func render(_ format: TableFormat) -> String {
        switch format {
        case .markdown: return markdown()
        case .csv: return csv()
        case .latex: return latex()
        case .json: return json()
        }
    }

    /// `value` with `decimals` digits after the point; "n/a" for NaN, "inf"/"-inf" for infinities;
    /// a value that rounds to zero prints without a minus sign.
    public static func format(_ value: Double, decimals: Int) -> String {
        if value.isNaN { return "n/a" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let text = String(format: "%.\(max(0, decimals))f", value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(text.dropFirst()) }
        return text
    }

    private func markdown() -> String {
        let escapedRows = ([columns.map(\.title)] + rows.map { $0.map(\.text) })
            .map { $0.map { $0.replacingOccurrences(of: "|", with: "\\|") } }
        let widths = columns.indices.map { column in max(3, escapedRows.map { $0[column].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { index, cell in
                let fill = String(repeating: " ", count: widths[index] - cell.count)
                return columns[index].alignment == .right ? fill + cell : cell + fill
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let rule = columns.enumerated().map { index, column in
            column.alignment == .right ? String(repeating: "-", count: widths[index] - 1) + ":"
                                       : String(repeating: "-", count: widths[index])
        }
        var lines = [line(escapedRows[0]), "| " + rule.joined(separator: " | ") + " |"]
        lines += escapedRows.dropFirst().map(line)
        if let captionLine { lines += ["", "Table: " + captionLine] }
        return lines.joined(separator: "\n") + "\n"
    }

    private func csv() -> String {
        let field = CSVText.field
        var lines: [String] = []
        if let caption { lines.append("# " + caption) }
        if let unit { lines.append("# unit: " + unit) }
        lines.append(columns.map { field($0.title) }.joined(separator: ","))
        lines += rows.map { $0.map { field($0.text) }.joined(separator: ",") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func latex() -> String {
        let spec = columns.map { $0.alignment == .right ? "r" : "l" }.joined()
        func row(_ cells: [String]) -> String { cells.map(Table.latexEscaped).joined(separator: " & ") + " \\\\" }
        var lines = ["\\begin{table}", "\\centering", "\\begin{tabular}{\(spec)}", "\\toprule",
                     row(columns.map(\.title)), "\\midrule"]
        lines += rows.map { row($0.map(\.text)) }
        lines += ["\\bottomrule", "\\end{tabular}"]
        if let captionLine { lines.append("\\caption{\(Table.latexEscaped(captionLine))}") }
        lines.append("\\end{table}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func json() -> String {
        JSONText.object([
            ("caption", caption.map(JSONText.string) ?? "null"),
            ("unit", unit.map(JSONText.string) ?? "null"),
            ("columns", JSONText.array(columns.map { JSONText.string($0.title) })),
            ("rows", JSONText.array(rows.map { JSONText.array($0.map(\.json)) })),
        ]) + "\n"
    }

    /// `text` with LaTeX's special characters escaped.
    public static func latexEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(character)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            default: out.append(character)
            }
        }
        return out
    }
}
