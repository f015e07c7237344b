import Foundation
import HDF5
import PlainText
import ToolSupport

/// The two projections `project` offers.
public enum ProjectionMethod: String, Sendable, CaseIterable {
    /// Müller et al.'s affine plane through the three augmented templates (``MullerProjection``).
    case muller
    /// The paper's Algorithm 1: QR basis of the templates' span, then a PCA fitted on training points (``QRPCAProjection``).
    case qrPCA = "qr-pca"
}

/// One split's projected samples and class centroids.
public struct ProjectedSplit: Sendable, Equatable {
    /// The split's name in the source dump ("train", "val", ...).
    public var name: String
    /// Plane coordinates of each sample.
    public var points: [SIMD2<Double>]
    /// Each sample's class as a position 0..<3 in the file's class list.
    public var classes: [Int]
    /// Each sample's `sample_index` in the dump (its row position when the dump has none).
    public var sampleIndex: [Int64]
    /// Plane coordinates of the three class centroids (means over all rows of the class in this split).
    public var centroids: [SIMD2<Double>]

    /// A split from its parts.
    public init(name: String, points: [SIMD2<Double>], classes: [Int], sampleIndex: [Int64], centroids: [SIMD2<Double>]) {
        self.name = name
        self.points = points
        self.classes = classes
        self.sampleIndex = sampleIndex
        self.centroids = centroids
    }
}

/// What `project` writes and `plot` reads: projected points, centroids, the basis, the classes,
/// the conventions and the source dump's attributes (format `penultimate-projection`, version 1).
public struct ProjectionFile: Sendable, Equatable {
    /// The value of the root `format` attribute.
    public static let formatName = "penultimate-projection"
    /// The format version this code writes and reads.
    public static let currentFormatVersion: Int64 = 1

    /// How the points were projected.
    public var method: ProjectionMethod
    /// The three classes' wnids (or ids) in template order.
    public var wnids: [String]
    /// Display names of the three classes.
    public var names: [String]
    /// The three classes' indices in the source dump.
    public var classIndices: [Int]
    /// Orthonormal basis vectors (each of length D+1): 2 for muller, 3 for qr-pca.
    public var basis: [[Double]]
    /// Muller: the plane's origin (length D+1).
    public var origin: [Double]?
    /// qr-pca: the PCA's mean in basis coordinates.
    public var pcaMean: [Double]?
    /// qr-pca: the two principal axes in basis coordinates.
    public var pcaAxes: [[Double]]?
    /// Conventions (origin, signs, sample selection) as a JSON object text.
    public var conventions: String
    /// ToolSupport provenance as a JSON object text.
    public var provenance: String
    /// The dump the points came from.
    public var sourcePath: String
    /// The source dump's attributes (``ModelDescription/texts``), keyed without the `source_`
    /// prefix (model, role, dataset, ls_alpha, teacher_model, teacher_ls_alpha, kd_temperature), as
    /// text; each may be absent (``ModelDescription/readTexts(_:prefix:)``).
    public var source: [String: String]
    /// The projected splits, in the order written.
    public var splits: [ProjectedSplit]

    /// A file from its parts.
    public init(method: ProjectionMethod, wnids: [String], names: [String], classIndices: [Int], basis: [[Double]],
                origin: [Double]? = nil, pcaMean: [Double]? = nil, pcaAxes: [[Double]]? = nil,
                conventions: String, provenance: String, sourcePath: String, source: [String: String],
                splits: [ProjectedSplit]) {
        self.method = method
        self.wnids = wnids
        self.names = names
        self.classIndices = classIndices
        self.basis = basis
        self.origin = origin
        self.pcaMean = pcaMean
        self.pcaAxes = pcaAxes
        self.conventions = conventions
        self.provenance = provenance
        self.sourcePath = sourcePath
        self.source = source
        self.splits = splits
    }

    /// The split named `name`.
    public func split(_ name: String) -> ProjectedSplit? { splits.first { $0.name == name } }

    /// A numeric source attribute ("kd_temperature", "teacher_ls_alpha", "ls_alpha").
    public func sourceNumber(_ key: String) -> Double? { source[key].flatMap(Double.init) }

    /// The source attributes copied to the file, in a fixed order: the numeric ones are Double.
    static let sourceKeys = ModelDescription.attributeNames
    static let numericSourceKeys = ModelDescription.numericAttributeNames
}

// MARK: - Output formats

/// The file formats a projection can be written in.
public enum ProjectionFileFormat: String, Sendable, CaseIterable {
    /// HDF5 per SPEC (the default, and what `plot` prefers).
    case hdf5 = "h5"
    /// Points and centroids only: `split,wnid,name,kind,sample_index,x,y`.
    case csv
    /// Everything the HDF5 file holds.
    case json

    /// The format named by a path's extension (`.h5`/`.hdf5`, `.csv`, `.json`).
    public init(path: String) throws {
        switch (path as NSString).pathExtension.lowercased() {
        case "h5", "hdf5": self = .hdf5
        case "csv": self = .csv
        case "json": self = .json
        default:
            throw InputError(file: path, object: "file name", message: "unknown projection file extension",
                             fix: "use .h5, .csv or .json")
        }
    }
}

extension ProjectionFile {
    /// Writes the file atomically in the format named by `path`'s extension.
    public func write(to path: String) throws {
        switch try ProjectionFileFormat(path: path) {
        case .hdf5: try AtomicOutput.write(to: path) { temporary in try writeHDF5(path: temporary) }
        case .csv: try AtomicOutput.write(csvText(), to: path)
        case .json: try AtomicOutput.write(try jsonText(), to: path)
        }
    }

    /// Reads a projection file (HDF5 or JSON, by content), refusing other formats and versions.
    public static func read(path: String) throws -> ProjectionFile {
        if File.isHDF5(path: path) { return try readHDF5(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, object: "file", message: "cannot be read")
        }
        if (path as NSString).pathExtension.lowercased() == "csv" {
            throw InputError(file: path, object: "file", message: "a CSV projection holds no basis or source attributes",
                             fix: "plot the .h5 or .json file that project wrote")
        }
        return try fromJSON(data, path: path)
    }

    // MARK: HDF5

    /// Writes the HDF5 layout of SPEC to `path` (not atomically: ``write(to:)`` wraps this).
    public func writeHDF5(path: String) throws {
        let file = try File(path: path, mode: .truncate)
        let root = file.root
        try root.writeAttribute("format", ProjectionFile.formatName)
        try root.writeAttribute("format_version", ProjectionFile.currentFormatVersion)
        try root.writeAttribute("method", method.rawValue)
        try root.writeAttribute("conventions", conventions)
        try root.writeAttribute("provenance", provenance)
        try root.writeAttribute("source_path", sourcePath)
        try ModelDescription.writeTexts(source, to: root, prefix: "source_")
        try root.createDataset("classes/wnid", type: .string, shape: [3]).write(strings: wnids)
        try root.createDataset("classes/name", type: .string, shape: [3]).write(strings: names)
        try writeDoubles(root, "classes/index_in_source", classIndices.map(Double.init), shape: [3], asInt: true)
        let length = basis[0].count
        try writeDoubles(root, "basis", (0..<length).flatMap { i in basis.map { $0[i] } }, shape: [length, basis.count])
        if let origin { try writeDoubles(root, "origin", origin, shape: [origin.count]) }
        if let pcaMean { try writeDoubles(root, "pca/mean", pcaMean, shape: [3]) }
        if let pcaAxes { try writeDoubles(root, "pca/axes", pcaAxes.flatMap { $0 }, shape: [2, 3]) }
        try root.writeAttribute("split_order", splits.map(\.name))
        for split in splits {
            let g = "splits/\(split.name)/"
            try writeDoubles(root, g + "points", split.points.flatMap { [$0.x, $0.y] }, shape: [split.points.count, 2])
            try writeDoubles(root, g + "class", split.classes.map(Double.init), shape: [split.classes.count], asInt: true)
            let d = try root.createDataset(g + "sample_index", type: .int(bits: 64, signed: true), shape: [split.sampleIndex.count])
            if !split.sampleIndex.isEmpty {
                try split.sampleIndex.withUnsafeBufferPointer { try d.write(rows: 0..<split.sampleIndex.count, from: $0) }
            }
            try writeDoubles(root, g + "centroids", split.centroids.flatMap { [$0.x, $0.y] }, shape: [3, 2])
        }
        try file.flush()
    }

    private func writeDoubles(_ root: Group, _ name: String, _ values: [Double], shape: [Int], asInt: Bool = false) throws {
        if asInt {
            let ints = values.map { Int64($0) }
            let d = try root.createDataset(name, type: .int(bits: 64, signed: true), shape: shape)
            if !ints.isEmpty { try ints.withUnsafeBufferPointer { try d.write(rows: 0..<shape[0], from: $0) } }
        } else {
            let d = try root.createDataset(name, type: .float64, shape: shape)
            if !values.isEmpty { try values.withUnsafeBufferPointer { try d.write(rows: 0..<shape[0], from: $0) } }
        }
    }

    /// Reads the HDF5 layout, checking format name and version first, then every attribute,
    /// type, shape, index and value before it is used (``ProjectionHDF5Reader``).
    public static func readHDF5(path: String) throws -> ProjectionFile {
        // libhdf5 1.10 can crash on a corrupt string heap: read the strings out of process first.
        do { try StringProbe.check(path) } catch { throw InputError(file: path, object: error.object, message: error.message, fix: error.fix) }
        let file: File
        do { file = try File(path: path) } catch {
            throw InputError(file: path, object: "file", message: "cannot open: \(error.innermost)")
        }
        let r = ProjectionHDF5Reader(root: file.root, path: path)
        let format = file.root.hasAttribute("format") ? try r.attribute { (a: AttributeRules) throws(StoreError) in try a.string("format") } : "(none)"
        guard format == formatName else {
            throw InputError(file: path, object: "/ attribute format", message: "is \"\(format)\", not \"\(formatName)\"",
                             fix: "pass a file written by project")
        }
        _ = try r.attribute { (a: AttributeRules) throws(StoreError) in try a.formatVersion(currentFormatVersion) }
        let methodName = try r.attribute { (a: AttributeRules) throws(StoreError) in try a.string("method") }
        guard let method = ProjectionMethod(rawValue: methodName) else {
            throw InputError(file: path, object: "/ attribute method", message: "unknown method \"\(methodName)\"")
        }
        let source = try r.attribute { (a: AttributeRules) throws(StoreError) in try ModelDescription.readTexts(a, prefix: "source_") }
        let basisCount = method == .muller ? 2 : 3
        let (basisShape, flat) = try r.floats("basis", shape: [nil, basisCount])
        guard basisShape[0] >= 2 else { throw r.fail("/basis", "has shape \(basisShape); expected (D+1, \(basisCount)) with D >= 1") }
        let basis = (0..<basisCount).map { j in (0..<basisShape[0]).map { flat[$0 * basisCount + j] } }
        let origin: [Double]? = r.root.kind(of: "origin") == nil ? nil : try r.floats("origin", shape: [basisShape[0]]).values
        var pcaMean: [Double]?, pcaAxes: [[Double]]?
        if r.root.kind(of: "pca") != nil {
            pcaMean = try r.floats("pca/mean", shape: [3]).values
            let axes = try r.floats("pca/axes", shape: [2, 3]).values
            pcaAxes = [Array(axes[0..<3]), Array(axes[3..<6])]
        }
        if method == .muller, origin == nil { throw r.fail("/origin", "missing (a muller projection stores its origin)") }
        if method == .qrPCA, pcaMean == nil { throw r.fail("/pca", "missing (a qr-pca projection stores its PCA)") }
        let indices: [Int64] = r.root.kind(of: "classes/index_in_source") == nil ? [-1, -1, -1]
            : try r.integers("classes/index_in_source", shape: [3]).values
        if let bad = indices.first(where: { $0 < -1 }) {
            throw r.fail("/classes/index_in_source", "holds \(bad); expected class indices (or -1 when unknown)")
        }
        let wnids = try r.strings("classes/wnid"), names = try r.strings("classes/name")
        let order: [String]
        if file.root.hasAttribute("split_order") {
            order = try r.io("/ attribute split_order") { try file.root.readStringArrayAttribute("split_order") }
        } else if r.root.kind(of: "splits") == .group {
            order = try r.io("/splits") { try file.root.group("splits").childNames() }
        } else {
            order = []
        }
        guard Set(order).count == order.count else { throw r.fail("/ attribute split_order", "names a split twice") }
        var splits: [ProjectedSplit] = []
        for name in order {
            let g = "splits/\(name)"
            guard !name.isEmpty, !name.contains("/"), r.root.kind(of: g) == .group else {
                throw r.fail("/\(g)", "missing group (named by split_order)")
            }
            let (pointShape, points) = try r.floats(g + "/points", shape: [nil, 2])
            let n = pointShape[0]
            let classes = try r.integers(g + "/class", shape: [n]).values
            if let bad = classes.firstIndex(where: { !(0..<3).contains($0) }) {
                throw r.fail("/\(g)/class", "holds \(classes[bad]) at row \(bad); expected a class position 0, 1 or 2")
            }
            let sampleIndex = try r.integers(g + "/sample_index", shape: [n]).values
            let centroids = try r.floats(g + "/centroids", shape: [3, 2]).values
            splits.append(ProjectedSplit(name: name, points: pairs(points), classes: classes.map { Int($0) },
                                         sampleIndex: sampleIndex, centroids: pairs(centroids)))
        }
        let result = ProjectionFile(
            method: method, wnids: wnids, names: names, classIndices: indices.map { Int($0) },
            basis: basis, origin: origin, pcaMean: pcaMean, pcaAxes: pcaAxes,
            conventions: try r.attribute { (a: AttributeRules) throws(StoreError) in try a.string("conventions", allowEmpty: true) },
            provenance: try r.attribute { (a: AttributeRules) throws(StoreError) in try a.string("provenance", allowEmpty: true) },
            sourcePath: try r.attribute { (a: AttributeRules) throws(StoreError) in try a.string("source_path", allowEmpty: true) }, source: source, splits: splits)
        try result.check(path: path)
        return result
    }

    static func checkVersion(_ version: Int64, path: String) throws {
        guard version == currentFormatVersion else {
            throw InputError(file: path, object: "format_version",
                             message: "is \(version); this build reads version \(currentFormatVersion)",
                             fix: version > currentFormatVersion ? "use a newer penultimate" : "rerun project")
        }
    }

    /// Structural checks shared by the readers: three classes (ids may repeat: a names-only dump
    /// labels its classes by name, and names may repeat), a basis of
    /// the method's size with equal, finite vectors, PCA and origin of matching sizes, matching
    /// lengths per split, classes in 0..<3, and finite coordinates.
    func check(path: String) throws {
        func fail(_ object: String, _ message: String) -> InputError { InputError(file: path, object: object, message: message) }
        guard wnids.count == 3, names.count == 3 else {
            throw fail("/classes", "holds \(wnids.count) wnids and \(names.count) names, expected 3")
        }
        guard classIndices.count == 3, classIndices.allSatisfy({ $0 >= -1 }) else {
            throw fail("/classes/index_in_source", "holds \(classIndices), expected 3 class indices")
        }
        let basisCount = method == .muller ? 2 : 3
        guard basis.count == basisCount, let length = basis.first?.count, length >= 2, basis.allSatisfy({ $0.count == length }) else {
            throw fail("/basis", "holds \(basis.count) vectors of lengths \(basis.map(\.count)); expected \(basisCount) of one length D+1 >= 2")
        }
        guard basis.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw fail("/basis", "holds NaN or infinity") }
        if let origin {
            guard origin.count == length, origin.allSatisfy(\.isFinite) else {
                throw fail("/origin", "holds \(origin.count) values (or NaN/Inf), expected \(length) finite values")
            }
        }
        if (pcaMean == nil) != (pcaAxes == nil) { throw fail("/pca", "needs both mean and axes") }
        if let pcaMean, let pcaAxes {
            guard pcaMean.count == 3, pcaAxes.count == 2, pcaAxes.allSatisfy({ $0.count == 3 }),
                  (pcaMean + pcaAxes.flatMap { $0 }).allSatisfy(\.isFinite) else {
                throw fail("/pca", "expected a finite mean of 3 values and 2 axes of 3 values")
            }
        }
        for key in Self.numericSourceKeys.sorted() {
            guard let text = source[key] else { continue }
            let ok = Double(text).map { key == "kd_temperature" ? AttributeRules.isTemperature($0) : AttributeRules.isAlpha($0) }
            guard ok == true else {
                throw fail("source_\(key)", "is \(text); " + (key == "kd_temperature" ? "a distillation temperature is a finite number > 0"
                                                                   : "a label-smoothing alpha is a finite number in [0, 1)"))
            }
        }
        guard Set(splits.map(\.name)).count == splits.count else { throw fail("/splits", "names a split twice") }
        for split in splits {
            guard split.points.count == split.classes.count, split.points.count == split.sampleIndex.count,
                  split.centroids.count == 3, split.classes.allSatisfy({ (0..<3).contains($0) }) else {
                throw fail("/splits/\(split.name)", "points, class, sample_index or centroids are inconsistent")
            }
            guard (split.points + split.centroids).allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
                throw fail("/splits/\(split.name)", "holds a NaN or infinite coordinate")
            }
        }
    }

    private static func pairs(_ flat: [Double]) -> [SIMD2<Double>] {
        stride(from: 0, to: flat.count - 1, by: 2).map { SIMD2(flat[$0], flat[$0 + 1]) }
    }

    // MARK: CSV

    /// Samples then centroids per split, header `split,wnid,name,kind,sample_index,x,y`
    /// (centroids have an empty sample_index). Fields are quoted as RFC 4180 needs (PlainText's `CSVText`).
    public func csvText() -> String {
        var lines = ["split,wnid,name,kind,sample_index,x,y"]
        let field = CSVText.field
        for split in splits {
            for (i, p) in split.points.enumerated() {
                let c = split.classes[i]
                lines.append([field(split.name), field(wnids[c]), field(names[c]), "sample", String(split.sampleIndex[i]),
                              JSONText.number(p.x), JSONText.number(p.y)].joined(separator: ","))
            }
            for (c, p) in split.centroids.enumerated() {
                lines.append([field(split.name), field(wnids[c]), field(names[c]), "centroid", "", JSONText.number(p.x), JSONText.number(p.y)]
                    .joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    /// The same content as the HDF5 file, as JSON (``ProjectionDocument``): one top-level key a line.
    public func jsonText() throws -> String {
        let document = ProjectionDocument(
            method: method.rawValue, conventions: JSONFragment(conventions), provenance: JSONFragment(provenance),
            sourcePath: sourcePath, source: ProjectionDocument.Source(source),
            classes: .init(wnid: wnids, name: names, indexInSource: classIndices), basis: basis, origin: origin,
            pca: pcaMean.flatMap { mean in pcaAxes.map { ProjectionDocument.PCA(mean: mean, axes: $0) } },
            splits: splits.map { s in
                .init(name: s.name, points: s.points.map { [$0.x, $0.y] }, class: s.classes, sampleIndex: s.sampleIndex,
                      centroids: s.centroids.map { [$0.x, $0.y] })
            })
        return try OrderedJSONEncoder(layout: .keysOnLines).encode(document) + "\n"
    }

    /// Parses ``jsonText()``'s layout: the format and version first (``JSONDocument``), then the
    /// whole document, once, into ``ProjectionDocument``.
    public static func fromJSON(_ data: Data, path: String) throws -> ProjectionFile {
        func fail(_ object: String, _ message: String) -> InputError {
            InputError(file: path, object: object, message: message)
        }
        let document = try JSONDocument.decode(ProjectionDocument.self, from: data, path: path, format: formatName,
                                               supported: [currentFormatVersion], fix: "pass a file written by project")
        guard let method = ProjectionMethod(rawValue: document.method) else {
            throw fail("method", "is \"\(document.method)\"; expected one of \(ProjectionMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func pairs(_ list: [[Double]], _ object: String) throws -> [SIMD2<Double>] {
            try list.map { guard $0.count == 2 else { throw fail(object, "holds a point without 2 coordinates") }; return SIMD2($0[0], $0[1]) }
        }
        let splits = try document.splits.enumerated().map { (i, s) in
            ProjectedSplit(name: s.name, points: try pairs(s.points, "splits[\(i)].points"), classes: s.class,
                           sampleIndex: s.sampleIndex, centroids: try pairs(s.centroids, "splits[\(i)].centroids"))
        }
        let result = ProjectionFile(
            method: method, wnids: document.classes.wnid, names: document.classes.name,
            classIndices: document.classes.indexInSource,
            basis: document.basis, origin: document.origin, pcaMean: document.pca?.mean, pcaAxes: document.pca?.axes,
            conventions: document.conventions?.text ?? "{}", provenance: document.provenance?.text ?? "{}",
            sourcePath: document.sourcePath ?? "", source: document.source?.values.mapValues(\.text) ?? [:], splits: splits)
        try result.check(path: path)
        return result
    }
}

/// Reads the datasets and attributes of a projection file, checking type class, shape and (for
/// floats) finiteness before a value is used; every failure names the file and the object.
struct ProjectionHDF5Reader {
    let root: Group
    let path: String

    func fail(_ object: String, _ message: String, fix: String? = nil) -> InputError {
        InputError(file: path, object: object, message: message, fix: fix)
    }

    func io<T>(_ object: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as HDF5Error { throw fail(object, error.innermost) }
    }

    /// An attribute read through FeatureStore's ``AttributeRules`` (one set of rules for every format).
    func attribute<T>(_ body: (AttributeRules) throws(StoreError) -> T) throws -> T {
        do { return try body(AttributeRules(root: root, file: path)) } catch {
            throw fail("/ " + error.object, error.message, fix: error.fix)
        }
    }

    private func dataset(_ name: String, shape expected: [Int?], accept: (ElementType) -> Bool, want: String) throws -> (Dataset, [Int]) {
        guard let kind = root.kind(of: name) else { throw fail("/\(name)", "missing dataset") }
        guard kind == .dataset else { throw fail("/\(name)", "is not a dataset") }
        let (d, type, shape) = try io("/\(name)") { () throws -> (Dataset, ElementType, [Int]) in
            let d = try root.dataset(name)
            return (d, try d.elementType, try d.shape)
        }
        guard accept(type) else { throw fail("/\(name)", "stored as \(type); expected \(want)") }
        guard shape.count == expected.count, zip(shape, expected).allSatisfy({ $1 == nil || $0 == $1 }) else {
            let text = "(" + expected.map { $0.map(String.init) ?? "_" }.joined(separator: ", ") + ")"
            throw fail("/\(name)", "has shape \(shape), expected \(text)")
        }
        return (d, shape)
    }

    /// A float dataset of `shape` (nil: any extent), every value finite.
    func floats(_ name: String, shape: [Int?]) throws -> (shape: [Int], values: [Double]) {
        let (d, s) = try dataset(name, shape: shape, accept: { [.float16, .float32, .float64].contains($0) }, want: "floats")
        let values = try io("/\(name)") { try d.readAll(as: Double.self) }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw fail("/\(name)", "holds NaN or infinity (element \(bad))")
        }
        return (s, values)
    }

    /// An integer dataset of `shape`.
    func integers(_ name: String, shape: [Int?]) throws -> (shape: [Int], values: [Int64]) {
        let (d, s) = try dataset(name, shape: shape, accept: { if case .int = $0 { true } else { false } }, want: "integers")
        return (s, try io("/\(name)") { try d.readAll(as: Int64.self) })
    }

    /// The three class strings of `name`.
    func strings(_ name: String) throws -> [String] {
        let (d, _) = try dataset(name, shape: [3], accept: { $0 == .string }, want: "strings")
        return try io("/\(name)") { try d.readStrings() }
    }
}
