import ArgumentParser
import FeatureStore
import Foundation
import Penultimate
import ToolOptions

/// `inspect`: describe a feature dump (one file, shards, or a manifest) and check it against format v1.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a penultimate feature dump and check it against the file format.",
        discussion: """
            Several files are read as the shards of one dump (rows with a repeated sample_index are dropped).
            Reads every row once to count NaN/Inf values and rows per class.

            Examples:
              inspect resnet50_ls.h5
              inspect --json run.rank0.h5 run.rank1.h5
              inspect --validate resnet50_ls.h5 || echo "broken"
            """)

    @Argument(help: "The dump: one file, a manifest, or all shard files.")
    var files: [String]

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Exit with status 65 when the dump breaks the format or holds NaN/Inf features.")
    var validate = false

    @OptionGroup var partial: PartialOption

    func run() throws {
        runTool(name: "inspect") {
            let dump = try Dump.open(files, partial: partial.partial)
            let report = dump.validate()
            // A failed run prints no description (nothing on stdout that looks like a result) and
            // exactly one stderr line: the first problem, then any others after "; ".
            if !report.problems.isEmpty || (validate && !report.isValid) {
                throw ToolError.badInput(report.messages.joined(separator: "; "))
            }
            if json {
                try printJSON(dump, report)
            } else {
                printText(dump, report)
            }
        }
    }

    static func summary(_ counts: [Int]) -> (min: Int, median: Double, max: Int) {
        let sorted = counts.sorted()
        guard !sorted.isEmpty else { return (0, 0, 0) }
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? Double(sorted[mid]) : Double(sorted[mid - 1] + sorted[mid]) / 2
        return (sorted.first!, median, sorted.last!)
    }

    func printText(_ dump: Dump, _ report: ValidationReport) {
        print("dump: \(dump.paths.joined(separator: ", ")) (\(dump.layout.rawValue))")
        if !dump.isUnsharded { print("layout: \(dump.layoutDescription)") }
        for (key, value) in dump.attributes.provenance.sorted(by: { $0.key < $1.key }) {
            // A run's whole config can be kilobytes: the text view shows its start, --json all of it.
            let shown = value.count > 100 ? "\(value.prefix(100))… (\(value.count) characters; --json shows all)" : value
            print("  \(key): \(shown)")
        }
        let shown = (0..<min(dump.classes.count, 5)).map { dump.classes.label($0) }.joined(separator: ", ")
        print("classes: \(dump.classes.count) (\(shown)\(dump.classes.count > 5 ? ", ..." : ""))")
        print("dim: \(dump.dim)")
        for name in dump.splitNames {
            guard let reader = try? dump.split(name), let s = report.splits[name] else { continue }
            let c = Self.summary(s.classCounts)
            print("split \(name): \(s.rows) rows, dim \(s.dim), \(s.storedType), chunk rows \(reader.chunkRows.map(String.init) ?? "none"), compression \(reader.compression)\(reader.hasLogits ? ", logits" : "")")
            print("  rows per class: min \(c.min), median \(c.median), max \(c.max)")
            print("  NaN: \(s.nanCount), Inf: \(s.infCount), duplicates dropped: \(s.duplicatesDropped)")
            if dump.isPartial || !dump.isUnsharded || reader.sampleCount != nil {
                print("  coverage: \(CentroidCoverage(dump: dump, reader: reader).summary)")
            }
            if let checked = s.logitRowsChecked {
                let worst = s.worstLogit.map { $0.ratio.isFinite ? "worst uses \(String(format: "%.3g", $0.ratio)) of it" : "worst: a NaN/Inf logit" }
                print("  logits = features·Wᵀ + b: \(checked - s.logitRowsBeyond) of \(checked) rows within tolerance (\(worst ?? "no rows"))")
            }
        }
        print(report.isValid ? "valid: yes" : "valid: no")
    }

    func printJSON(_ dump: Dump, _ report: ValidationReport) throws {
        var splits: [String: InspectDocument.Split] = [:]
        for name in dump.splitNames {
            guard let reader = try? dump.split(name), let s = report.splits[name] else { continue }
            let c = Self.summary(s.classCounts)
            splits[name] = InspectDocument.Split(
                rows: s.rows, dim: s.dim, dtype: s.storedType, chunk_rows: reader.chunkRows,
                compression: reader.compression, has_logits: reader.hasLogits,
                duplicates_dropped: s.duplicatesDropped, nan: s.nanCount, inf: s.infCount,
                rows_per_class: .init(min: c.min, median: c.median, max: c.max),
                sample_count: reader.sampleCount,
                coverage: CentroidCoverage(dump: dump, reader: reader).summary,
                logits_rows_checked: s.logitRowsChecked, logits_rows_beyond_tolerance: s.logitRowsBeyond,
                // A NaN or infinite stored logit has no finite ratio (and JSON has no NaN/Inf).
                logits_worst_tolerance_ratio: s.worstLogit.flatMap { $0.ratio.isFinite ? $0.ratio : nil })
        }
        let document = InspectDocument(
            files: dump.paths, layout: dump.layout.rawValue, layout_description: dump.layoutDescription,
            shard_ranks: dump.shards?.ranks, shard_count: dump.shards?.count, partial: dump.isPartial,
            format_version: dump.attributes.formatVersion, attributes: dump.attributes.provenance,
            classes: dump.classes.count, dim: dump.dim, splits: splits,
            valid: report.isValid, messages: report.messages)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(document) } catch {
            throw ToolError.internalFailure("inspect: cannot write the description as JSON (\(error))")
        }
        print(String(decoding: data, as: UTF8.self))
    }
}

/// `inspect --json`'s document: one object, keys sorted, absent values written as `null` (not left
/// out), so a reader finds every key in every description.
struct InspectDocument: Encodable {
    struct Split: Encodable {
        struct Counts: Encodable { var min: Int, median: Double, max: Int }
        var rows: Int, dim: Int, dtype: String, chunk_rows: Int?, compression: String, has_logits: Bool
        var duplicates_dropped: Int, nan: Int, inf: Int, rows_per_class: Counts, sample_count: Int?
        var coverage: String, logits_rows_checked: Int?, logits_rows_beyond_tolerance: Int
        var logits_worst_tolerance_ratio: Double?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rows, forKey: .rows); try c.encode(dim, forKey: .dim); try c.encode(dtype, forKey: .dtype)
            try c.encode(chunk_rows, forKey: .chunk_rows); try c.encode(compression, forKey: .compression)
            try c.encode(has_logits, forKey: .has_logits); try c.encode(duplicates_dropped, forKey: .duplicates_dropped)
            try c.encode(nan, forKey: .nan); try c.encode(inf, forKey: .inf); try c.encode(rows_per_class, forKey: .rows_per_class)
            try c.encode(sample_count, forKey: .sample_count); try c.encode(coverage, forKey: .coverage)
            try c.encode(logits_rows_checked, forKey: .logits_rows_checked)
            try c.encode(logits_rows_beyond_tolerance, forKey: .logits_rows_beyond_tolerance)
            try c.encode(logits_worst_tolerance_ratio, forKey: .logits_worst_tolerance_ratio)
        }
        enum CodingKeys: CodingKey {
            case rows, dim, dtype, chunk_rows, compression, has_logits, duplicates_dropped, nan, inf, rows_per_class
            case sample_count, coverage, logits_rows_checked, logits_rows_beyond_tolerance, logits_worst_tolerance_ratio
        }
    }
    var files: [String], layout: String, layout_description: String, shard_ranks: [Int]?, shard_count: Int?
    var partial: Bool, format_version: Int64, attributes: [String: String], classes: Int, dim: Int
    var splits: [String: Split], valid: Bool, messages: [String]

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(files, forKey: .files); try c.encode(layout, forKey: .layout)
        try c.encode(layout_description, forKey: .layout_description)
        try c.encode(shard_ranks, forKey: .shard_ranks); try c.encode(shard_count, forKey: .shard_count)
        try c.encode(partial, forKey: .partial); try c.encode(format_version, forKey: .format_version)
        try c.encode(attributes, forKey: .attributes); try c.encode(classes, forKey: .classes)
        try c.encode(dim, forKey: .dim); try c.encode(splits, forKey: .splits)
        try c.encode(valid, forKey: .valid); try c.encode(messages, forKey: .messages)
    }
    enum CodingKeys: CodingKey {
        case files, layout, layout_description, shard_ranks, shard_count, partial, format_version, attributes
        case classes, dim, splits, valid, messages
    }
}

Inspect.runAsTool(name: "inspect")
