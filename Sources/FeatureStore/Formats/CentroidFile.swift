import Analysis
import Foundation
import HDF5
import ToolSupport

/// Per-class sums and counts of one split of one model, saved so that η need not reread the dump.
///
/// Format "penultimate-centroids" v2 (HDF5):
/// ```
/// /  attrs: format, format_version (int64), split, row_normalization ("none" | "unitLength"),
///           the source model's attributes (``ModelDescription``): source_model, source_role,
///           source_dataset, source_ls_alpha, source_teacher_model, source_teacher_ls_alpha,
///           source_kd_temperature (absent ones left out; older files wrote NaN, read as absent),
///           provenance (JSON string), skipped_nonfinite, skipped_zero (int64)
/// /classes/wnid, /classes/name  (C,) strings (as in the dump; either may be absent, not both)
/// /sums    (C, D) float64
/// /counts  (C,)   int64
/// /coverage  which rows were summed (``CentroidCoverage``; new in version 2)
/// ```
/// Sums and counts (not means) are stored because they add: the files of a dump's shards merge
/// into the file of the whole dump (``merged(_:partial:)``), which refuses files that share a sample
/// and, unless partial, sets that miss ranks or samples. Version-1 files (no `/coverage`) are still
/// read: one alone is used as the whole split, but they are never merged.
public struct CentroidFile: Sendable {
    /// The `format` attribute's value.
    public static let formatName = "penultimate-centroids"
    /// The version this code writes and reads.
    public static let currentFormatVersion: Int64 = 2

    /// The most rows a stored count may claim (2^48: more than any data set; merging 2^15 such
    /// files still cannot overflow).
    static let maxCount = 1 << 48

    /// The files this set was read from or built from (dumps or centroid files).
    public var paths: [String]
    /// The split the rows came from.
    public var split: String
    /// The classes, in index order.
    public var classes: ClassList
    /// The model the rows came from.
    public var source: ModelDescription
    /// Sums and counts per class.
    public var accumulator: CentroidAccumulator
    /// Rows left out because they held NaN or infinity.
    public var skippedNonFinite: Int
    /// All-zero rows left out under unit-length rows.
    public var skippedZero: Int
    /// The provenance JSON stored in the file (empty when built in memory).
    public var provenance: String
    /// Which rows of the split were summed.
    public var coverage: CentroidCoverage

    /// A set built from a centroid pass.
    public init(paths: [String], split: String, classes: ClassList, source: ModelDescription,
                accumulator: CentroidAccumulator, coverage: CentroidCoverage = .unknown, provenance: String = "") {
        self.paths = paths
        self.coverage = coverage
        self.split = split
        self.classes = classes
        self.source = source
        self.accumulator = accumulator
        self.skippedNonFinite = accumulator.skippedNonFinite
        self.skippedZero = accumulator.skippedZero
        self.provenance = provenance
    }

    /// Whether `path` is an HDF5 file whose `format` attribute says "penultimate-centroids".
    public static func isCentroidFile(_ path: String) -> Bool {
        // The string probe first: reading `format` from a corrupt heap can crash libhdf5 1.10.
        guard File.isHDF5(path: path), (try? StringProbe.check(path)) != nil, let file = try? File(path: path) else { return false }
        return (try? file.root.readStringAttribute("format")) == formatName
    }

    /// Reads a centroid file, checking everything before it is used: format and version (an
    /// integer type holding 1), the source attributes by the dump rules (``ModelDescription``; NaN,
    /// as older files wrote, stands for an absent student-only value, anything else must be in range), the class
    /// list (``ClassList/init(file:object:wnids:names:)``), the types and shapes of `/sums`
    /// (finite floats, (C, D) with D > 0) and `/counts` (integers ≥ 0, (C,)), and that a class
    /// without rows has a zero sum.
    public static func read(_ path: String) throws -> CentroidFile {
        // Once `format` says penultimate-centroids, every later problem means the claim is false
        // (e.g. a feature dump labelled as centroids): say so, not only which attribute is off.
        var claimsFormat = false
        func fail(_ object: String, _ message: String, fix: String? = nil) -> InputError {
            guard claimsFormat else { return InputError(file: path, object: object, message: message, fix: fix) }
            return InputError(file: path, object: object,
                              message: "\(message), so this is not a valid \(formatName) file although its format attribute says so",
                              fix: fix ?? "rebuild it with `eta centroids`, or, if it is a feature dump, set its format attribute to penultimate-features")
        }
        func io<T>(_ object: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as HDF5Error {
                throw fail(object, error.innermost)
            }
        }
        // libhdf5 1.10 can crash on a corrupt string heap: read the strings out of process first.
        do { try StringProbe.check(path) } catch { throw InputError(file: path, object: error.object, message: error.message, fix: error.fix) }
        let file: File
        do { file = try File(path: path) } catch { throw fail("file", "cannot open: \(error.innermost)") }
        let root = file.root
        guard root.hasAttribute("format"), try io("attribute format", { try root.readStringAttribute("format") }) == formatName else {
            throw fail("attribute format", "not a penultimate centroid file")
        }
        claimsFormat = true
        // Attribute values are checked by FeatureStore's AttributeRules, as a dump's are.
        let rules = AttributeRules(root: root, file: path)
        func checked<T>(_ body: () throws(StoreError) -> T) throws -> T {
            do { return try body() } catch { throw fail(error.object, error.message, fix: error.fix) }
        }
        let version = try checked { () throws(StoreError) in try rules.formatVersion(in: [1, currentFormatVersion]) }
        func string(_ name: String, allowEmpty: Bool = false) throws -> String {
            try checked { () throws(StoreError) in try rules.string(name, allowEmpty: allowEmpty) }
        }
        func count(_ name: String) throws -> Int {
            Int(try checked { () throws(StoreError) in
                try rules.integer(name, in: 0...Int64(Self.maxCount), meaning: "a count of rows is an integer in 0...2^48")
            } ?? 0)
        }
        let split = try string("split")
        let normalizationText = try string("row_normalization")
        guard let rowNormalization = CentroidAccumulator.RowNormalization(rawValue: normalizationText) else {
            throw fail("attribute row_normalization", "is \"\(normalizationText)\", expected none or unitLength")
        }
        // Files written before absent values were left out stored them as NaN.
        let source = try checked { () throws(StoreError) in
            try ModelDescription.read(rules, prefix: "source_", requireDataset: false, nanMeansAbsent: true)
        }
        let provenance = root.hasAttribute("provenance") ? try string("provenance", allowEmpty: true) : ""
        func strings(_ name: String) throws -> [String]? {
            let p = "classes/\(name)"
            guard let kind = root.kind(of: p) else { return nil }
            guard kind == .dataset else { throw fail("/\(p)", "is not a dataset") }
            return try io("/\(p)") {
                let d = try root.dataset(p)
                let shape = try d.shape
                guard shape.count == 1 else {
                    throw HDF5Error(operation: "read class list", object: "/\(p)", stack: ["has shape \(shape), expected (C,)"])
                }
                return try d.readStrings()
            }
        }
        let wnids = try strings("wnid"), names = try strings("name")
        let classes = try checked { () throws(StoreError) in try ClassList(file: path, wnids: wnids, names: names) }
        /// A dataset that must exist with `type`'s class and `shape`.
        func dataset(_ name: String, integer: Bool, shape expected: [Int?]) throws -> (Dataset, [Int]) {
            guard let kind = root.kind(of: name) else { throw fail("/\(name)", "missing dataset") }
            guard kind == .dataset else { throw fail("/\(name)", "is not a dataset") }
            let (d, type, shape) = try io("/\(name)") { () throws -> (Dataset, ElementType, [Int]) in
                let d = try root.dataset(name)
                return (d, try d.elementType, try d.shape)
            }
            let typeOK: Bool
            if case .int = type { typeOK = integer } else { typeOK = !integer && [.float16, .float32, .float64].contains(type) }
            guard typeOK else { throw fail("/\(name)", "stored as \(type); expected \(integer ? "integers" : "floats")") }
            guard shape.count == expected.count, zip(shape, expected).allSatisfy({ $1 == nil || $0 == $1 }) else {
                let want = "(" + expected.map { $0.map(String.init) ?? "D" }.joined(separator: ", ") + ")"
                throw fail("/\(name)", "has shape \(shape), expected \(want)")
            }
            return (d, shape)
        }
        let (sumsSet, shape) = try dataset("sums", integer: false, shape: [classes.count, nil])
        guard shape[1] > 0 else { throw fail("/sums", "has shape \(shape), expected (\(classes.count), D) with D > 0") }
        let sums = try io("/sums") { try sumsSet.readAll(as: Double.self) }
        if let bad = sums.firstIndex(where: { !$0.isFinite }) {
            throw fail("/sums", "holds NaN or infinity (first at class \(bad / shape[1]), column \(bad % shape[1]))")
        }
        let (countsSet, _) = try dataset("counts", integer: true, shape: [classes.count])
        let counts = try io("/counts") { try countsSet.readAll(as: Int64.self) }
        if let bad = counts.firstIndex(where: { $0 < 0 }) {
            throw fail("/counts", "holds a negative count (\(counts[bad]) for class \(bad))")
        }
        // Rows are read as float32, so each coordinate of a sum lies within count × the float32
        // range; a count above 2^48 rows is more than any data set holds (and would let merges
        // overflow).
        if let bad = counts.firstIndex(where: { $0 > Self.maxCount }) {
            throw fail("/counts", "holds \(counts[bad]) rows for class \(bad), more than \(Self.maxCount)")
        }
        let limit = Double(Float.greatestFiniteMagnitude)
        if let bad = sums.indices.first(where: { abs(sums[$0]) > Double(counts[$0 / shape[1]]) * limit }) {
            throw fail("/sums", "class \(bad / shape[1]), column \(bad % shape[1]) holds \(sums[bad]), beyond what \(counts[bad / shape[1]]) float32 rows can add up to")
        }
        // A class without rows has a zero sum; anything else means sums and counts do not belong together.
        if let bad = counts.indices.first(where: { counts[$0] == 0 && sums[($0 * shape[1])..<(($0 + 1) * shape[1])].contains { $0 != 0 } }) {
            throw fail("/sums", "class \(bad) has a non-zero sum but /counts says it has no rows")
        }
        let accumulator = try CentroidAccumulator(classCount: classes.count, dim: shape[1], rowNormalization: rowNormalization,
                                                  sums: sums, counts: counts.map { Int($0) }, invalidRowPolicy: .skip)
        let coverage = version == 1 ? .unknown : try CentroidCoverage.read(from: root) { fail($0, $1) }
        var result = CentroidFile(paths: [path], split: split, classes: classes, source: source,
                                  accumulator: accumulator, coverage: coverage, provenance: provenance)
        result.skippedNonFinite = try count("skipped_nonfinite")
        result.skippedZero = try count("skipped_zero")
        if coverage.known {
            // The record must describe these sums: every row read was counted or skipped, and
            // the sample ranges hold one sample per row.
            let summed = counts.reduce(0) { $0 + Int($1) } + result.skippedNonFinite + result.skippedZero
            guard summed == coverage.rows else {
                throw fail("/counts", "sum to \(summed) rows (with the skipped ones) but /coverage says \(coverage.rows) rows were read")
            }
            if let total = coverage.sampleTotal, total != coverage.rows {
                throw fail("/coverage/sample_ranges", "hold \(total) samples but /coverage says \(coverage.rows) rows were read")
            }
        }
        return result
    }

    /// Writes the set to `path` (truncating it). Callers wanting atomicity pass a temporary path
    /// (``AtomicOutput/write(to:using:)``).
    public func write(to path: String, provenance: String) throws {
        do {
            try writeHDF5(to: path, provenance: provenance)
        } catch {
            throw InputError(file: path, object: "centroid file", message: "cannot write: \(error.innermost)")
        }
    }

    private func writeHDF5(to path: String, provenance: String) throws(HDF5Error) {
        let file = try File(path: path, mode: .truncate)
        let root = file.root
        try root.writeAttribute("format", Self.formatName)
        try root.writeAttribute("format_version", Self.currentFormatVersion)
        try root.writeAttribute("split", split)
        try root.writeAttribute("row_normalization", accumulator.rowNormalization.rawValue)
        try source.write(to: root, prefix: "source_")
        try root.writeAttribute("provenance", provenance)
        try root.writeAttribute("skipped_nonfinite", Int64(skippedNonFinite))
        try root.writeAttribute("skipped_zero", Int64(skippedZero))
        let c = classes.count
        if let wnids = classes.wnids {
            try root.createDataset("classes/wnid", type: .string, shape: [c]).write(strings: wnids)
        }
        if let names = classes.names {
            try root.createDataset("classes/name", type: .string, shape: [c]).write(strings: names)
        }
        let sums = try root.createDataset("sums", type: .float64, shape: [c, accumulator.dim])
        try accumulator.sums.withUnsafeBufferPointer { b throws(HDF5Error) in try sums.write(rows: 0..<c, from: b) }
        let counts = try root.createDataset("counts", type: .int(bits: 64, signed: true), shape: [c])
        try accumulator.counts.map(Int64.init).withUnsafeBufferPointer { b throws(HDF5Error) in
            try counts.write(rows: 0..<c, from: b)
        }
        try coverage.write(to: root)
        try file.flush()
    }

    /// The sum of several sets of one model and split (the files of a dump's shards).
    ///
    /// Sets are added in shard-rank order (whatever order they are given in), which is the order
    /// a pass over the shard files themselves uses, so both give the same bits. Throws unless all
    /// share the split, the classes (same wnids and names in the same order), the dimension and the
    /// row normalisation; when two sets share a sample or a rank, or a set's coverage is unknown
    /// (version 1) and there are several; and, unless `partial`, when the result (or a single set)
    /// misses shard ranks or samples.
    public static func merged(_ sets: [CentroidFile], partial: Bool = false) throws -> CentroidFile {
        let sets = sets.enumerated().sorted { a, b in
            (a.element.coverage.ranks?.first ?? Int.max, a.offset) < (b.element.coverage.ranks?.first ?? Int.max, b.offset)
        }.map(\.element)
        guard var result = sets.first else {
            throw InputError(file: "eta", object: "centroid files", message: "none given")
        }
        // Pairwise first, so the error names the two files that share a sample.
        for (i, a) in sets.enumerated() {
            guard let mine = a.coverage.sampleRanges else { continue }
            for b in sets[(i + 1)...] where b.split == a.split {
                if let theirs = b.coverage.sampleRanges, let shared = CentroidCoverage.firstShared(mine, theirs) {
                    throw InputError(file: b.paths.joined(separator: ", "), object: "/coverage/sample_ranges",
                                     message: "shares samples with \(a.paths.joined(separator: ", ")) (first: sample_index \(shared)); merging would count them twice (DistributedSampler padding in two ranks?)",
                                     fix: "compute the centroids from all shard files (or the manifest) in one `eta centroids` or `eta` run, which drops the repeats")
                }
            }
        }
        for other in sets.dropFirst() {
            let here = other.paths.joined(separator: ", ")
            guard other.split == result.split else {
                throw InputError(file: here, object: "attribute split",
                                 message: "is \(other.split), but \(result.paths[0]) holds split \(result.split); merge files of one split")
            }
            try ClassList.requireSame(result.classes, result.paths[0], other.classes, here)
            guard other.accumulator.rowNormalization == result.accumulator.rowNormalization else {
                throw InputError(file: here, object: "attribute row_normalization",
                                 message: "is \(other.accumulator.rowNormalization.rawValue), but \(result.paths[0]) has \(result.accumulator.rowNormalization.rawValue); build all files with the same --normalize")
            }
            guard other.accumulator.dim == result.accumulator.dim else {
                throw InputError(file: here, object: "/sums",
                                 message: "has dimension \(other.accumulator.dim), but \(result.paths[0]) has \(result.accumulator.dim)")
            }
            result.coverage = try result.coverage.merged(with: other.coverage, path: result.paths.joined(separator: ", "),
                                                         otherPath: here)
            try result.accumulator.merge(other.accumulator)
            result.skippedNonFinite += other.skippedNonFinite
            result.skippedZero += other.skippedZero
            result.paths += other.paths
        }
        if !partial { try result.coverage.requireWhole(path: result.paths.joined(separator: ", ")) }
        return result
    }
}

