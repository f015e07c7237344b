import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SplitReader {
    /// Worker threads used by default: the active processor count (at most 64).
    public static var defaultWorkerCount: Int {
        max(1, min(64, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// Labels and sample indices read at a time per worker (768 KiB): a few reads per chunk, not one per block.
    static let indexWindowRows = 1 << 16

    /// Rows per block on the parallel path: about 512 KiB of Floats, so a block is decoded and
    /// consumed while it is still in the core's cache.
    static func parallelBlockRows(dim: Int, maxRows: Int) -> Int {
        max(1, min(maxRows, (1 << 19) / (4 * max(1, dim))))
    }

    /// Whether ``forEachBlockConcurrently(workers:maxRows:classes:makeState:_:)`` reads on several
    /// threads for this split (without a class filter); false means it falls back to one thread.
    ///
    /// True when every source file stores plain float32/float16 rows, unfiltered or with only
    /// shuffle and gzip, and no row is a repeated sample_index.
    public var readsConcurrently: Bool {
        sources.allSatisfy { $0.plan != nil && $0.keep == nil }
    }

    /// Streams every kept row to `body` on `workers` threads, each with its own state, and returns
    /// the states in worker order.
    ///
    /// Each worker reads and decodes its own chunks straight from the file (`pread`; zlib inflate
    /// and unshuffle for gzip+shuffle; float16 converted in SIMD lanes), bypassing libhdf5's global
    /// lock. Chunk `i` always goes to worker `i % workers` and each worker sees its chunks in file
    /// order, so merging the returned states in order gives the same bits on every run of the same
    /// file with the same worker count. Blocks hold at most `maxRows` rows (fewer, about 512 KiB, on
    /// the parallel path) and never span chunks.
    ///
    /// Falls back to ``forEachBlock(maxRows:classes:includeLogits:_:)`` on the calling thread, with
    /// one state, when ``readsConcurrently`` is false or `classes` is given (that path reads only the
    /// row ranges of the wanted classes, which beats reading every chunk when the file is sorted by
    /// label).
    ///
    /// - Parameters:
    ///   - makeState: called on the calling thread with each worker's index, before any reading.
    ///   - body: called concurrently from the workers, each with its own state; blocks of one worker
    ///     arrive in file order. A throw stops all workers; the first error (in worker order) is rethrown.
    public func forEachBlockConcurrently<State: Sendable>(
        workers: Int = SplitReader.defaultWorkerCount, maxRows: Int = 65536, classes: Set<Int>? = nil,
        makeState: (Int) throws -> State,
        _ body: @Sendable (inout State, FeatureBlock) throws -> Void
    ) throws -> [State] {
        guard classes == nil, readsConcurrently else {
            var state = try makeState(0)
            try forEachBlock(maxRows: maxRows, classes: classes) { block in try body(&state, block) }
            return [state]
        }
        let (dim, classCount) = (dim, classCount)
        return try forEachRowsConcurrently(workers: workers, maxRows: maxRows, makeState: makeState) { state, rows in
            try body(&state, FeatureBlock(rowCount: rows.rowCount, dim: dim, classCount: classCount,
                                          features: Array(rows.features), labels: Array(rows.labels),
                                          sampleIndex: rows.sampleIndex.map { Array($0) }, logits: nil))
        }
    }

    /// Like ``forEachBlockConcurrently(workers:maxRows:classes:makeState:_:)``, but each block lends
    /// its rows as buffers valid only during the call, so nothing is copied into arrays or allocated
    /// per block (rows are decoded into one buffer per worker; labels point into the reader's own).
    ///
    /// This is the fastest way through a split; the centroid pass uses it.
    ///
    /// - Parameter halfRows: when true, rows stored as float16 without the shuffle filter are lent
    ///   unconverted, as IEEE half bits in ``FeatureRows/halves`` (``FeatureRows/features`` is then
    ///   empty), so a consumer that converts in registers saves a pass over a Float copy. Other rows,
    ///   and every row on the one-thread fallback, still come as Floats.
    public func forEachRowsConcurrently<State: Sendable>(
        workers: Int = SplitReader.defaultWorkerCount, maxRows: Int = 65536, classes: Set<Int>? = nil,
        halfRows: Bool = false,
        makeState: (Int) throws -> State,
        _ body: @Sendable (inout State, FeatureRows) throws -> Void
    ) throws -> [State] {
        guard classes == nil, readsConcurrently else {
            var state = try makeState(0)
            try forEachBlock(maxRows: maxRows, classes: classes) { block in
                try block.features.withUnsafeBufferPointer { f in
                    try block.labels.withUnsafeBufferPointer { l in
                        if let s = block.sampleIndex {
                            try s.withUnsafeBufferPointer { s in
                                try body(&state, FeatureRows(rowCount: block.rowCount, dim: block.dim, features: f, labels: l, sampleIndex: s))
                            }
                        } else {
                            try body(&state, FeatureRows(rowCount: block.rowCount, dim: block.dim, features: f, labels: l, sampleIndex: nil))
                        }
                    }
                }
            }
            return [state]
        }
        let workers = max(1, workers)
        let blockRows = Self.parallelBlockRows(dim: dim, maxRows: max(1, maxRows))
        // Every piece of every source, in file (rank, row) order.
        var pieces: [(source: Int, piece: Int)] = []
        for (s, source) in sources.enumerated() {
            for p in source.plan!.pieces.indices { pieces.append((s, p)) }
        }
        let slots = WorkerSlots<State>(count: workers)
        for w in 0..<workers { slots.states[w] = try makeState(w) }
        let dim = dim, classCount = classCount, sources = sources
        let pieceList = pieces
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            do {
                var state = slots.states[w]!
                slots.states[w] = nil  // so `state` owns its buffers uniquely (no copy on write)
                defer { slots.states[w] = state }
                var decoders: [Int: ChunkDecoder] = [:]
                let output = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * dim)
                defer { output.deallocate() }
                for index in stride(from: w, to: pieceList.count, by: workers) {
                    let (s, p) = pieceList[index]
                    let source = sources[s]
                    let plan = source.plan!
                    let decoder = decoders[s] ?? ChunkDecoder(plan: plan, maxRows: blockRows)
                    decoders[s] = decoder
                    let piece = plan.pieces[p]
                    // The piece's labels (checked again as they are read) and sample indices, read
                    // from the file a window at a time: the reader holds no whole copy of either.
                    let pieceEnd = piece.firstRow + piece.rowCount
                    var labelWindow = ColumnWindow<Int32>(), indexWindow = ColumnWindow<Int64>()
                    var row = 0
                    while row < piece.rowCount {
                        if slots.stopped { return }
                        let n = min(blockRows, piece.rowCount - row)
                        let rows = (piece.firstRow + row)..<(piece.firstRow + row + n)
                        let labelOffset = try labelWindow.offset(of: rows, before: pieceEnd) {
                            try source.labels(rows: $0, classCount: classCount)
                        }
                        let indexOffset = try source.indexColumn.map { _ in
                            try indexWindow.offset(of: rows, before: pieceEnd) { try source.sampleIndex(rows: $0)! }
                        }
                        func deliver(_ features: UnsafePointer<Float>?, halves: UnsafePointer<UInt16>?) throws {
                            try labelWindow.values.withUnsafeBufferPointer { labels in
                                try indexWindow.values.withUnsafeBufferPointer { indices in
                                    try body(&state, FeatureRows(
                                        rowCount: n, dim: dim,
                                        features: UnsafeBufferPointer(start: features, count: features == nil ? 0 : n * dim),
                                        labels: UnsafeBufferPointer(rebasing: labels[labelOffset..<(labelOffset + n)]),
                                        sampleIndex: indexOffset.map { UnsafeBufferPointer(rebasing: indices[$0..<($0 + n)]) },
                                        halves: halves.map { UnsafeBufferPointer(start: $0, count: n * dim) }))
                                }
                            }
                        }
                        // (Mapping the file's pages instead of pread was measured: no faster, as
                        // populating the mapping costs what the copy costs.)
                        if halfRows && decoder.lendsHalves(piece: p) {
                            try deliver(nil, halves: try decoder.decodeHalves(piece: p, rows: row..<(row + n)))
                        } else {
                            try decoder.decode(piece: p, rows: row..<(row + n), into: output)
                            try deliver(output, halves: nil)
                        }
                        row += n
                    }
                    // One decoder per source at a time: its chunk buffer is the big allocation.
                    if index + workers < pieceList.count, pieceList[index + workers].source != s { decoders[s] = nil }
                }
            } catch {
                slots.fail(worker: w, error)
            }
        }
        if let error = slots.firstError { throw error }
        return (0..<workers).map { slots.states[$0]! }
    }
}

/// One column's values for a window of rows around the block a worker is at, read again only
/// when a block leaves it: at least ``SplitReader/indexWindowRows`` rows, never past the piece.
private struct ColumnWindow<Value> {
    private(set) var rows: Range<Int> = 0..<0
    private(set) var values: [Value] = []

    /// Where `block` starts in ``values``, after reading a new window with `read` if needed.
    mutating func offset(of block: Range<Int>, before end: Int, read: (Range<Int>) throws -> [Value]) rethrows -> Int {
        if !(rows.contains(block.lowerBound) && block.upperBound <= rows.upperBound) {
            rows = block.lowerBound..<min(end, block.lowerBound + max(block.count, SplitReader.indexWindowRows))
            values = try read(rows)
        }
        return block.lowerBound - rows.lowerBound
    }
}

/// Rows lent to ``SplitReader/forEachRowsConcurrently(workers:maxRows:classes:halfRows:makeState:_:)``'s
/// body: the buffers are valid only during the call.
public struct FeatureRows {
    /// Rows in this block.
    public var rowCount: Int
    /// Feature dimension D.
    public var dim: Int
    /// rowCount×D features, row-major, as Float whatever the stored type; empty when ``halves`` is set.
    public var features: UnsafeBufferPointer<Float>
    /// Class index of each row, in 0..<C.
    public var labels: UnsafeBufferPointer<Int32>
    /// Each row's sample_index, when stored.
    public var sampleIndex: UnsafeBufferPointer<Int64>?
    /// rowCount×D features, row-major, as the stored IEEE half bits: only when the reader was asked
    /// for `halfRows` and these rows are stored as unshuffled float16; nil otherwise.
    public var halves: UnsafeBufferPointer<UInt16>?

    public init(rowCount: Int, dim: Int, features: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>,
                sampleIndex: UnsafeBufferPointer<Int64>?, halves: UnsafeBufferPointer<UInt16>? = nil) {
        self.rowCount = rowCount
        self.dim = dim
        self.features = features
        self.labels = labels
        self.sampleIndex = sampleIndex
        self.halves = halves
    }
}

/// Per-worker result slots shared by the worker threads: worker `w` touches only index `w`;
/// the stop flag and errors sit behind a mutex.
private final class WorkerSlots<State>: @unchecked Sendable {
    let states: UnsafeMutablePointer<State?>
    private let errors: UnsafeMutablePointer<(any Error)?>
    private let count: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var stop = false

    init(count: Int) {
        self.count = count
        states = .allocate(capacity: count)
        states.initialize(repeating: nil, count: count)
        errors = .allocate(capacity: count)
        errors.initialize(repeating: nil, count: count)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        states.deinitialize(count: count)
        states.deallocate()
        errors.deinitialize(count: count)
        errors.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Whether some worker failed (the others stop at their next block).
    var stopped: Bool { locked { stop } }

    func fail(worker: Int, _ error: any Error) {
        locked {
            errors[worker] = error
            stop = true
        }
    }

    /// The failing worker with the lowest index's error.
    var firstError: (any Error)? {
        locked { (0..<count).lazy.compactMap { self.errors[$0] }.first }
    }
}
