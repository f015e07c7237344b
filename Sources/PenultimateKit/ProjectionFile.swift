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
    /// The source dump's attributes, keyed without the `source_` prefix (model, role, dataset,
    /// ls_alpha, teacher_model, teacher_ls_alpha, kd_temperature), as text.
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
    static let sourceKeys = ["model", "role", "dataset", "ls_alpha", "teacher_model", "teacher_ls_alpha", "kd_temperature"]
    static let numericSourceKeys: Set<String> = ["ls_alpha", "teacher_ls_alpha", "kd_temperature"]
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
        case .json: try AtomicOutput.write(jsonText(), to: path)
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
        for key in ProjectionFile.sourceKeys {
            guard let value = source[key] else { continue }
            if ProjectionFile.numericSourceKeys.contains(key), let number = Double(value) {
                try root.writeAttribute("source_" + key, number)
            } else {
                try root.writeAttribute("source_" + key, value)
            }
        }
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

    /// Reads the HDF5 layout, checking format name and version first.
    public static func readHDF5(path: String) throws -> ProjectionFile {
        let file = try File(path: path)
        let root = file.root
        let format = root.hasAttribute("format") ? try root.readStringAttribute("format") : "(none)"
        guard format == formatName else {
            throw InputError(file: path, object: "/ attribute format", message: "is \"\(format)\", not \"\(formatName)\"",
                             fix: "pass a file written by project")
        }
        let version = try root.readInt64Attribute("format_version")
        try checkVersion(version, path: path)
        let methodName = try root.readStringAttribute("method")
        guard let method = ProjectionMethod(rawValue: methodName) else {
            throw InputError(file: path, object: "/ attribute method", message: "unknown method \"\(methodName)\"")
        }
        var source: [String: String] = [:]
        for key in sourceKeys where root.hasAttribute("source_" + key) {
            let info = try root.attributeInfo("source_" + key)
            source[key] = info.type == .string ? try root.readStringAttribute("source_" + key)
                : String(try root.readDoubleAttribute("source_" + key))
        }
        let basisData = try root.dataset("basis")
        let shape = try basisData.shape
        let flat: [Double] = try basisData.readAll()
        let basis = (0..<shape[1]).map { j in (0..<shape[0]).map { flat[$0 * shape[1] + j] } }
        let origin: [Double]? = root.kind(of: "origin") == .dataset ? try root.dataset("origin").readAll() : nil
        var pcaMean: [Double]?, pcaAxes: [[Double]]?
        if root.kind(of: "pca") == .group {
            pcaMean = try root.dataset("pca/mean").readAll()
            let axes: [Double] = try root.dataset("pca/axes").readAll()
            pcaAxes = [Array(axes[0..<3]), Array(axes[3..<6])]
        }
        let indices: [Int64] = root.kind(of: "classes/index_in_source") == .dataset
            ? try root.dataset("classes/index_in_source").readAll() : [-1, -1, -1]
        let order = root.hasAttribute("split_order") ? try root.readStringArrayAttribute("split_order")
            : try root.group("splits").childNames()
        var splits: [ProjectedSplit] = []
        for name in order {
            let g = "splits/\(name)/"
            let points: [Double] = try root.dataset(g + "points").readAll()
            let classes: [Int64] = try root.dataset(g + "class").readAll()
            let sampleIndex: [Int64] = try root.dataset(g + "sample_index").readAll()
            let centroids: [Double] = try root.dataset(g + "centroids").readAll()
            splits.append(ProjectedSplit(name: name, points: pairs(points), classes: classes.map { Int($0) },
                                         sampleIndex: sampleIndex, centroids: pairs(centroids)))
        }
        let result = ProjectionFile(
            method: method, wnids: try root.dataset("classes/wnid").readStrings(),
            names: try root.dataset("classes/name").readStrings(), classIndices: indices.map { Int($0) },
            basis: basis, origin: origin, pcaMean: pcaMean, pcaAxes: pcaAxes,
            conventions: try root.readStringAttribute("conventions"), provenance: try root.readStringAttribute("provenance"),
            sourcePath: try root.readStringAttribute("source_path"), source: source, splits: splits)
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

    /// Structural checks shared by the readers: three classes, matching lengths, classes in 0..<3.
    func check(path: String) throws {
        guard wnids.count == 3, names.count == 3 else {
            throw InputError(file: path, object: "/classes", message: "holds \(wnids.count) classes, expected 3")
        }
        for split in splits {
            guard split.points.count == split.classes.count, split.points.count == split.sampleIndex.count,
                  split.centroids.count == 3, split.classes.allSatisfy({ (0..<3).contains($0) }) else {
                throw InputError(file: path, object: "/splits/\(split.name)",
                                 message: "points, class, sample_index or centroids are inconsistent")
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

    /// The same content as the HDF5 file, as JSON with a fixed key order.
    public func jsonText() -> String {
        let string = JSONText.string, array = JSONText.array
        func vector(_ v: [Double]) -> String { array(v.map { JSONText.number($0) }) }
        var fields: [(String, String)] = [
            ("format", string(ProjectionFile.formatName)),
            ("format_version", String(ProjectionFile.currentFormatVersion)),
            ("method", string(method.rawValue)),
            ("conventions", conventions),
            ("provenance", provenance),
            ("source_path", string(sourcePath)),
            ("source", "{" + ProjectionFile.sourceKeys.compactMap { key in
                source[key].map { value in
                    string(key) + ": " + (ProjectionFile.numericSourceKeys.contains(key) && Double(value) != nil ? value : string(value))
                }
            }.joined(separator: ", ") + "}"),
            ("classes", "{\"wnid\": \(array(wnids.map(string))), \"name\": \(array(names.map(string))), \"index_in_source\": \(array(classIndices.map(String.init)))}"),
            ("basis", array(basis.map(vector))),
        ]
        if let origin { fields.append(("origin", vector(origin))) }
        if let pcaMean, let pcaAxes {
            fields.append(("pca", "{\"mean\": \(vector(pcaMean)), \"axes\": \(array(pcaAxes.map(vector)))}"))
        }
        let splitItems = splits.map { s in
            "{\"name\": \(string(s.name)), \"points\": \(array(s.points.map { vector([$0.x, $0.y]) })), "
                + "\"class\": \(array(s.classes.map(String.init))), \"sample_index\": \(array(s.sampleIndex.map(String.init))), "
                + "\"centroids\": \(array(s.centroids.map { vector([$0.x, $0.y]) }))}"
        }
        fields.append(("splits", array(splitItems)))
        return "{\n" + fields.map { "  " + string($0.0) + ": " + $0.1 }.joined(separator: ",\n") + "\n}\n"
    }

    /// Parses ``jsonText()``'s layout.
    public static func fromJSON(_ data: Data, path: String) throws -> ProjectionFile {
        func fail(_ object: String, _ message: String) -> InputError {
            InputError(file: path, object: object, message: message)
        }
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("file", "is neither HDF5 nor a JSON object")
        }
        guard (top["format"] as? String) == formatName else {
            throw InputError(file: path, object: "format", message: "is \(top["format"].map { "\"\($0)\"" } ?? "missing"), not \"\(formatName)\"",
                             fix: "pass a file written by project")
        }
        guard let version = (top["format_version"] as? NSNumber)?.int64Value else { throw fail("format_version", "missing") }
        try checkVersion(version, path: path)
        guard let methodName = top["method"] as? String, let method = ProjectionMethod(rawValue: methodName) else {
            throw fail("method", "missing or unknown")
        }
        func text(_ any: Any?) -> String {
            guard let any, let data = try? JSONSerialization.data(withJSONObject: any, options: [.sortedKeys]) else { return "{}" }
            return String(decoding: data, as: UTF8.self)
        }
        guard let classes = top["classes"] as? [String: Any], let wnids = classes["wnid"] as? [String],
              let names = classes["name"] as? [String] else { throw fail("classes", "missing wnid or name") }
        var source: [String: String] = [:]
        for (key, value) in (top["source"] as? [String: Any]) ?? [:] {
            if let s = value as? String { source[key] = s } else if let n = value as? NSNumber { source[key] = String(n.doubleValue) }
        }
        // Numbers go through JSONDecoder, which reads every Double exactly (JSONSerialization on
        // Linux may be one ulp off).
        let numbers: JSONNumbers
        do { numbers = try JSONDecoder().decode(JSONNumbers.self, from: data) } catch {
            throw fail("content", "does not match the projection layout (\(error))")
        }
        func pairs(_ list: [[Double]], _ object: String) throws -> [SIMD2<Double>] {
            try list.map { guard $0.count == 2 else { throw fail(object, "holds a point without 2 coordinates") }; return SIMD2($0[0], $0[1]) }
        }
        let splits = try numbers.splits.enumerated().map { (i, s) in
            ProjectedSplit(name: s.name, points: try pairs(s.points, "splits[\(i)].points"), classes: s.class,
                           sampleIndex: s.sample_index, centroids: try pairs(s.centroids, "splits[\(i)].centroids"))
        }
        let result = ProjectionFile(
            method: method, wnids: wnids, names: names, classIndices: numbers.classes.index_in_source,
            basis: numbers.basis, origin: numbers.origin, pcaMean: numbers.pca?.mean, pcaAxes: numbers.pca?.axes,
            conventions: text(top["conventions"]), provenance: text(top["provenance"]),
            sourcePath: (top["source_path"] as? String) ?? "", source: source, splits: splits)
        try result.check(path: path)
        return result
    }
}

/// The numeric part of a JSON projection file, decoded exactly.
private struct JSONNumbers: Decodable {
    struct Classes: Decodable { var index_in_source: [Int] }
    struct PCA: Decodable { var mean: [Double]; var axes: [[Double]] }
    struct Split: Decodable {
        var name: String
        var points: [[Double]]
        var `class`: [Int]
        var sample_index: [Int64]
        var centroids: [[Double]]
    }
    var classes: Classes
    var basis: [[Double]]
    var origin: [Double]?
    var pca: PCA?
    var splits: [Split]
}

