import Analysis
import FeatureStore
import ToolSupport

/// One streaming pass over a split of a dump that sums every class's rows (Double accumulation).
///
/// All classes are accumulated, because the default distance normalisation (centroid scale) needs
/// the mean distance between all pairs of class centroids. Memory stays bounded: rows are read in
/// blocks of about ``blockBytes`` (smaller on the parallel path). This is the one place the pass
/// lives: it runs on every core through ``SplitReader/forEachRowsConcurrently(workers:maxRows:classes:halfRows:makeState:_:)``
/// when the reader can decode the chunks itself, with one accumulator per worker merged at the end.
public enum CentroidPass {
    /// Target size of one block of feature rows (as Float32) read at a time.
    public static let blockBytes = 8 << 20

    /// Rows per block for features of length `dim`: `max(1, blockBytes / (dim × 4))`.
    public static func blockRows(dim: Int) -> Int { max(1, blockBytes / (max(1, dim) * 4)) }

    /// Sums and counts per class of `split` in `dump`.
    ///
    /// - Parameters:
    ///   - rowNormalization: how rows are transformed before they are added.
    ///   - invalidRows: `.refuse` throws an ``InputError`` naming the files, the split and how many rows
    ///     hold NaN/Inf (or, under unit length, are all zero); `.skip` leaves them out and counts them
    ///     in the accumulator's `skippedNonFinite` / `skippedZero`. The result always carries the
    ///     skip policy (it has been checked already).
    ///   - progress: advanced by the rows read (pass nil for silence).
    ///   - tracksSpread: also keep each class's squared deviations from its mean, in the same
    ///     pass (`geometry`; rows as they are only).
    ///   - classes: when given, rows of other classes are read but not added (the parallel path
    ///     stays on: the filter is the accumulator's, not the reader's).
    public static func run(dump: Dump, split: String,
                           rowNormalization: CentroidAccumulator.RowNormalization = .none,
                           invalidRows: CentroidAccumulator.InvalidRowPolicy = .refuse,
                           progress: ProgressMeter? = nil, tracksSpread: Bool = false,
                           classes: Set<Int>? = nil) throws -> CentroidAccumulator {
        let reader = try dump.split(split)
        // Always skip while reading so the error can report the split's total, not one block's.
        let (classCount, dim) = (dump.classes.count, dump.dim)
        // One accumulator per worker thread, merged in worker order: each worker always gets the
        // same chunks, so a file gives the same bits on every run.
        // Float16 rows come unconverted and are widened in registers while they are added (exact,
        // so the sums are the bits a Float copy would give), saving a pass over a Float buffer.
        // A shard set is summed shard by shard, each shard's sums then added in rank order: the
        // order separate passes over the shard files (`eta centroids` per rank) and their merge use,
        // so both ways give the same bits. One file is one part: the fast path is unchanged.
        var total: CentroidAccumulator?
        for part in reader.shardReaders() {
            var states = try part.forEachRowsConcurrently(maxRows: blockRows(dim: dim), halfRows: true) { _ in
                try CentroidAccumulator(classCount: classCount, dim: dim, rowNormalization: rowNormalization,
                                        invalidRowPolicy: .skip, tracksSpread: tracksSpread)
            } _: { accumulator, rows in
                if let halves = rows.halves {
                    try accumulator.add(halfRows: halves, labels: rows.labels, classes: classes)
                } else {
                    try accumulator.add(rows: rows.features, labels: rows.labels, classes: classes)
                }
                progress?.advance(by: rows.rowCount)
            }
            // Merged in worker order into the first state, taken out of the array first so its
            // sums are not copied on write (a second C × D Doubles at the peak).
            var accumulator = states.removeFirst()
            for other in states { try accumulator.merge(other) }
            states.removeAll()
            if total == nil { total = accumulator } else { try total!.merge(accumulator) }
        }
        let accumulator = total!
        if invalidRows == .refuse {
            let files = dump.paths.joined(separator: ", ")
            if accumulator.skippedNonFinite > 0 {
                throw InputError(file: files, object: "/splits/\(split)/features",
                               message: "\(accumulator.skippedNonFinite) of \(reader.rows) rows hold NaN or infinity",
                               fix: "pass --skip-nonfinite to leave them out")
            }
            if accumulator.skippedZero > 0 {
                throw InputError(file: files, object: "/splits/\(split)/features",
                               message: "\(accumulator.skippedZero) of \(reader.rows) rows are all zero and cannot be scaled to unit length",
                               fix: "pass --skip-nonfinite to leave them out, or use another --normalize")
            }
        }
        return accumulator
    }
}

extension CentroidFile {
    /// Runs ``CentroidPass`` over `split` of `dump`.
    public static func compute(dump: Dump, split: String, rowNormalization: CentroidAccumulator.RowNormalization,
                               invalidRows: CentroidAccumulator.InvalidRowPolicy,
                               progress: ProgressMeter? = nil) throws -> CentroidFile {
        let accumulator = try CentroidPass.run(dump: dump, split: split, rowNormalization: rowNormalization,
                                               invalidRows: invalidRows, progress: progress)
        return CentroidFile(paths: dump.paths, split: split, classes: dump.classes,
                            source: ModelDescription(dump.attributes), accumulator: accumulator,
                            coverage: CentroidCoverage(dump: dump, reader: try dump.split(split)))
    }
}
