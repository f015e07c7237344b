import Foundation
import HDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One opened file of a dump: a single file, one shard, or a manifest.
struct DumpFile: @unchecked Sendable {
    let path: String
    let file: File
    var root: Group { file.root }
}

/// A feature dump: one file, a set of shard files, or a manifest over shards (format v1).
///
/// Opening checks the structure (attributes, shapes, types, filters); ``validate()`` also
/// reads the data (label range, NaN/Inf counts).
public final class Dump: @unchecked Sendable {
    /// How the dump is stored.
    public enum Layout: String, Sendable { case single, shards, manifest }

    /// The paths as given to ``open(_:partial:)-([String],_)``.
    public let paths: [String]
    /// Single file, shards, or manifest.
    public let layout: Layout
    /// Root attributes (of the first file; shards must agree on model, role, dataset).
    public let attributes: DumpAttributes
    /// The class list (C classes, label order).
    public let classes: ClassList
    /// Feature dimension D.
    public let dim: Int
    /// Split names, sorted.
    public let splitNames: [String]
    let files: [DumpFile]
    /// Shard files behind the dump: 1 for a single file, the manifest's shard count, or the files given.
    let shardCount: Int
    /// The shard ranks read and the shard count the files declare; nil when they declare none.
    public let shards: ShardSet?
    /// Whether a partial reading was asked for (``open(_:partial:)-([String],_)``).
    public let partialAllowed: Bool
    /// A manifest's shard files (resolved paths, rank order); empty for other layouts.
    let manifestShards: [String]
    private var splitReaders: [String: SplitReader] = [:]

    /// Opens a single file or manifest (one path) or shard files (several paths, any order).
    ///
    /// - Parameter partial: accept part of a sharded dump (a lone shard, or a set missing ranks)
    ///   and skip the check that a split holds all of its `sample_count` samples. Without it such
    ///   a reading is refused: its numbers would silently describe only some of the data.
    public static func open(_ paths: [String], partial: Bool = false) throws(StoreError) -> Dump {
        guard !paths.isEmpty else {
            throw StoreError(file: "(none)", object: "arguments", message: "no dump file given")
        }
        var opened: [(DumpFile, DumpAttributes)] = []
        for path in paths {
            let file = try openFile(path)
            let f = DumpFile(path: path, file: file)
            opened.append((f, try DumpAttributes.read(from: f.root, file: path)))
        }
        if opened.count > 1 {
            opened.sort { ($0.1.shardRank ?? 0) < ($1.1.shardRank ?? 0) }
            let first = opened[0].1
            for (f, a) in opened.dropFirst() {
                if let name = first.modelAttributeDifferences(a).first {
                    let mine = first.provenance[name] ?? "absent", theirs = a.provenance[name] ?? "absent"
                    throw StoreError(file: f.path, object: "attribute \(name)",
                                     message: "is \(theirs) but \(opened[0].0.path) has \(mine): not shards of one dump")
                }
            }
        }
        let layout: Layout = opened.count > 1 ? .shards : (opened[0].0.root.hasAttribute("manifest_shards") ? .manifest : .single)
        let manifestShards = layout == .manifest ? try checkManifestShards(opened[0].0) : []
        let shardCount = layout == .manifest ? manifestShards.count : opened.count
        let shards = layout == .manifest ? nil : try checkShardSet(opened, partial: partial)
        let dump = try Dump(paths: paths, layout: layout, files: opened.map(\.0), attributes: opened[0].1,
                            shardCount: shardCount, shards: shards, partial: partial, manifestShards: manifestShards)
        return dump
    }

    /// Checks the `shard_rank`/`shard_count` attributes of the files given (not a manifest) and
    /// returns what they say, or nil for files that carry none (an unsharded dump, or shards of an
    /// older writer that did not record them).
    ///
    /// Where the files say how many shards there are, the set must be complete: every rank
    /// `0..<shard_count` exactly once, all with the same count, unless `partial`.
    static func checkShardSet(_ opened: [(DumpFile, DumpAttributes)], partial: Bool) throws(StoreError) -> ShardSet? {
        let counted = opened.filter { $0.1.shardCount != nil || $0.1.shardRank != nil }
        guard !counted.isEmpty else { return nil }
        for (f, a) in counted where (a.shardCount == nil) != (a.shardRank == nil) {
            let (missing, present) = a.shardCount == nil ? ("shard_count", "shard_rank") : ("shard_rank", "shard_count")
            throw StoreError(file: f.path, object: "attribute \(missing)", message: "missing although \(present) is set; a shard file needs both")
        }
        if let f = opened.first(where: { $0.1.shardCount == nil || $0.1.shardRank == nil }) {
            let missing = f.1.shardCount == nil ? "shard_count" : "shard_rank"
            let other = counted[0].0.path
            throw StoreError(file: f.0.path, object: "attribute \(missing)",
                             message: "missing, but \(other) has shard_rank/shard_count: mixed shard and non-shard files")
        }
        let count = opened[0].1.shardCount!
        guard count >= 1 else {
            throw StoreError(file: opened[0].0.path, object: "attribute shard_count", message: "is \(count); expected at least 1")
        }
        for (f, a) in opened {
            guard a.shardCount == count else {
                throw StoreError(file: f.path, object: "attribute shard_count",
                                 message: "is \(a.shardCount!) but \(opened[0].0.path) has \(count): not shards of one dump")
            }
            guard let rank = a.shardRank, rank >= 0, rank < count else {
                throw StoreError(file: f.path, object: "attribute shard_rank",
                                 message: "is \(a.shardRank!), outside 0..<\(count) (shard_count)")
            }
        }
        var seen: [Int64: String] = [:]
        for (f, a) in opened {
            if let earlier = seen.updateValue(f.path, forKey: a.shardRank!) {
                throw StoreError(file: f.path, object: "attribute shard_rank",
                                 message: "rank \(a.shardRank!) also in \(earlier): the same rank was given twice",
                                 fix: "pass each NAME.rank{r}.h5 file once")
            }
        }
        let ranks = opened.map { Int($0.1.shardRank!) }
        if ranks.count < count && !partial {
            let missing = (0..<Int(count)).filter { !ranks.contains($0) }
            let shown = missing.prefix(8).map(String.init).joined(separator: ", ") + (missing.count > 8 ? ", ..." : "")
            let what = ranks.count == 1 ? "is shard \(ranks[0]) of \(count)" : "holds shards \(ranks.map(String.init).joined(separator: ", ")) of \(count) (missing \(shown))"
            throw StoreError(file: opened[0].0.path, object: "attribute shard_count",
                             message: "\(what); pass all \(count) shards (or the manifest), or --partial to read one part")
        }
        return ShardSet(ranks: ranks, count: Int(count))
    }

    /// Every shard a manifest names must exist: libhdf5 reads a missing virtual-dataset source as
    /// fill values (labels -1, features NaN) instead of failing.
    /// Returns the shard files' paths, in rank order.
    static func checkManifestShards(_ f: DumpFile) throws(StoreError) -> [String] {
        let entries = try hdf5(f.path, "attribute manifest_shards") { () throws(HDF5Error) in
            try f.root.readStringArrayAttribute("manifest_shards")
        }
        let folder = f.path.lastIndex(of: "/").map { String(f.path[...$0]) } ?? ""
        var paths: [String] = []
        for entry in entries {
            let resolved = entry.hasPrefix("/") ? entry : folder + entry
            paths.append(resolved)
            guard access(resolved, R_OK) == 0 else {
                throw StoreError(file: f.path, object: "attribute manifest_shards",
                                 message: "shard \(entry) is missing (\(resolved))",
                                 fix: "keep every shard file beside the manifest, or pass the shard files themselves")
            }
        }
        return paths
    }

    /// Opens one file, or shards, given as a single path or several.
    public static func open(_ path: String, partial: Bool = false) throws(StoreError) -> Dump { try open([path], partial: partial) }

    static func openFile(_ path: String) throws(StoreError) -> File {
        guard access(path, F_OK) == 0 else {
            throw StoreError(file: path, object: "file", message: "no such file")
        }
        try StringProbe.check(path)
        do {
            return try File(path: path, mode: .readOnly)
        } catch {
            if error.stackMentions("file signature not found") || error.stackMentions("not an hdf5 file") {
                throw StoreError(file: path, object: "file", message: "not an HDF5 file")
            }
            throw StoreError(error, file: path, object: "file")
        }
    }

    private init(paths: [String], layout: Layout, files: [DumpFile], attributes: DumpAttributes, shardCount: Int,
                 shards: ShardSet?, partial: Bool, manifestShards: [String]) throws(StoreError) {
        self.paths = paths
        self.manifestShards = manifestShards
        self.shardCount = shardCount
        self.shards = shards
        self.partialAllowed = partial
        self.layout = layout
        self.files = files
        self.attributes = attributes
        let first = files[0]
        classes = try Self.readClasses(first)
        let (weightShape, _) = try Self.classifierShapes(first, classCount: classes.count)
        dim = weightShape[1]
        for other in files.dropFirst() {
            let c = try Self.readClasses(other)
            guard c == classes else {
                let mine = classes
                let object = c.wnids != mine.wnids ? "/classes/wnid" : "/classes/name"
                let at = (0..<max(c.count, mine.count)).first { i in
                    i >= c.count || i >= mine.count || c.wnids?[i] != mine.wnids?[i] || c.names?[i] != mine.names?[i]
                }
                throw StoreError(file: other.path, object: object,
                                 message: "differs from \(first.path)'s class list" + (at.map { " (first at class \($0))" } ?? ""))
            }
            let (w, _) = try Self.classifierShapes(other, classCount: classes.count)
            guard w[1] == dim else {
                throw StoreError(file: other.path, object: "/classifier/weight", message: "dim \(w[1]) differs from \(first.path)'s \(dim)")
            }
            for p in ["/classifier/weight", "/classifier/bias"] {
                let (a, b) = try hdf5(other.path, p) { () throws(HDF5Error) in
                    (try first.root.dataset(p).readAll(as: Float.self), try other.root.dataset(p).readAll(as: Float.self))
                }
                guard a.elementsEqual(b, by: { $0 == $1 || ($0.isNaN && $1.isNaN) }) else {
                    throw StoreError(file: other.path, object: p, message: "differs from \(first.path)'s: not shards of one model")
                }
            }
        }
        var names = Set<String>()
        for f in files where f.root.kind(of: "splits") == .group {
            names.formUnion(try hdf5(f.path, "/splits") { () throws(HDF5Error) in try f.root.group("splits").childNames() })
        }
        splitNames = names.sorted()
        // Structural checks of every split now, so errors surface before any computing; the
        // readers (labels, dedup masks) are kept and shared by later ``split(_:)`` calls.
        var readers: [String: SplitReader] = [:]
        for name in splitNames { readers[name] = try SplitReader(dump: self, name: name) }
        splitReaders = readers
    }

    static func readClasses(_ f: DumpFile) throws(StoreError) -> ClassList {
        guard f.root.kind(of: "classes") == .group else {
            throw StoreError(file: f.path, object: "/classes", message: "missing group (required by format v1)")
        }
        func strings(_ name: String) throws(StoreError) -> [String]? {
            let p = "/classes/\(name)"
            guard let kind = f.root.kind(of: p) else { return nil }
            guard kind == .dataset else { throw StoreError(file: f.path, object: p, message: "is not a dataset") }
            return try hdf5(f.path, p) { () throws(HDF5Error) in
                let d = try f.root.dataset(p)
                let shape = try d.shape
                guard shape.count == 1 else {
                    throw HDF5Error(operation: "read class list", object: p, stack: ["expected shape (C,), found \(shape)"])
                }
                return try d.readStrings()
            }
        }
        return try ClassList(file: f.path, wnids: try strings("wnid"), names: try strings("name"))
    }

    static func requireDataset(_ f: DumpFile, _ p: String) throws(StoreError) -> Dataset {
        guard let kind = f.root.kind(of: p) else {
            throw StoreError(file: f.path, object: p, message: "missing dataset (required by format v1)")
        }
        guard kind == .dataset else { throw StoreError(file: f.path, object: p, message: "is not a dataset") }
        return try hdf5(f.path, p) { () throws(HDF5Error) in try f.root.dataset(p) }
    }

    /// Checks that every part of `d`'s extent was written. A dump whose datasets were created at
    /// full size and filled as training went (a run that stopped early) has parts without storage,
    /// which libhdf5 reads back as zeros: centroids from them would be silently wrong.
    ///
    /// Data stored elsewhere is checked where it lives: a virtual dataset's sources
    /// (``checkVirtual(_:file:object:depth:)``) and external raw storage (``checkExternal(_:_:file:object:)``).
    static func checkWritten(_ d: Dataset, file: String, object: String, depth: Int = 0) throws(StoreError) {
        if try hdf5(file, object, { () throws(HDF5Error) in try d.isVirtual }) {
            return try checkVirtual(d, file: file, object: object, depth: depth)
        }
        let external = try hdf5(file, object) { () throws(HDF5Error) in try d.externalFiles() }
        if !external.isEmpty { return try checkExternal(d, external, file: file, object: object) }
        let message: String
        switch try hdf5(file, object, { () throws(HDF5Error) in try d.storageCoverage() }) {
        case let .chunks(stored, spanned) where stored < spanned:
            message = "has \(spanned - stored) of \(spanned) chunks never written (they would read as zeros)"
        case .contiguous(allocated: false):
            message = "was never written (no storage)"
        default:
            return
        }
        throw StoreError(file: file, object: object, message: message,
                         fix: "the run that wrote it stopped early or skipped rows: write the dump again")
    }

    /// Checks that every filter of `d` can be decoded here.
    static func checkFilters(_ d: Dataset, file: String, object: String) throws(StoreError) {
        let filters = try hdf5(file, object) { () throws(HDF5Error) in try d.filters }
        for filter in filters where !HDF5Library.filterAvailable(filter.id) {
            let known = [32000: "LZF", 32001: "Blosc", 32004: "LZ4", 32008: "Bitshuffle", 32015: "Zstandard", 32017: "SZ"]
            let name = known[filter.id] ?? (filter.name.isEmpty ? "unknown" : filter.name)
            throw StoreError(file: file, object: object,
                             message: "compressed with the \(name) filter (id \(filter.id)), which this libhdf5 cannot decode",
                             fix: StoreError.filterFix)
        }
    }

    static func checkFloat(_ d: Dataset, file: String, object: String, shape expected: [Int?]) throws(StoreError) -> [Int] {
        let (type, shape) = try hdf5(file, object) { () throws(HDF5Error) in (try d.elementType, try d.shape) }
        let ieee: [ElementType] = [.float16, .float32, .float64]
        // Non-IEEE floats (bfloat16, other exponent biases) are read through libhdf5's conversion
        // to Float, never decoded here: exact for bfloat16; out-of-range values become ±Inf, which
        // the averaging tools refuse, as for float64.
        var isFloat = ieee.contains(type)
        if case .customFloat = type { isFloat = true }
        guard isFloat else {
            throw StoreError(file: file, object: object, message: "stored as \(type); expected float16, float32 or float64",
                             fix: "store it as float32")
        }
        guard shape.count == expected.count, zip(shape, expected).allSatisfy({ $1 == nil || $0 == $1 }) else {
            let want = "(" + expected.map { $0.map(String.init) ?? "_" }.joined(separator: ", ") + ")"
            throw StoreError(file: file, object: object, message: "has shape \(shape), expected \(want)")
        }
        try checkFilters(d, file: file, object: object)
        try checkWritten(d, file: file, object: object)
        return shape
    }

    static func classifierShapes(_ f: DumpFile, classCount: Int) throws(StoreError) -> ([Int], [Int]) {
        let w = try requireDataset(f, "/classifier/weight")
        let wShape = try checkFloat(w, file: f.path, object: "/classifier/weight", shape: [classCount, nil])
        let b = try requireDataset(f, "/classifier/bias")
        let bShape = try checkFloat(b, file: f.path, object: "/classifier/bias", shape: [classCount])
        return (wShape, bShape)
    }

    /// The linear classifier: weight (C×D, row-major, row k is class k's template) and bias (C).
    ///
    /// Throws when either holds NaN or infinity: templates and projections from them would be
    /// meaningless (``validate()`` counts such values instead).
    public func classifier() throws(StoreError) -> (weight: [Float], bias: [Float]) {
        let (weight, bias) = try storedClassifier()
        for (name, values) in [("weight", weight), ("bias", bias)] {
            let bad = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            guard bad == 0 else {
                let at = values.firstIndex { !$0.isFinite }!
                let place = name == "weight" ? "class \(at / max(dim, 1)), column \(at % max(dim, 1))" : "class \(at)"
                throw StoreError(file: files[0].path, object: "/classifier/\(name)",
                                 message: "holds \(bad) NaN/Inf value(s) (first at \(place)); the classifier is unusable",
                                 fix: "dump the weights of a trained, finite checkpoint")
            }
        }
        return (weight, bias)
    }

    /// The classifier as stored, finite or not.
    func storedClassifier() throws(StoreError) -> (weight: [Float], bias: [Float]) {
        let f = files[0]
        return try hdf5(f.path, "/classifier") { () throws(HDF5Error) in
            (try f.root.dataset("/classifier/weight").readAll(as: Float.self),
             try f.root.dataset("/classifier/bias").readAll(as: Float.self))
        }
    }

    /// Opens split `name` for streaming (across all shards, duplicates dropped).
    public func split(_ name: String) throws(StoreError) -> SplitReader {
        guard splitNames.contains(name) else {
            throw StoreError(file: paths.joined(separator: ", "), object: "/splits/\(name)",
                             message: "no such split (splits: \(splitNames.joined(separator: ", ")))")
        }
        return splitReaders[name]!
    }

    /// Reads all data and reports problems (label range, NaN/Inf counts, duplicates) per split.
    public func validate() -> ValidationReport {
        var report = ValidationReport(paths: paths, classCount: classes.count, dim: dim)
        if attributes.role == .student, attributes.teacherModel == nil || attributes.kdTemperature == nil {
            report.warnings.append("\(paths[0]): root attributes: a student dump without teacher_model/kd_temperature")
        }
        // A non-finite classifier is counted (and makes the dump invalid); the logits are then
        // not checked against it.
        var classifier: (weight: [Float], bias: [Float])?
        do {
            let stored = try storedClassifier()
            report.weightNonFinite = stored.weight.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            report.biasNonFinite = stored.bias.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            if report.classifierNonFinite == 0 { classifier = stored }
        } catch {
            report.problems.append(error)
        }
        for name in splitNames {
            do {
                let reader = try split(name)
                let statistics = try reader.statistics(classifier: classifier)
                report.splits[name] = statistics
                // A split too small to hold every class (a toy or smoke-test split) is not flagged.
                guard statistics.rows >= classes.count else { continue }
                report.classesWithoutRows[name] = statistics.classCounts.indices
                    .filter { statistics.classCounts[$0] == 0 }
                    .map { i in [classes.wnids?[i], classes.names?[i]].compactMap { $0 }.joined(separator: " ") }
            } catch let error as StoreError {
                report.problems.append(error)
            } catch {
                report.problems.append(StoreError(file: paths[0], object: "/splits/\(name)", message: "\(error)"))
            }
        }
        return report
    }
}

/// The shard ranks a dump's files hold, and how many ranks wrote the whole dump.
public struct ShardSet: Sendable, Equatable {
    /// The ranks read, ascending.
    public var ranks: [Int]
    /// The files' `shard_count`.
    public var count: Int

    /// Whether every rank `0..<count` is present.
    public var isComplete: Bool { ranks.count == count }

    /// "ranks 0, 2 of 3".
    public var description: String {
        "\(ranks.count == 1 ? "rank" : "ranks") \(ranks.map(String.init).joined(separator: ", ")) of \(count)"
    }
}

extension Dump {
    /// Whether this reading covers only part of the dump: some shard ranks are missing.
    public var isPartial: Bool { shards.map { !$0.isComplete } ?? false }

    /// Whether the files are one unsharded dump (one file without shard attributes, not a manifest).
    public var isUnsharded: Bool { layout == .single && shards == nil }

    /// The layout in words for outputs: "single file", "manifest over 3 shards",
    /// "shards: ranks 0, 1 of 2 (partial)".
    public var layoutDescription: String {
        switch layout {
        case .manifest: return "manifest over \(shardCount) shards"
        case .single where shards == nil: return "single file"
        default:
            guard let shards else { return "\(files.count) shard files (no shard_rank/shard_count)" }
            return "shards: \(shards.description)" + (shards.isComplete ? "" : " (partial)")
        }
    }
}

/// What ``Dump/validate()`` found.
public struct ValidationReport: Sendable {
    /// Per-split statistics and data problems.
    public struct Split: Sendable, Equatable {
        /// Rows after dropping duplicates.
        public var rows: Int
        /// Feature dimension D.
        public var dim: Int
        /// The stored feature type, e.g. "float16".
        public var storedType: String
        /// Rows per class (length C).
        public var classCounts: [Int]
        /// Feature values that are NaN.
        public var nanCount: Int
        /// Feature values that are +Inf or -Inf.
        public var infCount: Int
        /// Rows dropped because their sample_index repeated an earlier row.
        public var duplicatesDropped: Int
        /// Rows whose logits were checked against features·Wᵀ + b (nil: no logits stored, or a
        /// non-finite classifier).
        public var logitRowsChecked: Int? = nil
        /// Rows with a logit beyond the tolerance of ``LogitCheck``.
        public var logitRowsBeyond: Int = 0
        /// The logit furthest beyond its tolerance, relative to it.
        public var worstLogit: LogitMismatch? = nil
    }

    /// Where stored logits differ most from features·Wᵀ + b, relative to the tolerance (checked
    /// rows always have one; it is a problem only when `difference > tolerance`).
    public struct LogitMismatch: Sendable, Equatable {
        /// The row's position among the split's kept rows.
        public var row: Int
        /// The class (column of the logits).
        public var classIndex: Int
        /// |stored − expected|.
        public var difference: Double
        /// The tolerance at that row and class.
        public var tolerance: Double
        /// difference / tolerance: how much of the tolerance the worst logit uses.
        public var ratio: Double { difference / max(tolerance, .leastNonzeroMagnitude) }
    }
    /// The dump's files.
    public var paths: [String]
    /// Number of classes C.
    public var classCount: Int
    /// Feature dimension D.
    public var dim: Int
    /// Statistics per split name.
    public var splits: [String: Split] = [:]
    /// Errors that make the dump unusable.
    public var problems: [StoreError] = []
    /// Oddities that do not stop analysis (NaN/Inf are listed here; averaging tools refuse them).
    public var warnings: [String] = []

    /// Classes (wnid and name) per split that have no rows there, so their centroids are undefined.
    /// Checked only for splits with at least as many rows as classes.
    public var classesWithoutRows: [String: [String]] = [:]

    /// NaN and infinite values in /classifier/weight.
    public var weightNonFinite = 0
    /// NaN and infinite values in /classifier/bias.
    public var biasNonFinite = 0
    /// NaN and infinite values in the classifier (weight and bias).
    public var classifierNonFinite: Int { weightNonFinite + biasNonFinite }

    /// True when there are no problems, no NaN/Inf values (features or classifier), every class
    /// has rows in every split, and stored logits match features·Wᵀ + b.
    public var isValid: Bool {
        problems.isEmpty && classifierNonFinite == 0
            && splits.values.allSatisfy { $0.nanCount == 0 && $0.infCount == 0 && $0.logitRowsBeyond == 0 }
            && classesWithoutRows.values.allSatisfy { $0.isEmpty }
    }

    /// One line per problem and per split with non-finite values.
    public var messages: [String] {
        let files = paths.joined(separator: ", ")
        let classifier = [("weight", weightNonFinite), ("bias", biasNonFinite)].filter { $0.1 > 0 }.map { name, count in
            "\(files): /classifier/\(name): \(count) NaN/Inf value(s); the classifier is unusable (templates, projections)"
        }
        let logits = splits.keys.sorted().compactMap { name -> String? in
            let s = splits[name]!
            guard s.logitRowsBeyond > 0, let w = s.worstLogit else { return nil }
            func g(_ x: Double) -> String { String(format: "%.3g", x) }
            if !w.difference.isFinite {
                return "\(files): /splits/\(name)/logits: hold NaN or Inf where features·Wᵀ + b is finite (row \(w.row), class \(w.classIndex); "
                    + "\(s.logitRowsBeyond) of \(s.logitRowsChecked ?? 0) rows differ): the logits are not the classifier's output for these features"
            }
            return "\(files): /splits/\(name)/logits: differ from features·Wᵀ + b by \(g(w.difference)) at row \(w.row), class \(w.classIndex) "
                + "(tolerance there \(g(w.tolerance)), the worst relative to its tolerance; "
                + "\(s.logitRowsBeyond) of \(s.logitRowsChecked ?? 0) rows beyond it): the features are not the classifier's input "
                + "(taken before a final LayerNorm, ReLU or dropout?); dump the input of the final nn.Linear (a forward pre-hook on it)"
        }
        return problems.map(\.description) + classifier + logits + splits.keys.sorted().compactMap { name in
            let s = splits[name]!
            guard s.nanCount + s.infCount > 0 else { return nil }
            return "\(paths.joined(separator: ", ")): /splits/\(name)/features: \(s.nanCount) NaN and \(s.infCount) Inf values"
        } + classesWithoutRows.keys.sorted().compactMap { name in
            let empty = classesWithoutRows[name]!
            guard !empty.isEmpty else { return nil }
            let shown = empty.prefix(5).joined(separator: ", ") + (empty.count > 5 ? ", ..." : "")
            return "\(paths.joined(separator: ", ")): /splits/\(name)/labels: \(empty.count) class(es) without rows (\(shown)): their centroids are undefined"
        } + warnings
    }
}
