import Analysis
import FeatureStore
import Foundation
import PlainText
import ToolSupport

/// Top-1 / top-5 accuracy of one dump's split, computed from its saved logits.
public struct AccuracyMeasurement: Sendable, Equatable {
    /// The dump's path as given.
    public var path: String
    /// The dump's attributes (model, role, α, teacher α, temperature).
    public var attributes: DumpAttributes
    /// The split measured.
    public var split: String
    /// Top-1 accuracy in percent.
    public var top1: Double
    /// Top-k accuracy in percent, k = ``topK``.
    public var top5: Double
    /// The k of ``top5``: 5, or the class count when a dump has fewer classes.
    public var topK: Int
    /// Rows measured (after dropping shard padding duplicates).
    public var rows: Int
    /// What part of a sharded dump was read (``CentroidCoverage/summary``); empty for one whole file.
    public var coverage = ""

    /// Reads `split` of the dump at `paths` (one file, shards or a manifest) and counts the rows
    /// whose label is the top-1 and among the top-5 logits (ties: see `topKCorrect`), streaming
    /// the logits block by block.
    /// - Throws: ``InputError/noLogits(path:split:)`` when the split stores no logits;
    ///   `StoreError` for unreadable dumps or a missing split.
    public static func measure(_ paths: [String], split: String, partial: Bool = false) throws -> AccuracyMeasurement {
        let path = paths.joined(separator: ",")
        let dump = try Dump.openInput(paths, partial: partial)
        let reader = try dump.split(split)
        guard reader.hasLogits else { throw InputError.noLogits(path: path, split: split) }
        let classCount = reader.classCount
        let k = min(5, classCount)
        var rows = 0, correct1 = 0, correctK = 0
        try reader.forEachBlock(includeLogits: true) { block in
            guard let logits = block.logits else { throw InputError.noLogits(path: path, split: split) }
            rows += block.rowCount
            correct1 += try topKCorrect(logits: logits, labels: block.labels, classCount: classCount, k: 1)
            correctK += try topKCorrect(logits: logits, labels: block.labels, classCount: classCount, k: k)
        }
        guard rows > 0 else { throw InputError.emptySplit(path: path, split: split) }
        var measured = AccuracyMeasurement(path: path, attributes: dump.attributes, split: split,
                                           top1: 100 * Double(correct1) / Double(rows), top5: 100 * Double(correctK) / Double(rows),
                                           topK: k, rows: rows)
        if dump.isPartial || !dump.isUnsharded { measured.coverage = CentroidCoverage(dump: dump, reader: reader).summary }
        return measured
    }

    /// The table row this dump belongs in: teachers first, then students by temperature.
    public var row: AccuracyTable.Row {
        attributes.role == .teacher ? .teacher : .student(temperature: attributes.kdTemperature ?? .nan)
    }

    /// The table column: the teacher's label-smoothing α (a teacher's own, a student's teacher's).
    public var alpha: Double {
        attributes.role == .teacher ? attributes.lsAlpha : (attributes.teacherLSAlpha ?? .nan)
    }
}

/// The accuracy table's input errors, built here so their wording lives next to the table.
extension InputError {
    /// The split has no `/splits/<split>/logits`.
    public static func noLogits(path: String, split: String) -> InputError {
        InputError(file: path, object: "/splits/\(split)/logits", message: "the dump has no logits",
                   fix: "re-export it with logits (FeatureWriter.append(logits:), penultimate_writer.py logits=)")
    }

    /// The split has no rows.
    public static func emptySplit(path: String, split: String) -> InputError {
        InputError(file: path, object: "/splits/\(split)", message: "the split has no rows")
    }

    /// A student dump lacks `kd_temperature` or `teacher_ls_alpha`.
    public static func missingAttribute(path: String, attribute: String) -> InputError {
        InputError(file: path, object: "/ attribute \(attribute)",
                   message: "missing on a student dump", fix: "the table needs it to place the dump")
    }

    /// Two dumps land in the same cell.
    public static func duplicateCell(path: String, other: String, row: String, alpha: String) -> InputError {
        InputError(file: path, object: "/", message: "same table cell (\(row), α = \(alpha)) as \(other)",
                   fix: "pass one dump per teacher α and temperature")
    }
}

/// The paper's accuracy table: rows teacher, then T = 1, 2, 3, 64 (the temperatures present,
/// ascending); columns the teachers' α (ascending); cells "top-1 / top-5" in percent.
public struct AccuracyTable: Sendable {
    /// A row of the table.
    public enum Row: Hashable, Comparable, Sendable {
        /// The teachers themselves.
        case teacher
        /// Students distilled at this temperature.
        case student(temperature: Double)

        /// "teacher" or "T = 3".
        public var label: String {
            switch self {
            case .teacher: return "teacher"
            case .student(let t): return "T = \(AccuracyTable.number(t))"
            }
        }
    }

    /// The measurements, in table order (row, then α).
    public let measurements: [AccuracyMeasurement]
    /// Rows present, in order.
    public let rows: [Row]
    /// Columns present (teacher α), ascending.
    public let alphas: [Double]

    /// Places each measurement in its cell.
    /// - Throws: ``InputError/missingAttribute(path:attribute:)`` for a student without
    ///   temperature or teacher α, ``InputError/duplicateCell(path:other:row:alpha:)`` when two
    ///   dumps share a cell.
    public init(_ measurements: [AccuracyMeasurement]) throws {
        var seen: [String: String] = [:]
        for m in measurements {
            if m.attributes.role == .student {
                if m.attributes.kdTemperature == nil { throw InputError.missingAttribute(path: m.path, attribute: "kd_temperature") }
                if m.attributes.teacherLSAlpha == nil { throw InputError.missingAttribute(path: m.path, attribute: "teacher_ls_alpha") }
            }
            let key = "\(m.row.label)|\(m.alpha)"
            if let other = seen[key] {
                throw InputError.duplicateCell(path: m.path, other: other, row: m.row.label, alpha: AccuracyTable.alphaText(m.alpha))
            }
            seen[key] = m.path
        }
        self.measurements = measurements.sorted { ($0.row, $0.alpha) < ($1.row, $1.alpha) }
        rows = Array(Set(measurements.map(\.row))).sorted()
        alphas = Array(Set(measurements.map(\.alpha))).sorted()
    }

    /// The measurement in a cell, if any.
    public func cell(_ row: Row, alpha: Double) -> AccuracyMeasurement? {
        measurements.first { $0.row == row && $0.alpha == alpha }
    }

    /// The table for markdown/CSV/LaTeX: "top1 / top5" cells with `decimals` decimals, empty where
    /// no dump was given.
    public func table(caption: String? = nil, decimals: Int = 2) -> Table {
        var table = Table(columns: [Table.Column("")] + alphas.map { Table.Column("α = \(AccuracyTable.alphaText($0))", alignment: .right) },
                          caption: caption, unit: "percent, top-1 / top-5")
        for row in rows {
            table.append([.text(row.label)] + alphas.map { alpha in
                cell(row, alpha: alpha).map {
                    .text("\(Table.format($0.top1, decimals: decimals)) / \(Table.format($0.top5, decimals: decimals))")
                } ?? .empty
            })
        }
        return table
    }

    /// The `penultimate-accuracy` JSON document (``AccuracyDocument``), rows in table order.
    public func json(provenance: Provenance) throws -> String { try document(provenance: provenance).text() }

    /// The table as the `penultimate-accuracy` document.
    public func document(provenance: Provenance) throws -> AccuracyDocument {
        AccuracyDocument(provenance: JSONFragment(provenance.json()), rows: measurements.map {
            AccuracyDocument.Row(path: $0.path, ModelDescription($0.attributes), split: $0.split, top1: $0.top1, top5: $0.top5,
                                 topK: $0.topK, rows: $0.rows)
        })
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x)
    }

    /// α with at least one decimal, as in the paper: 0.0, 0.1, 0.25.
    static func alphaText(_ x: Double) -> String { String(x) }
}
