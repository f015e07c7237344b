import HDF5

/// A block of consecutive kept rows of one split, handed to ``SplitReader/forEachBlock(maxRows:classes:includeLogits:_:)``.
public struct FeatureBlock: Sendable {
    /// Rows in this block.
    public var rowCount: Int
    /// Feature dimension D.
    public var dim: Int
    /// Number of classes C (the width of `logits`).
    public var classCount: Int
    /// rowCount×D features, row-major, as Float whatever the stored type.
    public var features: [Float]
    /// Class index of each row, in 0..<C.
    public var labels: [Int32]
    /// Each row's sample_index, when stored.
    public var sampleIndex: [Int64]?
    /// rowCount×C logits, row-major, when requested and stored.
    public var logits: [Float]?
}

/// One file's part of a split.
struct SplitSource: @unchecked Sendable {
    let path: String
    let features: Dataset
    let logits: Dataset?
    /// The stored labels (object path and dataset), every one checked in 0..<C when the reader opened.
    let labelColumn: (object: String, dataset: Dataset)
    /// The whole label column, held only while the reader is opened (the manifest check);
    /// afterwards passes read a window at a time with ``labels(rows:classCount:)`` (a whole copy
    /// is 5 MiB per ImageNet file, and a pass never needs more than a window of it).
    var labels: [Int32]?
    /// The labels as runs, when the file holds few (sorted by label): then they are never read again.
    let labelRuns: LabelRuns?
    /// The stored sample_index (its object path and dataset), nil when the file stores none.
    let indexColumn: (object: String, dataset: Dataset)?
    /// The whole sample_index, held only while the reader is opened (duplicate and coverage
    /// checks); afterwards blocks read their rows from ``indexColumn`` (a whole copy is 10 MiB per
    /// ImageNet file, and a pass never needs more than a block of it).
    var sampleIndex: [Int64]?
    /// A direct reader when the stored bytes are plain little-endian float32 rows.
    let raw: RawRowReader?
    /// Chunk locations and encoding for reading without libhdf5 on several threads, when decodable here.
    let plan: ChunkPlan?
    /// The split group's `sample_count` attribute, when stored.
    let sampleCount: Int64?
    /// nil: keep every row; else false marks a repeated sample_index.
    var keep: [Bool]?
    /// Rows stored in this file's part of the split.
    let rows: Int

    /// The sample indices of `rows` (file rows), or nil when the file stores none.
    func sampleIndex(rows: Range<Int>) throws(StoreError) -> [Int64]? {
        guard let (object, dataset) = indexColumn else { return nil }
        if let sampleIndex { return Array(sampleIndex[rows]) }
        var values = [Int64](repeating: 0, count: rows.count)
        try hdf5(path, object) { () throws(HDF5Error) in
            try values.withUnsafeMutableBufferPointer { (b) throws(HDF5Error) in try dataset.read(rows: rows, into: b) }
        }
        return values
    }

    /// The labels of `rows` (file rows), read again from the file once the reader is open. A label
    /// outside 0..<`classCount` now (it was checked at opening) means the file changed under the
    /// reader: an error, never an index out of range.
    func labels(rows: Range<Int>, classCount: Int) throws(StoreError) -> [Int32] {
        if let labels { return Array(labels[rows]) }
        if let labelRuns { return labelRuns.labels(rows) }
        let (object, dataset) = labelColumn
        var wide = [Int64](repeating: 0, count: rows.count)
        try hdf5(path, object) { () throws(HDF5Error) in
            try wide.withUnsafeMutableBufferPointer { (b) throws(HDF5Error) in try dataset.read(rows: rows, into: b) }
        }
        var narrow = [Int32](repeating: 0, count: rows.count)
        for (i, v) in wide.enumerated() {
            guard v >= 0, v < Int64(classCount) else {
                throw StoreError(file: path, object: object,
                                 message: "row \(rows.lowerBound + i) now holds label \(v), outside 0..<\(classCount): the file changed after it was opened")
            }
            narrow[i] = Int32(v)
        }
        return narrow
    }

    /// Rows read at a time when a pass scans the labels alone (1 MiB of int64).
    static let labelWindowRows = 1 << 17

    /// Calls `body` with consecutive windows of the labels (the first row of each and its labels).
    func forEachLabelWindow(classCount: Int, _ body: (Int, [Int32]) throws -> Void) throws {
        for start in stride(from: 0, to: rows, by: Self.labelWindowRows) {
            let window = start..<min(rows, start + Self.labelWindowRows)
            try body(start, try labels(rows: window, classCount: classCount))
        }
    }
}

/// Streams one split's rows (across shards, duplicates dropped) in bounded memory.
public final class SplitReader: @unchecked Sendable {
    /// The split's name.
    public let name: String
    /// Rows after dropping duplicates.
    public let rows: Int
    /// Feature dimension D.
    public let dim: Int
    /// Number of classes C.
    public let classCount: Int
    /// The stored feature type (float16, float32 or float64).
    public let storedType: ElementType
    /// Rows per stored chunk, or nil when not chunked.
    public let chunkRows: Int?
    /// The filter pipeline in words ("none", "gzip(4)+shuffle", ...).
    public let compression: String
    /// Whether logits are stored (in every shard).
    public let hasLogits: Bool
    /// Rows dropped because their sample_index had already been seen (DistributedSampler padding).
    public let duplicatesDropped: Int
    /// The split's `sample_count` attribute (distinct samples in the whole split across all shards),
    /// when the files store it.
    public let sampleCount: Int?
    let sources: [SplitSource]
    /// The kept rows' sample indices, from the duplicate check (a 160 KiB bitmap for ImageNet), so
    /// ``sampleRanges()`` reads its runs from here instead of a sorted copy of sample_index (10 MiB
    /// per file, and the whole column is not held after opening). nil without sample_index.
    private let distinct: SeenSamples?
    /// The same per source, for ``shardReaders()``; empty for one source.
    private let partDistinct: [SeenSamples]

    /// A reader over some of another reader's sources (one shard of a set).
    private init(_ other: SplitReader, part: Int) {
        let sources = [other.sources[part]]
        name = other.name
        dim = other.dim
        classCount = other.classCount
        storedType = other.storedType
        chunkRows = other.chunkRows
        compression = other.compression
        hasLogits = sources.allSatisfy { $0.logits != nil }
        sampleCount = other.sampleCount
        let dropped = sources.reduce(0) { $0 + ($1.keep?.filter { !$0 }.count ?? 0) }
        duplicatesDropped = dropped
        rows = sources.reduce(0) { $0 + $1.rows } - dropped
        self.sources = sources
        distinct = other.partDistinct.isEmpty ? nil : other.partDistinct[part]
        partDistinct = []
    }

    /// One reader per source file, in rank order (one shard each; the reader itself for one file).
    ///
    /// A pass that runs over each and merges the results in this order sums exactly as separate
    /// passes over the shard files merged in rank order do (rows dropped as repeats stay dropped).
    public func shardReaders() -> [SplitReader] {
        sources.count <= 1 ? [self] : sources.indices.map { SplitReader(self, part: $0) }
    }

    /// The source files behind this split, in rank order.
    public var sourcePaths: [String] { sources.map(\.path) }

    /// Whether every source file stores `sample_index` (rows can then be matched across models).
    public var hasSampleIndex: Bool { sources.allSatisfy { $0.indexColumn != nil } }

    /// The kept rows' sample indices, sorted and run-length compressed as half-open ranges, or nil
    /// when the files store no sample_index.
    public func sampleRanges() -> [Range<Int64>]? {
        hasSampleIndex ? distinct?.ranges() : nil
    }

    init(dump: Dump, name: String) throws(StoreError) {
        self.name = name
        dim = dump.dim
        classCount = dump.classes.count
        let base = "/splits/\(name)"
        var sources: [SplitSource] = []
        for f in dump.files where f.root.kind(of: base) == .group {
            sources.append(try Self.openSource(f, base: base, dim: dim, classCount: classCount,
                                               requireSampleIndex: dump.layout == .shards))
        }
        if dump.layout == .manifest, let direct = Self.manifestShardSources(dump, base: base, manifest: sources) {
            sources = direct
        }
        guard let first = sources.first else {
            // The name is a child of /splits that is not a group (e.g. a dataset).
            throw StoreError(file: dump.paths[0], object: base,
                             message: "is not a group (each split is a group holding features and labels)")
        }
        (storedType, chunkRows, compression) = try hdf5(first.path, base + "/features") { () throws(HDF5Error) in
            let filters = try first.features.filters
            let names = filters.map { f in
                switch f.id {
                case 1: "gzip(\(f.parameters.first ?? 0))"
                case 2: "shuffle"
                case 32000: "lzf"
                default: f.name.isEmpty ? "filter \(f.id)" : f.name
                }
            }
            return (try first.features.elementType, try first.features.chunkShape?.first,
                    names.isEmpty ? "none" : names.reversed().joined(separator: "+"))
        }
        hasLogits = sources.allSatisfy { $0.logits != nil }
        sampleCount = try Self.agreedSampleCount(sources, split: base)
        // Keep the first occurrence of each sample_index, in rank (then row) order.
        var dropped = 0
        var distinct: Int?
        var distinctSeen: SeenSamples?
        var parts: [SeenSamples] = []
        if sources.allSatisfy({ $0.sampleIndex != nil }) {
            var seen = SeenSamples(range: sources.lazy.flatMap { $0.sampleIndex! }, rows: sources.reduce(0) { $0 + $1.rows })
            var firstRepeat: (source: Int, row: Int, value: Int64)?
            for s in sources.indices {
                var keep = [Bool](repeating: true, count: sources[s].rows)
                var any = false
                for (i, v) in sources[s].sampleIndex!.enumerated() where !seen.insert(v) {
                    keep[i] = false
                    any = true
                    dropped += 1
                    if firstRepeat == nil { firstRepeat = (s, i, v) }
                }
                if any { sources[s].keep = keep }
                if sources.count > 1 {
                    var own = SeenSamples(range: sources[s].sampleIndex!, rows: sources.reduce(0) { $0 + $1.rows })
                    for (i, v) in sources[s].sampleIndex!.enumerated() where keep[i] { _ = own.insert(v) }
                    parts.append(own)
                }
            }
            distinct = seen.count
            distinctSeen = seen
            // One file that is not part of a shard set holds each sample once: a repeat there is a
            // writer's bug (e.g. a sample_index of zeros), and dropping rows would hide it.
            if dump.layout == .single, let r = firstRepeat {
                let earlier = sources[r.source].sampleIndex!.firstIndex(of: r.value) ?? 0
                throw StoreError(file: sources[r.source].path, object: base + "/sample_index",
                                 message: "\(dropped) row(s) repeat an earlier sample_index (first: \(r.value) at rows \(earlier) and \(r.row)); a single file must hold each sample once",
                                 fix: "write each sample once (only the shards of a DistributedSampler run repeat padding samples)")
            }
        }
        // DistributedSampler pads the last batch with at most (shards - 1) repeated samples; more
        // repeats mean the shards overlap (e.g. two runs' files mixed).
        let shards = dump.shardCount
        if dump.layout != .single, dropped >= max(shards, 1) {
            throw StoreError(file: sources[0].path, object: base + "/sample_index",
                             message: "\(dropped) rows repeat an earlier sample_index, but padding over \(shards) shards repeats at most \(shards - 1): the shards overlap",
                             fix: "pass the shard files of one run only")
        }
        if let count = sampleCount {
            try Self.checkAgainstSampleCount(sources, count: count, distinct: distinct, dump: dump, split: base)
        }
        duplicatesDropped = dropped
        rows = sources.reduce(0) { $0 + $1.rows } - dropped
        // Checked: from here on blocks read their sample indices from the file.
        for s in sources.indices {
            sources[s].sampleIndex = nil
            sources[s].labels = nil
        }
        self.sources = sources
        self.distinct = distinctSeen
        partDistinct = parts
    }

    /// A manifest's split read from its shard files instead of its virtual datasets, when the
    /// shards hold exactly the rows the manifest maps (labels and sample_index concatenated in rank
    /// order); nil otherwise, and the virtual datasets are read. One source per shard lets a
    /// centroid pass sum each shard and add them in rank order, as per-shard passes and their
    /// merge do (the same bits), and lets each shard take the parallel chunk reader.
    static func manifestShardSources(_ dump: Dump, base: String, manifest: [SplitSource]) -> [SplitSource]? {
        guard manifest.count == 1, !dump.manifestShards.isEmpty else { return nil }
        var sources: [SplitSource] = []
        do {
            for path in dump.manifestShards {
                // Numeric datasets and integer attributes only: no strings are read here.
                let file = DumpFile(path: path, file: try File(path: path, mode: .readOnly))
                guard file.root.kind(of: base) == .group else { return nil }
                sources.append(try openSource(file, base: base, dim: dump.dim, classCount: dump.classes.count,
                                              requireSampleIndex: true))
            }
        } catch {
            return nil
        }
        let m = manifest[0]
        guard let labels = m.labels, labels == sources.flatMap({ $0.labels ?? [] }), let index = m.sampleIndex,
              index == sources.flatMap({ $0.sampleIndex ?? [] }),
              m.sampleCount == nil || sources.allSatisfy({ $0.sampleCount == m.sampleCount }),
              (m.logits != nil) == sources.allSatisfy({ $0.logits != nil }) else { return nil }
        return sources
    }

    static func openSource(_ f: DumpFile, base: String, dim: Int, classCount: Int,
                           requireSampleIndex: Bool) throws(StoreError) -> SplitSource {
        let fp = base + "/features"
        let (features, n) = try openForRows(f, fp) { (probe) throws(StoreError) -> Int in
            let stored = try hdf5(f.path, fp) { () throws(HDF5Error) in try probe.shape }
            if stored.count == 2, stored[1] != dim {
                throw StoreError(file: f.path, object: fp,
                                 message: "has \(stored[1]) columns but /classifier/weight has \(dim); both must have D columns")
            }
            return try Dump.checkFloat(probe, file: f.path, object: fp, shape: [nil, dim])[0]
        }

        func integerDataset(_ p: String) throws(StoreError) -> Dataset {
            let d = try Dump.requireDataset(f, p)
            let (type, s) = try hdf5(f.path, p) { () throws(HDF5Error) in (try d.elementType, try d.shape) }
            guard case .int = type else {
                throw StoreError(file: f.path, object: p, message: "stored as \(type); expected integers", fix: "store it as int64")
            }
            guard s == [n] else {
                throw StoreError(file: f.path, object: p, message: "has shape \(s), expected (\(n),) to match \(fp)")
            }
            try Dump.checkFilters(d, file: f.path, object: p)
            try Dump.checkWritten(d, file: f.path, object: p)
            return d
        }
        // An integer column that passes read a window at a time (labels, sample_index). Unfiltered,
        // it gets no chunk cache, so libhdf5 copies just the rows asked for into the caller's
        // buffer (with the default cache every column would hold a whole 1 MiB chunk for windows
        // of a few KiB). Filtered, its cache holds a chunk however large (a whole column written
        // as one gzip chunk included), so a chunk is inflated once, not once per window. The
        // probe's handle is closed before the reading one opens: libhdf5 sizes a dataset's cache
        // at its first open.
        func windowColumn(_ p: String) throws(StoreError) -> Dataset {
            let chunkBytes = try { () throws(StoreError) -> Int? in
                let probe = try integerDataset(p)
                return try hdf5(f.path, p) { () throws(HDF5Error) -> Int? in
                    guard try !probe.filters.isEmpty else { return nil }
                    return ((try probe.chunkShape) ?? []).reduce(8, *)  // read as int64
                }
            }()
            return try hdf5(f.path, p) { () throws(HDF5Error) in
                try f.root.dataset(p, chunkCacheBytes: chunkBytes.map { max(1 << 20, $0 + 4096) } ?? 0)
            }
        }
        let lp = base + "/labels"
        // Read as int64 a block at a time (any stored integer type converts without clipping) and
        // kept as int32: never the whole split's int64 copy (10 MiB for ImageNet) at once.
        let labelSet = try windowColumn(lp)
        var labels = [Int32](repeating: 0, count: n)
        var bad = 0, firstBad: (Int, Int64)?
        var block = [Int64](repeating: 0, count: min(n, 1 << 17))
        for start in stride(from: 0, to: n, by: max(block.count, 1)) {
            let rows = start..<min(n, start + block.count)
            try hdf5(f.path, lp) { () throws(HDF5Error) in
                try block.withUnsafeMutableBufferPointer { (b) throws(HDF5Error) in try labelSet.read(rows: rows, into: b) }
            }
            for (i, v) in zip(rows, block) {
                if v < 0 || v >= Int64(classCount) {
                    bad += 1
                    if firstBad == nil { firstBad = (i, v) }
                } else {
                    labels[i] = Int32(v)
                }
            }
        }
        if let firstBad {
            throw StoreError(file: f.path, object: lp,
                             message: "\(bad) label(s) outside 0..<\(classCount) (first: row \(firstBad.0) = \(firstBad.1))")
        }
        let sp = base + "/sample_index"
        var sampleIndex: [Int64]?
        var indexColumn: (object: String, dataset: Dataset)?
        if f.root.kind(of: sp) != nil {
            let column = try windowColumn(sp)
            sampleIndex = try hdf5(f.path, sp) { () throws(HDF5Error) in try column.readAll(as: Int64.self) }
            indexColumn = (sp, column)
        } else if requireSampleIndex {
            throw StoreError(file: f.path, object: sp, message: "missing (required in shard files to drop padding duplicates)")
        }
        let gp = base + "/logits"
        var logits: Dataset?
        if f.root.kind(of: gp) != nil {
            logits = try openForRows(f, gp) { (probe) throws(StoreError) in
                _ = try Dump.checkFloat(probe, file: f.path, object: gp, shape: [n, classCount])
            }.0
        }
        let plan = ChunkPlan(dataset: features, rows: n, dim: dim)
        return SplitSource(path: f.path, features: features, logits: logits, labelColumn: (lp, labelSet), labels: labels,
                           labelRuns: LabelRuns(labels),
                           indexColumn: indexColumn, sampleIndex: sampleIndex,
                           raw: RawRowReader(plan: plan), plan: plan, sampleCount: try readSampleCount(f, base: base), rows: n)
    }

    /// The optional `sample_count` attribute of the split group: a non-negative integer.
    static func readSampleCount(_ f: DumpFile, base: String) throws(StoreError) -> Int64? {
        let object = "attribute sample_count of \(base)"
        let group = try hdf5(f.path, base) { () throws(HDF5Error) in try f.root.group(base) }
        guard group.hasAttribute("sample_count") else { return nil }
        let (type, shape) = try hdf5(f.path, object) { () throws(HDF5Error) in try group.attributeInfo("sample_count") }
        guard case .int = type, shape.reduce(1, *) == 1 else {
            throw StoreError(file: f.path, object: object, message: "stored as \(type) with shape \(shape); expected one integer",
                             fix: "store it as a scalar int64 (the number of samples in the split)")
        }
        let value = try hdf5(f.path, object) { () throws(HDF5Error) in try group.readInt64Attribute("sample_count") }
        guard value >= 0 else {
            throw StoreError(file: f.path, object: object, message: "is \(value); a number of samples cannot be negative")
        }
        return value
    }

    /// The split's `sample_count`: every file must store the same value, or none of them any.
    static func agreedSampleCount(_ sources: [SplitSource], split: String) throws(StoreError) -> Int? {
        let first = sources[0]
        for s in sources.dropFirst() where s.sampleCount != first.sampleCount {
            let (mine, theirs) = (first.sampleCount.map(String.init) ?? "absent", s.sampleCount.map(String.init) ?? "absent")
            throw StoreError(file: s.path, object: "attribute sample_count of \(split)",
                             message: "is \(theirs) but \(first.path) has \(mine): not shards of one dump")
        }
        return first.sampleCount.map { Int($0) }
    }

    /// With `sample_count` known: every sample_index lies in `0..<sample_count`, and a reading of
    /// the whole dump (not `partial`) holds exactly `sample_count` distinct samples.
    static func checkAgainstSampleCount(_ sources: [SplitSource], count: Int, distinct: Int?, dump: Dump,
                                        split: String) throws(StoreError) {
        for s in sources {
            guard let index = s.sampleIndex else { continue }
            if let row = index.firstIndex(where: { $0 < 0 || $0 >= Int64(count) }) {
                let outside = index.lazy.filter { $0 < 0 || $0 >= Int64(count) }.count
                throw StoreError(file: s.path, object: split + "/sample_index",
                                 message: "\(outside) value(s) outside 0..<\(count) (sample_count) (first: row \(row) = \(index[row]))")
            }
        }
        guard !dump.partialAllowed else { return }
        let have = distinct ?? sources.reduce(0) { $0 + $1.rows }
        guard have != count else { return }
        let files = dump.paths.joined(separator: ", ")
        guard distinct != nil else {
            throw StoreError(file: files, object: split,
                             message: "holds \(have) rows but sample_count is \(count), and there is no sample_index to tell which samples they are",
                             fix: "write every sample once, with sample_index")
        }
        // The first few missing samples, from the sorted distinct values (no array of sample_count
        // flags: a corrupt sample_count could be huge).
        let present = Set(sources.flatMap { $0.sampleIndex! }).sorted()
        var firstMissing: [Int64] = []
        var next: Int64 = 0
        for v in present + [Int64(count)] where firstMissing.count < 5 {
            while next < v && firstMissing.count < 5 { firstMissing.append(next); next += 1 }
            next = v + 1
        }
        let missing = count - have
        let shown = firstMissing.map(String.init).joined(separator: ", ") + (missing > firstMissing.count ? ", ..." : "")
        throw StoreError(file: files, object: split + "/sample_index",
                         message: "holds \(have) distinct samples but sample_count is \(count): the reading is incomplete (missing \(missing): \(shown))",
                         fix: "pass every shard (or the manifest), or --partial to read part of the split")
    }

    /// Opens dataset `p` for reading row blocks through libhdf5, with a chunk cache of two decoded
    /// chunks (at least 64 MiB) so that a block straddling a chunk boundary decodes each chunk
    /// once. `check` runs on a first handle, closed before the reading one opens: libhdf5 shares
    /// one chunk cache among a dataset's open handles, sized by the first open.
    static func openForRows<R>(_ f: DumpFile, _ p: String,
                               check: (Dataset) throws(StoreError) -> R) throws(StoreError) -> (Dataset, R) {
        let (checked, chunkBytes) = try { () throws(StoreError) -> (R, Int) in
            let probe = try Dump.requireDataset(f, p)
            let checked = try check(probe)
            let chunk = (try? probe.chunkShape) ?? nil
            let elementBytes = ((try? probe.elementType)?.byteCount) ?? 8
            return (checked, (chunk?.reduce(1, *) ?? 0) * elementBytes)
        }()
        let dataset = try hdf5(f.path, p) { () throws(HDF5Error) in
            try f.root.dataset(p, chunkCacheBytes: max(64 << 20, 2 * chunkBytes))
        }
        return (dataset, checked)
    }

    /// Every kept row's label, in stream order (read from the files).
    public func labels() throws -> [Int32] {
        var kept: [Int32] = []
        for s in sources {
            let all = try s.labels(rows: 0..<s.rows, classCount: classCount)
            kept += s.keep.map { k in all.indices.filter { k[$0] }.map { all[$0] } } ?? all
        }
        return kept
    }

    /// Calls `body` with consecutive blocks of at most `maxRows` kept rows, in file (rank, row) order.
    ///
    /// With `classes`, only rows of those classes are delivered, and only the row ranges that
    /// contain them are read (a file sorted by label reads just those rows).
    public func forEachBlock(maxRows: Int = 65536, classes: Set<Int>? = nil, includeLogits: Bool = false,
                             _ body: (FeatureBlock) throws -> Void) throws {
        let maxRows = max(1, maxRows)
        if includeLogits, !hasLogits {
            throw StoreError(file: sources[0].path, object: "/splits/\(name)/logits", message: "missing (logits were requested)")
        }
        let wanted: [Bool]? = classes.map { set in (0..<classCount).map { set.contains($0) } }
        let fp = "/splits/\(name)/features"
        for source in sources {
            // One buffer per source, reused across blocks: once `body` drops its block, the array
            // is uniquely referenced again and the next read writes into it without copying.
            var features: [Float] = []
            var logits: [Float] = []
            for range in try readRanges(source, wanted: wanted, maxRows: maxRows) {
                if features.count != range.count * dim { features = [Float](repeating: 0, count: range.count * dim) }
                if includeLogits, logits.count != range.count * classCount {
                    logits = [Float](repeating: 0, count: range.count * classCount)
                }
                if let raw = source.raw {
                    try features.withUnsafeMutableBufferPointer { b throws(StoreError) in try raw.read(rows: range, into: b) }
                }
                try hdf5(source.path, fp) { () throws(HDF5Error) in
                    if source.raw == nil {
                        try features.withUnsafeMutableBufferPointer { b throws(HDF5Error) in
                            try source.features.read(rows: range, into: b)
                        }
                    }
                    if includeLogits {
                        try logits.withUnsafeMutableBufferPointer { b throws(HDF5Error) in
                            try source.logits!.read(rows: range, into: b)
                        }
                    }
                }
                let labels = try source.labels(rows: range, classCount: classCount)
                let kept = range.filter { row in
                    source.keep?[row] != false && wanted?[Int(labels[row - range.lowerBound])] != false
                }
                if kept.count == range.count {
                    try body(FeatureBlock(rowCount: range.count, dim: dim, classCount: classCount, features: features,
                                          labels: labels,
                                          sampleIndex: try source.sampleIndex(rows: range),
                                          logits: includeLogits ? logits : nil))
                    continue
                }
                if kept.isEmpty { continue }
                var block = FeatureBlock(rowCount: kept.count, dim: dim, classCount: classCount, features: [],
                                         labels: kept.map { labels[$0 - range.lowerBound] },
                                         sampleIndex: try source.sampleIndex(rows: range).map { s in kept.map { s[$0 - range.lowerBound] } },
                                         logits: includeLogits ? [] : nil)
                block.features.reserveCapacity(kept.count * dim)
                for row in kept {
                    let offset = row - range.lowerBound
                    block.features.append(contentsOf: features[(offset * dim)..<((offset + 1) * dim)])
                    if includeLogits {
                        block.logits!.append(contentsOf: logits[(offset * classCount)..<((offset + 1) * classCount)])
                    }
                }
                try body(block)
            }
        }
    }

    /// Row ranges to read from one source: all rows in chunk-aligned blocks, or, with a class
    /// filter, the runs of wanted rows (joined across small gaps), each at most `maxRows` long.
    func readRanges(_ source: SplitSource, wanted: [Bool]?, maxRows: Int) throws -> [Range<Int>] {
        let n = source.rows
        guard let wanted else {
            let step = chunkRows.map { $0 <= maxRows ? (maxRows / $0) * $0 : maxRows } ?? maxRows
            return stride(from: 0, to: n, by: step).map { $0..<min(n, $0 + step) }
        }
        let gap = max(1, min(chunkRows ?? 64, 64))
        var ranges: [Range<Int>] = []
        var start: Int?
        var end = 0
        try source.forEachLabelWindow(classCount: classCount) { first, labels in
            for (offset, label) in labels.enumerated() {
                let row = first + offset
                guard wanted[Int(label)], source.keep?[row] != false else { continue }
                if let s = start, row - end < gap, row + 1 - s <= maxRows {
                    end = row + 1
                } else {
                    if let s = start { ranges.append(s..<end) }
                    start = row
                    end = row + 1
                }
            }
        }
        if let s = start { ranges.append(s..<end) }
        return ranges
    }

    /// Whether every value is finite: x·0 is 0 for finite x and NaN otherwise, summed in SIMD lanes.
    static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return true }
            var acc = SIMD16<Float>()
            let whole = b.count / 16
            base.withMemoryRebound(to: SIMD16<Float>.self, capacity: whole) { v in
                for i in 0..<whole { acc += v[i] * 0 }
            }
            var tail: Float = 0
            for i in (whole * 16)..<b.count { tail += b[i] * 0 }
            return (acc.sum() + tail).isFinite
        }
    }

    /// One pass over all rows: class counts and NaN/Inf counts, and, given the classifier and
    /// where logits are stored, the check of the logits against features·Wᵀ + b (``LogitCheck``).
    func statistics(classifier: (weight: [Float], bias: [Float])? = nil) throws -> ValidationReport.Split {
        var counts = [Int](repeating: 0, count: classCount)
        var nan = 0, inf = 0
        func typeName(_ t: ElementType) -> LogitCheck.ElementTypeName {
            switch t {
            case .float16: .float16
            case .float32: .float32
            case let .customFloat(_, mantissaBits, _): .custom(significandBits: mantissaBits)
            default: .float64
            }
        }
        var check: LogitCheck?
        if hasLogits, let classifier {
            // The coarsest stored logit type among the shards sets the logit rounding term.
            let logitTypes = sources.compactMap { try? $0.logits?.elementType }.map(typeName)
            let logitType = logitTypes.max { $0.unitRoundoff < $1.unitRoundoff } ?? .float32
            check = LogitCheck(weight: classifier.weight, bias: classifier.bias, classCount: classCount, dim: dim,
                               featureType: typeName(storedType), logitType: logitType)
        }
        var position = 0
        // About 8 MiB blocks: the buffer stays in cache and is touched (page-faulted) only once.
        let rowBytes = 4 * max(1, dim + (check == nil ? 0 : classCount))
        try forEachBlock(maxRows: max(1, (8 << 20) / rowBytes), includeLogits: check != nil) { block in
            for l in block.labels { counts[Int(l)] += 1 }
            if check != nil, let logits = block.logits {
                check!.check(features: block.features, logits: logits, rowCount: block.rowCount, firstRow: position)
            }
            position += block.rowCount
            guard !Self.allFinite(block.features) else { return }
            for x in block.features where !x.isFinite {
                if x.isNaN { nan += 1 } else { inf += 1 }
            }
        }
        var split = ValidationReport.Split(rows: rows, dim: dim, storedType: storedType.description, classCounts: counts,
                                           nanCount: nan, infCount: inf, duplicatesDropped: duplicatesDropped)
        if let check {
            split.logitRowsChecked = check.rowsChecked
            split.logitRowsBeyond = check.rowsBeyond
            split.worstLogit = check.worst.map {
                .init(row: $0.row, classIndex: $0.classIndex, difference: $0.difference, tolerance: $0.tolerance)
            }
        }
        return split
    }
}
