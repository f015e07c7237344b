import Analysis
import FeatureStore
import Foundation
import PlainText
import Taxonomy
import ToolSupport

/// `project --compat`: reproduce another code's projection exactly instead of ours.
public enum ProjectionCompat: String, Sendable, CaseIterable {
    /// The paper's released visualisation code: qr-pca with the biases of classes 0, 1, 2, its QR and
    /// PCA sign conventions (``QRPCAConvention/paperCode``), the first 150 train / 50 rows of every
    /// other split per class (unless `--per-class`), and centroids of the selected rows only.
    case paperCode = "paper-code"

    /// The paper's rows per class: 150 in train, 50 in every other split.
    static func paperRows(split: String) -> Int { split == ProjectionRequest.trainingSplit ? 150 : 50 }
}

/// What `project` is asked to do: which dump, which three classes, which method, splits and samples.
public struct ProjectionRequest: Sendable {
    /// The dump: one file, shards, or a manifest.
    public var dumpPaths: [String]
    /// Three class ids as the user typed them: wnid, WordNet lemma, or class index.
    public var classes: [String]
    /// The projection.
    public var method: ProjectionMethod
    /// Splits to project, in order (e.g. ["train"], ["val"]); empty for every split of the dump.
    public var splits: [String]
    /// Which rows become points.
    public var selection: SampleSelection
    /// WordNet directory for lemma lookup and display names (nil: `PENULTIMATE_WORDNET` or the default).
    public var wordnetDirectory: String?
    /// A hierarchy file (`--hierarchy`) to match the classes to instead of WordNet.
    public var hierarchyFile: String?
    /// qr-pca: the train rows whose projections (with the train centroids) fit the PCA; nil uses
    /// ``selection``. Lets `--split val --per-class 50` share the PCA of `--split train --per-class 150`.
    public var fitSelection: SampleSelection?
    /// Whether rows holding NaN or infinity are left out (and counted in the conventions) rather
    /// than refused, as eta's `--skip-nonfinite` does.
    public var skipNonFinite: Bool
    /// Whether part of a sharded dump may be read (``Dump/open(_:partial:)-([String],_)``).
    public var partial: Bool
    /// Another code's behaviour to reproduce exactly (nil: ours, as documented). `.paperCode` needs
    /// ``method`` = qr-pca; ``selection`` `.all` then means the paper's 150/50 rows per class.
    public var compat: ProjectionCompat?

    /// A request from its parts.
    public init(dumpPaths: [String], classes: [String], method: ProjectionMethod = .muller, splits: [String],
                selection: SampleSelection = .all, wordnetDirectory: String? = nil, fitSelection: SampleSelection? = nil,
                skipNonFinite: Bool = false, partial: Bool = false, compat: ProjectionCompat? = nil) {
        self.compat = compat
        self.partial = partial
        self.fitSelection = fitSelection
        self.skipNonFinite = skipNonFinite
        self.dumpPaths = dumpPaths
        self.classes = classes
        self.method = method
        self.splits = splits
        self.selection = selection
        self.wordnetDirectory = wordnetDirectory
    }

    /// The split that fits a qr-pca projection's PCA.
    public static let trainingSplit = "train"

    /// The rows of `split` that become points: ``selection``, or under `--compat paper-code` without
    /// `--per-class` the paper's first 150 train / 50 other rows per class.
    public func pointSelection(split: String) -> SampleSelection {
        if compat == .paperCode, selection == .all { return .firstPerClass(ProjectionCompat.paperRows(split: split)) }
        return selection
    }

    /// The train rows that fit a qr-pca PCA: `--fit-per-class`, else the train points' own selection.
    public var trainingFitSelection: SampleSelection {
        fitSelection ?? pointSelection(split: ProjectionRequest.trainingSplit)
    }
}

/// The rows of the three classes read from one split.
struct ClassRows {
    var features: [[Float]] = [[], [], []]
    var sampleIndex: [[Int64]] = [[], [], []]
    var accumulator: CentroidAccumulator
    /// Rows of the three classes that held NaN or infinity (left out, or the reason for a refusal).
    var nonFinite = 0

    init(dim: Int) throws { accumulator = try CentroidAccumulator(classCount: 3, dim: dim) }

    /// Selected rows as one `n × dim` array, class by class, with their class positions and sample indices.
    func selected(_ selection: SampleSelection, dim: Int) -> (features: [Float], classes: [Int], sampleIndex: [Int64]) {
        var features: [Float] = [], classes: [Int] = [], indices: [Int64] = []
        for c in 0..<3 {
            for i in selection.select(sampleIndex: sampleIndex[c], classPosition: c) {
                features += rowFeatures(of: c, row: i, dim: dim)
                classes.append(c)
                indices.append(sampleIndex[c][i])
            }
        }
        return (features, classes, indices)
    }

    private func rowFeatures(of c: Int, row i: Int, dim: Int) -> ArraySlice<Float> {
        self.features[c][i * dim ..< (i + 1) * dim]
    }

    /// The class means (Double) of the selected rows only, one per class: the paper's code's centroids.
    func selectedCentroids(_ selection: SampleSelection, dim: Int) -> [[Double]] {
        (0..<3).map { c in
            let rows = selection.select(sampleIndex: sampleIndex[c], classPosition: c)
            var sum = [Double](repeating: 0, count: dim)
            for i in rows {
                for j in 0..<dim { sum[j] += Double(features[c][i * dim + j]) }
            }
            return sum.map { $0 / Double(rows.count) }
        }
    }

    /// The class means (Double) of all rows read, one per class.
    func centroids(dim: Int) -> [[Double]] {
        let c = accumulator.centroids()
        return (0..<3).map { k in Array(c.values[k * dim ..< (k + 1) * dim]) }
    }
}

extension ProjectionRequest {
    /// Runs the request: resolves the classes, reads only their rows, projects, and returns the
    /// file content (``ProjectionFile``) with `provenance` recorded.
    public func run(provenance: Provenance) throws -> ProjectionFile {
        let dump = try Dump.openInput(dumpPaths, partial: partial)
        let path = dumpPaths[0]
        let resolution = try classResolution(dump: dump, path: path)
        let indices = try resolveClasses(resolution, path: path)
        let names = indices.map(resolution.name)
        let wnids = indices.map(resolution.id)
        let splits = self.splits.isEmpty ? dump.splitNames : self.splits
        for name in splits where !dump.splitNames.contains(name) {
            throw InputError(file: path, object: "/splits/\(name)", message: "no such split",
                             fix: "the dump has \(dump.splitNames.joined(separator: ", "))")
        }
        let (weight, bias) = try dump.classifier()
        let dim = dump.dim
        let templates: [[Double]]
        do {
            templates = compat == .paperCode
                ? try paperCodeTemplates(weight: weight, bias: bias, dim: dim, classes: indices)
                : try augmentedTemplates(weight: weight, bias: bias, dim: dim, classes: indices)
        } catch { throw InputError(file: path, object: "/classifier", message: "\(error)") }

        var cache: [String: ClassRows] = [:]
        func rows(_ split: String) throws -> ClassRows {
            if let cached = cache[split] { return cached }
            let read = try readRows(dump: dump, split: split, indices: indices, path: path)
            cache[split] = read
            return read
        }

        /// Every requested split through one projection: the selected rows, and the class centroids
        /// of all rows (the same for muller and qr-pca; only the fitted projection differs).
        func projectSplits(features project: ([Float]) throws -> [SIMD2<Double>],
                           point projectPoint: ([Double]) -> SIMD2<Double>) throws -> [ProjectedSplit] {
            try splits.map { split in
                let r = try rows(split)
                let chosen = r.selected(pointSelection(split: split), dim: dim)
                let centroids = compat == .paperCode ? r.selectedCentroids(pointSelection(split: split), dim: dim) : r.centroids(dim: dim)
                return ProjectedSplit(
                    name: split, points: try project(chosen.features), classes: chosen.classes,
                    sampleIndex: chosen.sampleIndex, centroids: centroids.map(projectPoint))
            }
        }

        let projected: [ProjectedSplit]
        var basis: [[Double]], origin: [Double]?, pcaMean: [Double]?, pcaAxes: [[Double]]?
        var conventions: [(String, String)] = [("method", method.rawValue)]
        switch method {
        case .muller:
            if compat == .paperCode {
                throw InputError(file: path, object: "--compat", message: "paper-code reproduces the paper's qr-pca figure",
                                 fix: "use --method qr-pca")
            }
            let projection: MullerProjection
            do { projection = try MullerProjection(templates: templates, classes: indices) }
            catch { throw InputError(file: path, object: "/classifier", message: "\(error)") }
            basis = projection.axes
            origin = projection.origin
            projected = try projectSplits(features: projection.project(features:), point: projection.project(point:))
            conventions += [
                ("origin", "the templates' centroid (t1 + t2 + t3)/3 of the augmented templates [W_k, b_k]"),
                ("axis_1", "unit vector from template 1 to template 2"),
                ("axis_2", "Gram-Schmidt of t3 - t1 against axis 1: template 3 has a positive second coordinate"),
            ]
        case .qrPCA:
            guard dump.splitNames.contains(ProjectionRequest.trainingSplit) else {
                throw InputError(file: path, object: "/splits/train", message: "missing; qr-pca fits its PCA on the train split",
                                 fix: compat == .paperCode ? "--compat paper-code needs a train split as well" : "use --method muller")
            }
            let train = try rows(ProjectionRequest.trainingSplit)
            let fit = train.selected(trainingFitSelection, dim: dim)
            let fitCentroids = compat == .paperCode ? train.selectedCentroids(trainingFitSelection, dim: dim) : train.centroids(dim: dim)
            let projection: QRPCAProjection
            do {
                projection = try QRPCAProjection(templates: templates, classes: indices, trainingFeatures: fit.features,
                                                 trainingCentroids: fitCentroids,
                                                 convention: compat == .paperCode ? .paperCode : .documented)
            } catch { throw InputError(file: path, object: "/classifier", message: "\(error)") }
            basis = projection.basis
            pcaMean = [projection.mean.x, projection.mean.y, projection.mean.z]
            pcaAxes = projection.principalAxes.map { [$0.x, $0.y, $0.z] }
            projected = try projectSplits(features: projection.project(features:), point: projection.project(point:))
            if compat == .paperCode {
                conventions += [
                    ("compat", "paper-code: the paper's released visualisation code reproduced exactly, its bias bug and sign conventions included"),
                    ("basis", "reduced QR of the augmented templates as LAPACK's Householder QR gives it (numpy.linalg.qr): R's diagonal may be negative"),
                    ("pca_fit", "train split only: \(trainingFitSelection.description) of train plus the three centroids of those rows; applied unchanged to every split"),
                    ("pca_signs", "sklearn svd_flip, u-based: each principal axis signed so that the fitted point with the largest-magnitude score scores positive"),
                ]
            } else {
                conventions += [
                    ("basis", "reduced QR of the augmented templates [W_k, b_k] with R's diagonal positive"),
                    ("pca_fit", "train split only: \(trainingFitSelection.description) of train plus the three train centroids; applied unchanged to every split"),
                    ("pca_signs", "each principal axis flipped so that its largest-magnitude component is positive"),
                ]
            }
        }
        if compat == .paperCode {
            let perSplit = splits.map { "\($0): \(pointSelection(split: $0).description)" }.joined(separator: "; ")
            conventions += [
                ("bias", "the biases of classes 0, 1, 2 with the plotted classes' weights (the paper's code's bug, reproduced)"),
                ("samples", perSplit),
                ("centroids", "mean of the selected rows of the class in that split (the paper's code), projected like the points"),
            ]
        } else {
            conventions += [
                ("bias", "each plotted class's own bias (the paper's code took the biases of classes 0, 1, 2)"),
                ("samples", selection.description),
                ("centroids", "mean of all rows of the class in that split (not only the selected ones), projected like the points"),
            ]
        }
        if skipNonFinite {
            let counts = cache.keys.sorted().map { "\($0): \(cache[$0]!.nonFinite)" }.joined(separator: ", ")
            conventions.append(("nonfinite_rows", "rows holding NaN or infinity left out (--skip-nonfinite), per split: \(counts)"))
        }
        let conventionsJSON = OrderedJSONEncoder().encode(JSONValue.object(conventions.map { ($0.0, .string($0.1)) }))
        var provenance = provenance
        for (name, value) in conventions { provenance.setConvention(name, value) }
        for split in splits where dump.isPartial || !dump.isUnsharded {
            provenance.setConvention("coverage_\(split)", CentroidCoverage(dump: dump, reader: try dump.split(split)).summary)
        }

        return ProjectionFile(method: method, wnids: wnids, names: names, classIndices: indices, basis: basis,
                              origin: origin, pcaMean: pcaMean, pcaAxes: pcaAxes, conventions: conventionsJSON,
                              provenance: provenance.json(), sourcePath: path, source: ModelDescription(dump.attributes).texts,
                              splits: projected)
    }

    /// The dump's classes resolved as `eta` resolves them (``ClassResolution``): the same text names
    /// the same class in both tools. WordNet is opened only when the dump lists wnids, and needed only
    /// for a lemma the dump's own list does not hold.
    func classResolution(dump: Dump, path: String) throws -> ClassResolution {
        try ClassResolution(classes: dump.classes, file: path,
                            wordNet: try hierarchyFile.map { try CustomHierarchy(contentsOf: $0) } ?? WordNet(directory: wordnetDirectory))
    }

    /// Class indices for the three ids (``ClassResolution/index(of:)``): three different classes.
    func resolveClasses(_ resolution: ClassResolution, path: String) throws -> [Int] {
        guard classes.count == 3 else {
            throw InputError(file: path, object: "--classes", message: "\(classes.count) classes given, a projection needs exactly 3")
        }
        let indices = try classes.map { text in
            do { return try resolution.index(of: text) } catch let error as TaxonomyError {
                throw InputError(file: path, object: "--classes", message: "\(error)")
            }
        }
        for i in 0..<3 {
            for j in (i + 1)..<3 where indices[i] == indices[j] {
                throw InputError(file: path, object: "--classes",
                                 message: "\"\(classes[i])\" and \"\(classes[j])\" are the same class (\(resolution.classes.label(indices[i])))",
                                 fix: "give three different classes")
            }
        }
        return indices
    }

    /// Reads only the three classes' rows of `split`, keeping features and sample indices and
    /// accumulating the centroids of all of them.
    func readRows(dump: Dump, split: String, indices: [Int], path: String) throws -> ClassRows {
        let reader = try dump.split(split)
        var rows = try ClassRows(dim: reader.dim)
        let position = Dictionary(uniqueKeysWithValues: indices.enumerated().map { ($0.element, $0.offset) })
        var seen = 0
        try reader.forEachBlock(classes: Set(indices)) { block in
            for r in 0..<block.rowCount {
                guard let c = position[Int(block.labels[r])] else { continue }
                let row = block.features[r * block.dim ..< (r + 1) * block.dim]
                if !row.allSatisfy(\.isFinite) {
                    rows.nonFinite += 1
                    continue
                }
                rows.features[c] += row
                // Without stored sample indices, the row's position among the delivered rows stands in.
                rows.sampleIndex[c].append(block.sampleIndex?[r] ?? Int64(seen + r))
                try rows.accumulator.add(row: Array(row), label: c)
            }
            seen += block.rowCount
        }
        if rows.nonFinite > 0 && !skipNonFinite {
            throw InputError(file: dump.paths.joined(separator: ", "), object: "/splits/\(split)/features",
                             message: "\(rows.nonFinite) row(s) of the three classes hold NaN or infinity",
                             fix: "pass --skip-nonfinite to leave them out")
        }
        for c in 0..<3 where rows.sampleIndex[c].isEmpty {
            throw InputError(file: path, object: "/splits/\(split)",
                             message: "class \(dump.classes.label(indices[c])) has no rows in this split")
        }
        return rows
    }
}
