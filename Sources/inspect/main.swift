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
                printJSON(dump, report)
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

    func printJSON(_ dump: Dump, _ report: ValidationReport) {
        var splits: [String: Any] = [:]
        for name in dump.splitNames {
            guard let reader = try? dump.split(name), let s = report.splits[name] else { continue }
            let c = Self.summary(s.classCounts)
            splits[name] = [
                "rows": s.rows, "dim": s.dim, "dtype": s.storedType, "chunk_rows": reader.chunkRows ?? NSNull(),
                "compression": reader.compression, "has_logits": reader.hasLogits,
                "duplicates_dropped": s.duplicatesDropped, "nan": s.nanCount, "inf": s.infCount,
                "rows_per_class": ["min": c.min, "median": c.median, "max": c.max],
                "sample_count": reader.sampleCount ?? NSNull(),
                "coverage": CentroidCoverage(dump: dump, reader: reader).summary,
                "logits_rows_checked": s.logitRowsChecked ?? NSNull(), "logits_rows_beyond_tolerance": s.logitRowsBeyond,
                // A NaN or infinite stored logit has no finite ratio (and JSON has no NaN/Inf).
                "logits_worst_tolerance_ratio": s.worstLogit.flatMap { $0.ratio.isFinite ? $0.ratio : nil } ?? NSNull(),
            ] as [String: Any]
        }
        let object: [String: Any] = [
            "files": dump.paths, "layout": dump.layout.rawValue, "layout_description": dump.layoutDescription,
            "shard_ranks": dump.shards?.ranks ?? NSNull(), "shard_count": dump.shards?.count ?? NSNull(),
            "partial": dump.isPartial,
            "format_version": dump.attributes.formatVersion, "attributes": dump.attributes.provenance,
            "classes": dump.classes.count, "dim": dump.dim, "splits": splits,
            "valid": report.isValid, "messages": report.messages,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}

Inspect.runAsTool(name: "inspect")
