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
    let labels: [Int32]
    let sampleIndex: [Int64]?
    /// A direct reader when the stored bytes are plain little-endian float32 rows.
    let raw: RawRowReader?
    /// Chunk locations and encoding for reading without libhdf5 on several threads, when decodable here.
    let plan: ChunkPlan?
    /// nil: keep every row; else false marks a repeated sample_index.
    var keep: [Bool]?
    var rows: Int { labels.count }
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
    let sources: [SplitSource]

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
        // Keep the first occurrence of each sample_index, in rank (then row) order.
        var dropped = 0
        if sources.allSatisfy({ $0.sampleIndex != nil }) {
            var seen = Set<Int64>(minimumCapacity: sources.reduce(0) { $0 + $1.rows })
            for s in sources.indices {
                var keep = [Bool](repeating: true, count: sources[s].rows)
                var any = false
                for (i, v) in sources[s].sampleIndex!.enumerated() where !seen.insert(v).inserted {
                    keep[i] = false
                    any = true
                    dropped += 1
                }
                if any { sources[s].keep = keep }
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
        duplicatesDropped = dropped
        rows = sources.reduce(0) { $0 + $1.rows } - dropped
        self.sources = sources
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

        func integers(_ p: String) throws(StoreError) -> [Int64] {
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
            return try hdf5(f.path, p) { () throws(HDF5Error) in try d.readAll(as: Int64.self) }
        }
        let lp = base + "/labels"
        let labels64 = try integers(lp)
        var labels = [Int32](repeating: 0, count: n)
        var bad = 0, firstBad: (Int, Int64)?
        for (i, v) in labels64.enumerated() {
            if v < 0 || v >= Int64(classCount) {
                bad += 1
                if firstBad == nil { firstBad = (i, v) }
            } else {
                labels[i] = Int32(v)
            }
        }
        if let firstBad {
            throw StoreError(file: f.path, object: lp,
                             message: "\(bad) label(s) outside 0..<\(classCount) (first: row \(firstBad.0) = \(firstBad.1))")
        }
        let sp = base + "/sample_index"
        var sampleIndex: [Int64]?
        if f.root.kind(of: sp) != nil {
            sampleIndex = try integers(sp)
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
        return SplitSource(path: f.path, features: features, logits: logits, labels: labels, sampleIndex: sampleIndex,
                           raw: RawRowReader(plan: plan), plan: plan)
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

    /// Every kept row's label, in stream order.
    public func labels() -> [Int32] {
        sources.flatMap { s in s.keep.map { k in s.labels.indices.filter { k[$0] }.map { s.labels[$0] } } ?? s.labels }
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
            for range in readRanges(source, wanted: wanted, maxRows: maxRows) {
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
                let kept = range.filter { row in
                    source.keep?[row] != false && wanted?[Int(source.labels[row])] != false
                }
                if kept.count == range.count {
                    try body(FeatureBlock(rowCount: range.count, dim: dim, classCount: classCount, features: features,
                                          labels: Array(source.labels[range]),
                                          sampleIndex: source.sampleIndex.map { Array($0[range]) },
                                          logits: includeLogits ? logits : nil))
                    continue
                }
                if kept.isEmpty { continue }
                var block = FeatureBlock(rowCount: kept.count, dim: dim, classCount: classCount, features: [],
                                         labels: kept.map { source.labels[$0] },
                                         sampleIndex: source.sampleIndex.map { s in kept.map { s[$0] } },
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
    func readRanges(_ source: SplitSource, wanted: [Bool]?, maxRows: Int) -> [Range<Int>] {
        let n = source.rows
        guard let wanted else {
            let step = chunkRows.map { $0 <= maxRows ? (maxRows / $0) * $0 : maxRows } ?? maxRows
            return stride(from: 0, to: n, by: step).map { $0..<min(n, $0 + step) }
        }
        let gap = max(1, min(chunkRows ?? 64, 64))
        var ranges: [Range<Int>] = []
        var start: Int?
        var end = 0
        for row in 0..<n where wanted[Int(source.labels[row])] && source.keep?[row] != false {
            if let s = start, row - end < gap, row + 1 - s <= maxRows {
                end = row + 1
            } else {
                if let s = start { ranges.append(s..<end) }
                start = row
                end = row + 1
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
