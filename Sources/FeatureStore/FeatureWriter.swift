import HDF5

/// Writes a feature dump in format v1, one split's rows at a time.
///
/// Writes to `path` directly; callers wanting atomicity pass a temporary path and rename.
public final class FeatureWriter: @unchecked Sendable {
    /// The `writer` attribute's default value.
    public static let writerName = "penultimate FeatureWriter 0.1.0"

    /// How features are stored.
    public struct Options: Sendable, Equatable {
        /// The stored feature type (float16 halves the size; converted in Swift, never by libhdf5).
        public enum FeatureType: String, Sendable { case float32, float16 }
        /// float32 (default) or float16.
        public var featureType: FeatureType
        /// Deflate level 0...9 with the byte shuffle before it, or nil for no compression.
        public var gzipLevel: Int?
        /// Rows per chunk; nil picks about 1 MiB of features per chunk.
        public var chunkRows: Int?

        /// Storage options; the defaults give uncompressed float32 in ~1 MiB chunks.
        public init(featureType: FeatureType = .float32, gzipLevel: Int? = nil, chunkRows: Int? = nil) {
            self.featureType = featureType
            self.gzipLevel = gzipLevel
            self.chunkRows = chunkRows
        }
    }

    private struct SplitState {
        let features: Dataset
        let labels: Dataset
        let sampleIndex: Dataset?
        let logits: Dataset?
        var rows = 0
    }

    /// The file being written.
    public let path: String
    /// How features are stored.
    public let options: Options
    /// Feature dimension D (from the classifier weight).
    public let dim: Int
    /// Number of classes C.
    public let classCount: Int
    private var file: File?
    private var splits: [String: SplitState] = [:]

    /// Creates (truncating) `path` and writes the root attributes, classes and classifier
    /// (`weight` is C×D row-major, `bias` has C entries).
    public init(path: String, attributes: DumpAttributes, classes: ClassList, weight: [Float], bias: [Float],
                options: Options = Options()) throws(StoreError) {
        self.path = path
        self.options = options
        classCount = classes.count
        guard classCount > 0, bias.count == classCount, weight.count % classCount == 0, weight.count > 0 else {
            throw StoreError(file: path, object: "/classifier",
                             message: "weight has \(weight.count) values and bias \(bias.count) for \(classes.count) classes")
        }
        dim = weight.count / classCount
        try attributes.checkValues(file: path)
        file = try hdf5(path, "file") { () throws(HDF5Error) in
            let file = try File(path: path, mode: .truncate)
            let root = file.root
            try attributes.write(to: root)
            if let wnids = classes.wnids {
                try root.createDataset("classes/wnid", type: .string, shape: [classCount]).write(strings: wnids)
            }
            if let names = classes.names {
                try root.createDataset("classes/name", type: .string, shape: [classCount]).write(strings: names)
            }
            let w = try root.createDataset("classifier/weight", type: .float32, shape: [classCount, dim])
            try weight.withUnsafeBufferPointer { b throws(HDF5Error) in try w.write(rows: 0..<classCount, from: b) }
            let b = try root.createDataset("classifier/bias", type: .float32, shape: [classCount])
            try bias.withUnsafeBufferPointer { p throws(HDF5Error) in try b.write(rows: 0..<classCount, from: p) }
            return file
        }
    }

    /// Appends rows to `split` (created on first use). `features` is rows×D row-major, `logits` rows×C.
    /// Whether `sampleIndex` and `logits` are given must not change between appends to one split.
    public func append(split: String, features: [Float], labels: [Int32], sampleIndex: [Int64]? = nil,
                       logits: [Float]? = nil) throws(StoreError) {
        guard let file else {
            throw StoreError(file: path, object: "/splits/\(split)", message: "append after finish()")
        }
        let n = labels.count
        let base = "/splits/\(split)"
        guard features.count == n * dim else {
            throw StoreError(file: path, object: base + "/features", message: "\(features.count) values for \(n) rows of dim \(dim)")
        }
        if let sampleIndex, sampleIndex.count != n {
            throw StoreError(file: path, object: base + "/sample_index", message: "\(sampleIndex.count) values for \(n) rows")
        }
        if let logits, logits.count != n * classCount {
            throw StoreError(file: path, object: base + "/logits", message: "\(logits.count) values for \(n) rows of \(classCount) classes")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
            throw StoreError(file: path, object: base + "/labels", message: "label \(labels[bad]) outside 0..<\(classCount)")
        }
        var state: SplitState
        if let existing = splits[split] {
            state = existing
            guard (sampleIndex != nil) == (state.sampleIndex != nil), (logits != nil) == (state.logits != nil) else {
                throw StoreError(file: path, object: base, message: "sample_index/logits given in some appends but not others")
            }
        } else {
            state = try hdf5(path, base) { () throws(HDF5Error) in try makeSplit(file.root, base, sampleIndex != nil, logits != nil) }
        }
        let rows = state.rows..<(state.rows + n)
        try hdf5(path, base) { () throws(HDF5Error) in
            for d in [state.features, state.labels, state.sampleIndex, state.logits].compactMap({ $0 }) {
                try d.resize(rows: rows.upperBound)
            }
            switch options.featureType {
            case .float32:
                try features.withUnsafeBufferPointer { b throws(HDF5Error) in try state.features.write(rows: rows, from: b) }
            case .float16:
                let half = features.map { Float16($0) }
                try half.withUnsafeBufferPointer { b throws(HDF5Error) in try state.features.writeStoredBytes(rows: rows, from: UnsafeRawBufferPointer(b)) }
            }
            let wide = labels.map { Int64($0) }
            try wide.withUnsafeBufferPointer { b throws(HDF5Error) in try state.labels.write(rows: rows, from: b) }
            if let sampleIndex, let d = state.sampleIndex {
                try sampleIndex.withUnsafeBufferPointer { b throws(HDF5Error) in try d.write(rows: rows, from: b) }
            }
            if let logits, let d = state.logits {
                try logits.withUnsafeBufferPointer { b throws(HDF5Error) in try d.write(rows: rows, from: b) }
            }
        }
        state.rows = rows.upperBound
        splits[split] = state
    }

    private func makeSplit(_ root: Group, _ base: String, _ withIndex: Bool, _ withLogits: Bool) throws(HDF5Error) -> SplitState {
        let bytes = options.featureType == .float16 ? 2 : 4
        let rows = options.chunkRows ?? max(1, min(65536, (1 << 20) / max(1, dim * bytes)))
        let type: ElementType = options.featureType == .float16 ? .float16 : .float32
        func make(_ name: String, _ t: ElementType, _ width: Int?) throws(HDF5Error) -> Dataset {
            let chunk = width.map { [rows, $0] } ?? [max(rows, 4096)]
            let shape = width.map { [0, $0] } ?? [0]
            let maxShape = width.map { [-1, $0] } ?? [-1]
            return try root.createDataset(base + "/" + name, type: t, shape: shape, maxShape: maxShape, chunk: chunk,
                                          gzipLevel: options.gzipLevel, shuffle: options.gzipLevel != nil)
        }
        return SplitState(features: try make("features", type, dim),
                          labels: try make("labels", .int(bits: 64, signed: true), nil),
                          sampleIndex: withIndex ? try make("sample_index", .int(bits: 64, signed: true), nil) : nil,
                          logits: withLogits ? try make("logits", .float32, classCount) : nil)
    }

    /// Flushes and closes the file. Appending afterwards is an error.
    public func finish() throws(StoreError) {
        guard let file else { return }
        try hdf5(path, "file") { () throws(HDF5Error) in try file.flush() }
        splits = [:]
        self.file = nil
    }
}

extension FeatureWriter {
    /// Writes the manifest `path` over finished shard files (rank 0's job): root attributes without
    /// the shard fields, `manifest_shards`, classes, classifier, and every split's datasets as
    /// virtual datasets concatenating the shards in rank order. Shards must sit in the manifest's
    /// folder; they are referenced by file name, so the set can be moved as a whole.
    public static func writeManifest(path: String, shards: [String]) throws(StoreError) {
        let dump = try Dump.open(shards)
        guard dump.layout == .shards || shards.count == 1 else {
            throw StoreError(file: path, object: "manifest", message: "the given files are not shards")
        }
        let folder = directory(of: path)
        for shard in dump.files where directory(of: shard.path) != folder {
            throw StoreError(file: shard.path, object: "file", message: "is not in the manifest's folder \(folder)",
                             fix: "write the manifest next to its shards")
        }
        var attributes = dump.attributes
        attributes.shardRank = nil
        attributes.shardCount = nil
        let names = dump.files.map { baseName(of: $0.path) }
        let (weight, bias) = try dump.classifier()
        try hdf5(path, "manifest") { () throws(HDF5Error) in
            let file = try File(path: path, mode: .truncate)
            let root = file.root
            try attributes.write(to: root)
            try root.writeAttribute("manifest_shards", names)
            if let wnids = dump.classes.wnids {
                try root.createDataset("classes/wnid", type: .string, shape: [wnids.count]).write(strings: wnids)
            }
            if let n = dump.classes.names {
                try root.createDataset("classes/name", type: .string, shape: [n.count]).write(strings: n)
            }
            let c = dump.classes.count
            let w = try root.createDataset("classifier/weight", type: .float32, shape: [c, dump.dim])
            try weight.withUnsafeBufferPointer { b throws(HDF5Error) in try w.write(rows: 0..<c, from: b) }
            let b = try root.createDataset("classifier/bias", type: .float32, shape: [c])
            try bias.withUnsafeBufferPointer { p throws(HDF5Error) in try b.write(rows: 0..<c, from: p) }
            for split in dump.splitNames {
                for (dataset, trailing) in [("features", [dump.dim]), ("labels", []), ("sample_index", []), ("logits", [c])] {
                    let p = "/splits/\(split)/\(dataset)"
                    var sources: [VirtualSource] = []
                    var type: ElementType?
                    for (f, name) in zip(dump.files, names) where f.root.kind(of: p) == .dataset {
                        let d = try f.root.dataset(p)
                        if type == nil { type = try d.elementType }
                        sources.append(VirtualSource(file: name, dataset: p, rows: try d.shape[0]))
                    }
                    guard let type, sources.count == dump.files.count else { continue }
                    _ = try root.createVirtualDataset(p, type: type, trailingShape: trailing, sources: sources)
                }
            }
        }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func baseName(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }
}
