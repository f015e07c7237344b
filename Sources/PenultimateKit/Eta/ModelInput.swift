import Analysis
import FeatureStore
import Foundation
import ToolSupport

/// One model given to `eta`: a feature dump (one file, shards or a manifest) or one or more
/// centroid files (detected by their `format` attribute; files of one split are summed, so a
/// Slurm job array can write one per shard).
///
/// Sendable because everything is set once in `init` except the cache of centroids computed from
/// the dump, which `cacheLock` guards (lookup, computation and store under one lock, so two callers
/// asking for the same split never read the dump twice nor race on the dictionary).
public final class ModelInput: @unchecked Sendable {
    /// The paths as given.
    public let paths: [String]
    /// The classes, in index order.
    public let classes: ClassList
    /// The model's attributes.
    public let source: ModelDescription
    /// The dump, when the input is one.
    public let dump: Dump?
    /// Merged centroid files by split, when the input is centroid files.
    private let stored: [String: CentroidFile]
    /// Centroids computed from the dump, by split and row normalisation; guarded by `cacheLock`.
    private var computed: [String: CentroidFile] = [:]
    private let cacheLock = NSLock()

    /// Whether part of a dump (some shards, or centroid files of some shards) was accepted.
    public let partial: Bool

    /// Opens `paths`: all centroid files, or the files of one dump.
    ///
    /// - Parameter partial: accept a lone shard, a shard set missing ranks, or centroid files that
    ///   do not cover the whole split (``Dump/open(_:partial:)-([String],_)``,
    ///   ``CentroidFile/merged(_:partial:)``); outputs then say what they cover.
    public init(paths: [String], partial: Bool = false) throws {
        self.partial = partial
        guard !paths.isEmpty else { throw InputError(file: "eta", object: "input", message: "no file given") }
        self.paths = paths
        let isCentroid = paths.map(CentroidFile.isCentroidFile)
        if isCentroid.allSatisfy({ $0 }) {
            let files = try paths.map(CentroidFile.read)
            var bySplit: [String: [CentroidFile]] = [:]
            for file in files { bySplit[file.split, default: []].append(file) }
            for file in files.dropFirst() {
                try ClassResolution.requireSameClasses(files[0].classes, files[0].paths[0], file.classes, file.paths[0])
                // Files of one model only: a glob that also catches another student's files would mix them.
                guard file.source == files[0].source else {
                    throw InputError(file: file.paths[0], object: "source attributes",
                                     message: "describe \(Self.describe(file.source)), but \(files[0].paths[0]) describes \(Self.describe(files[0].source)); give the centroid files of one model per side")
                }
            }
            var stored: [String: CentroidFile] = [:]
            for split in bySplit.keys.sorted() { stored[split] = try CentroidFile.merged(bySplit[split]!, partial: partial) }
            self.stored = stored
            classes = files[0].classes
            source = files[0].source
            dump = nil
        } else if isCentroid.contains(true) {
            throw InputError(file: paths.joined(separator: ", "), object: "input",
                             message: "mixes centroid files and feature dumps; give one kind per model")
        } else {
            let dump = try Dump.openInput(paths, partial: partial)
            self.dump = dump
            stored = [:]
            classes = dump.classes
            source = ModelDescription(dump.attributes)
        }
    }

    private static func describe(_ s: ModelDescription) -> String {
        "\(s.model) (T = \(s.kdTemperature.map { "\($0)" } ?? "none"), α = \(s.lsAlpha), teacher α = \(s.teacherLSAlpha.map { "\($0)" } ?? "none"))"
    }

    /// The paths joined for messages and reports.
    public var label: String { paths.joined(separator: ", ") }

    /// Whether the input is centroid files (no rows to resample).
    public var isCentroidFiles: Bool { dump == nil }

    /// The splits this input can answer.
    public var splitNames: [String] { dump?.splitNames ?? stored.keys.sorted() }

    /// Sums and counts of `split` with rows transformed by `rowNormalization`: from the centroid
    /// files, or from one ``CentroidPass`` over the dump (cached).
    public func centroids(split: String, rowNormalization: CentroidAccumulator.RowNormalization,
                          invalidRows: CentroidAccumulator.InvalidRowPolicy,
                          progress: ProgressMeter? = nil) throws -> CentroidFile {
        if let dump {
            let key = split + "/" + rowNormalization.rawValue
            cacheLock.lock()
            defer { cacheLock.unlock() }
            if let cached = computed[key] { return cached }
            guard dump.splitNames.contains(split) else {
                throw InputError(file: label, object: "/splits/\(split)",
                                 message: "no such split; the dump has \(dump.splitNames.joined(separator: ", "))")
            }
            let result = try CentroidFile.compute(dump: dump, split: split, rowNormalization: rowNormalization,
                                                  invalidRows: invalidRows, progress: progress)
            computed[key] = result
            return result
        }
        guard let file = stored[split] else {
            throw InputError(file: label, object: "split \(split)",
                             message: "no centroid file of this split; given: \(stored.keys.sorted().joined(separator: ", "))",
                             fix: "run `eta centroids DUMP --split \(split)` first")
        }
        guard file.accumulator.rowNormalization == rowNormalization else {
            let needed = rowNormalization == .unitLength ? "unit" : "none (or centroid-scale)"
            throw InputError(file: file.paths.joined(separator: ", "), object: "attribute row_normalization",
                             message: "is \(file.accumulator.rowNormalization.rawValue), but this --normalize needs \(rowNormalization.rawValue) rows",
                             fix: "rebuild it with `eta centroids --normalize \(needed)`")
        }
        if invalidRows == .refuse && (file.skippedNonFinite > 0 || file.skippedZero > 0) {
            // The file was built with --skip-nonfinite; say so rather than silently accept it.
            throw InputError(file: file.paths.joined(separator: ", "), object: "attribute skipped_nonfinite",
                             message: "\(file.skippedNonFinite + file.skippedZero) rows were left out when it was built",
                             fix: "pass --skip-nonfinite to accept that")
        }
        return file
    }

    /// The rows of `classes` in `split`, per class (for the bootstrap). Needs a dump. With
    /// `dropNonFinite`, rows holding NaN/Inf are left out (as `--skip-nonfinite` does for centroids).
    public func rows(split: String, classes wanted: Set<Int>, dropNonFinite: Bool = false) throws -> [Int: [Float]] {
        guard let dump else {
            throw InputError(file: label, object: "input", message: "centroid files hold no rows to resample",
                             fix: "give the feature dumps for --bootstrap")
        }
        var rows: [Int: [Float]] = [:]
        let dim = dump.dim
        try dump.split(split).forEachBlock(maxRows: CentroidPass.blockRows(dim: dim), classes: wanted) { block in
            for r in 0..<block.rowCount {
                let label = Int(block.labels[r])
                guard wanted.contains(label) else { continue }
                let row = block.features[(r * dim)..<((r + 1) * dim)]
                if dropNonFinite, !row.allSatisfy(\.isFinite) { continue }
                rows[label, default: []].append(contentsOf: row)
            }
        }
        return rows
    }
}
