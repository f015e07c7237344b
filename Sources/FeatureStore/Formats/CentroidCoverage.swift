import HDF5

/// Which rows of a split a set of centroid sums covers, so that merging per-shard files can refuse
/// to count a sample twice (DistributedSampler padding in two ranks) or to pass off part of a split
/// as the whole.
///
/// Stored in a centroid file (format version 2) as the group `/coverage`:
/// ```
/// /coverage  attrs: rows, duplicates_dropped (int64), whole (int64 0/1),
///                   shard_count, sample_count (int64, only when known)
/// /coverage/files          (F,)   strings  the dump files read (as given)
/// /coverage/shard_ranks    (K,)   int64    ranks summed, ascending (only for shard files)
/// /coverage/sample_ranges  (R, 2) int64    sorted, disjoint [start, end) runs of the summed
///                                          rows' sample_index (only when the dump stores it)
/// ```
public struct CentroidCoverage: Sendable, Equatable {
    /// False for version-1 centroid files, which did not record what they cover.
    public var known: Bool
    /// The dump files whose rows were summed.
    public var files: [String]
    /// Shard ranks summed, ascending; nil when the files declare no ranks.
    public var ranks: [Int]?
    /// The dump's `shard_count`, when declared.
    public var shardCount: Int?
    /// The split's `sample_count`, when stored.
    public var sampleCount: Int?
    /// The summed rows' sample indices as sorted, disjoint half-open runs; nil without sample_index.
    public var sampleRanges: [Range<Int64>]?
    /// Rows read (after dropping repeats; rows skipped as NaN/Inf included).
    public var rows: Int
    /// Rows dropped because their sample_index repeated an earlier row's.
    public var duplicatesDropped: Int
    /// Whether the rows are a whole split: an unsharded file, a manifest, or every rank of a set,
    /// holding all `sample_count` samples when that is known.
    public var whole: Bool

    /// What a version-1 file (no record) covers: unknown.
    public static let unknown = CentroidCoverage(known: false, files: [], ranks: nil, shardCount: nil, sampleCount: nil,
                                                 sampleRanges: nil, rows: 0, duplicatesDropped: 0, whole: false)

    /// Every field given.
    public init(known: Bool = true, files: [String], ranks: [Int]?, shardCount: Int?, sampleCount: Int?,
                sampleRanges: [Range<Int64>]?, rows: Int, duplicatesDropped: Int, whole: Bool) {
        self.known = known
        self.files = files
        self.ranks = ranks
        self.shardCount = shardCount
        self.sampleCount = sampleCount
        self.sampleRanges = sampleRanges
        self.rows = rows
        self.duplicatesDropped = duplicatesDropped
        self.whole = whole
    }

    /// What one reading of `split` of `dump` covers.
    public init(dump: Dump, reader: SplitReader) {
        let ranges = reader.sampleRanges()
        let distinct = ranges.map { $0.reduce(0) { $0 + Int($1.count) } }
        let allRanks = dump.layout == .manifest || dump.shards?.isComplete ?? dump.isUnsharded
        let allSamples = reader.sampleCount.map { count in (distinct ?? reader.rows) == count } ?? true
        self.init(files: dump.paths, ranks: dump.shards?.ranks, shardCount: dump.shards?.count,
                  sampleCount: reader.sampleCount, sampleRanges: ranges, rows: reader.rows,
                  duplicatesDropped: reader.duplicatesDropped, whole: allRanks && allSamples)
    }

    /// Distinct samples covered, when sample indices are known.
    public var sampleTotal: Int? { sampleRanges.map { $0.reduce(0) { $0 + Int($1.count) } } }

    /// One line for tables and provenance, e.g. "shards: ranks 0, 1 of 2; 11 rows; 1 repeat
    /// dropped; 11 of sample_count 11 samples; whole".
    public var summary: String {
        guard known else { return "not recorded (a version-1 centroid file)" }
        var parts: [String] = []
        if let ranks, let shardCount {
            parts.append("shards: \(ranks.count == 1 ? "rank" : "ranks") \(ranks.map(String.init).joined(separator: ", ")) of \(shardCount)")
        } else {
            parts.append(files.count == 1 ? "one file" : "\(files.count) files")
        }
        parts.append("\(rows) rows")
        parts.append("\(duplicatesDropped) repeated sample_index row(s) dropped")
        if let sampleCount {
            parts.append("\(sampleTotal ?? rows) of sample_count \(sampleCount) samples")
        }
        parts.append(whole ? "whole split" : "PARTIAL")
        return parts.joined(separator: "; ")
    }

    /// Whether the summary is worth printing beside a table: anything but one whole unsharded file
    /// without dropped rows.
    public var isNotable: Bool { !known || !whole || ranks != nil || duplicatesDropped > 0 || files.count > 1 }

    /// The union of two coverages of one split, refusing rows counted twice.
    ///
    /// `path` and `otherPath` name the two sides in errors.
    public func merged(with other: CentroidCoverage, path: String, otherPath: String) throws -> CentroidCoverage {
        guard known, other.known else {
            let old = known ? otherPath : path
            throw InputError(file: old, object: "attribute format_version",
                             message: "is 1: the file does not record which samples it covers, so merging it could count rows twice",
                             fix: "rebuild the centroid files with this version's `eta centroids`")
        }
        guard shardCount == other.shardCount else {
            throw InputError(file: otherPath, object: "/coverage shard_count",
                             message: "is \(other.shardCount.map(String.init) ?? "absent") but \(path) has \(shardCount.map(String.init) ?? "absent"): not shards of one dump")
        }
        guard sampleCount == other.sampleCount else {
            throw InputError(file: otherPath, object: "/coverage sample_count",
                             message: "is \(other.sampleCount.map(String.init) ?? "absent") but \(path) has \(sampleCount.map(String.init) ?? "absent"): not shards of one dump")
        }
        if let mine = sampleRanges, let theirs = other.sampleRanges, let shared = Self.firstShared(mine, theirs) {
            throw InputError(file: otherPath, object: "/coverage/sample_ranges",
                             message: "shares samples with \(path) (first: sample_index \(shared)); merging would count them twice (DistributedSampler padding in two ranks?)",
                             fix: "compute the centroids from all shard files (or the manifest) in one `eta centroids` or `eta` run, which drops the repeats")
        }
        if let mine = ranks, let theirs = other.ranks, let rank = mine.first(where: theirs.contains) {
            throw InputError(file: otherPath, object: "/coverage/shard_ranks",
                             message: "rank \(rank) is also summed in \(path): the same shard would count twice")
        }
        if whole || other.whole {
            let full = whole ? path : otherPath
            throw InputError(file: otherPath, object: "/coverage",
                             message: "\(full) already covers the whole split, so merging \(whole ? otherPath : path) into it would count rows twice")
        }
        var result = self
        result.files += other.files
        if let mine = ranks, let theirs = other.ranks { result.ranks = (mine + theirs).sorted() } else { result.ranks = nil }
        if let mine = sampleRanges, let theirs = other.sampleRanges {
            result.sampleRanges = Self.union(mine, theirs)
        } else {
            result.sampleRanges = nil
        }
        result.rows += other.rows
        result.duplicatesDropped += other.duplicatesDropped
        let allRanks = result.ranks.map { $0.count == shardCount } ?? false
        let allSamples = sampleCount.map { count in result.sampleTotal.map { $0 == count } ?? false } ?? true
        result.whole = allRanks && allSamples
        return result
    }

    /// Throws unless the coverage is a whole split (ranks or samples missing), naming what is missing.
    public func requireWhole(path: String) throws {
        guard known, !whole else { return }
        if let ranks, let shardCount, ranks.count < shardCount {
            let missing = (0..<shardCount).filter { !ranks.contains($0) }
            let shown = missing.prefix(8).map(String.init).joined(separator: ", ") + (missing.count > 8 ? ", ..." : "")
            throw InputError(file: path, object: "/coverage/shard_ranks",
                             message: "covers \(ranks.count == 1 ? "shard" : "shards") \(ranks.map(String.init).joined(separator: ", ")) of \(shardCount) (missing \(shown)); pass the centroid files of all \(shardCount) shards, or --partial to use part of the split")
        }
        if let sampleCount {
            let have = sampleTotal ?? rows
            throw InputError(file: path, object: "/coverage/sample_ranges",
                             message: "covers \(have) of sample_count \(sampleCount) samples; pass the centroid files of every shard, or --partial to use part of the split")
        }
        throw InputError(file: path, object: "/coverage", message: "does not cover the whole split; pass --partial to use part of it")
    }

    /// The smallest value in both sorted, disjoint range lists, or nil.
    static func firstShared(_ a: [Range<Int64>], _ b: [Range<Int64>]) -> Int64? {
        var i = 0, j = 0
        while i < a.count, j < b.count {
            let low = max(a[i].lowerBound, b[j].lowerBound), high = min(a[i].upperBound, b[j].upperBound)
            if low < high { return low }
            if a[i].upperBound <= b[j].upperBound { i += 1 } else { j += 1 }
        }
        return nil
    }

    /// The union of two sorted, disjoint range lists, as sorted, disjoint, non-adjacent ranges.
    static func union(_ a: [Range<Int64>], _ b: [Range<Int64>]) -> [Range<Int64>] {
        var result: [Range<Int64>] = []
        for r in (a + b).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, r.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                result.append(r)
            }
        }
        return result
    }

    /// Writes `/coverage` under `root`.
    func write(to root: Group) throws(HDF5Error) {
        let group = try root.createGroup("coverage")
        try group.writeAttribute("rows", Int64(rows))
        try group.writeAttribute("duplicates_dropped", Int64(duplicatesDropped))
        try group.writeAttribute("whole", Int64(whole ? 1 : 0))
        if let shardCount { try group.writeAttribute("shard_count", Int64(shardCount)) }
        if let sampleCount { try group.writeAttribute("sample_count", Int64(sampleCount)) }
        try group.createDataset("files", type: .string, shape: [files.count]).write(strings: files)
        if let ranks {
            let d = try group.createDataset("shard_ranks", type: .int(bits: 64, signed: true), shape: [ranks.count])
            if !ranks.isEmpty {
                try ranks.map(Int64.init).withUnsafeBufferPointer { b throws(HDF5Error) in try d.write(rows: 0..<ranks.count, from: b) }
            }
        }
        if let sampleRanges {
            let flat = sampleRanges.flatMap { [$0.lowerBound, $0.upperBound] }
            let d = try group.createDataset("sample_ranges", type: .int(bits: 64, signed: true), shape: [sampleRanges.count, 2])
            if !sampleRanges.isEmpty {
                try flat.withUnsafeBufferPointer { b throws(HDF5Error) in try d.write(rows: 0..<sampleRanges.count, from: b) }
            }
        }
    }

    /// Reads `/coverage` of a version-2 file, checking its shapes and values; `fail` makes the error.
    static func read(from root: Group, fail: (String, String) -> InputError) throws -> CentroidCoverage {
        guard root.kind(of: "coverage") == .group else { throw fail("/coverage", "missing (required by version 2)") }
        func io<T>(_ object: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as HDF5Error { throw fail(object, error.innermost) }
        }
        let group = try io("/coverage") { try root.group("coverage") }
        func int(_ name: String, required: Bool) throws -> Int? {
            guard group.hasAttribute(name) else {
                if required { throw fail("/coverage attribute \(name)", "missing") }
                return nil
            }
            let value = try io("/coverage attribute \(name)") { try group.readInt64Attribute(name) }
            guard value >= 0 else { throw fail("/coverage attribute \(name)", "is \(value), expected a count (>= 0)") }
            return Int(value)
        }
        let rows = try int("rows", required: true)!
        let dropped = try int("duplicates_dropped", required: true)!
        let whole = try int("whole", required: true)! != 0
        let shardCount = try int("shard_count", required: false)
        let sampleCount = try int("sample_count", required: false)
        let files = group.kind(of: "files") == nil ? [] : try io("/coverage/files") { try group.dataset("files").readStrings() }
        var ranks: [Int]?
        if group.kind(of: "shard_ranks") != nil {
            let values = try io("/coverage/shard_ranks") { try group.dataset("shard_ranks").readAll(as: Int64.self) }
            guard let shardCount, values.allSatisfy({ $0 >= 0 && $0 < shardCount }), Set(values).count == values.count else {
                throw fail("/coverage/shard_ranks", "holds ranks outside 0..<shard_count or a rank twice")
            }
            ranks = values.map { Int($0) }.sorted()
        }
        var ranges: [Range<Int64>]?
        if group.kind(of: "sample_ranges") != nil {
            let d = try io("/coverage/sample_ranges") { try group.dataset("sample_ranges") }
            let shape = try io("/coverage/sample_ranges") { try d.shape }
            guard shape.count == 2, shape[1] == 2 else { throw fail("/coverage/sample_ranges", "has shape \(shape), expected (R, 2)") }
            let flat = shape[0] == 0 ? [] : try io("/coverage/sample_ranges") { try d.readAll(as: Int64.self) }
            var list: [Range<Int64>] = []
            for r in 0..<shape[0] {
                let (start, end) = (flat[2 * r], flat[2 * r + 1])
                guard start >= 0, start < end, list.last.map({ $0.upperBound < start }) ?? true,
                      sampleCount.map({ end <= Int64($0) }) ?? true else {
                    throw fail("/coverage/sample_ranges", "row \(r) [\(start), \(end)) is empty, out of order, overlapping, or beyond sample_count")
                }
                list.append(start..<end)
            }
            ranges = list
        }
        return CentroidCoverage(files: files, ranks: ranks, shardCount: shardCount, sampleCount: sampleCount,
                                sampleRanges: ranges, rows: rows, duplicatesDropped: dropped, whole: whole)
    }
}
