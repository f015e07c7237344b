import Analysis
import FeatureStore
import Foundation
import Taxonomy
import ToolSupport

/// `geometry`: how tight each class is and how far its nearest neighbour, per model and split, in
/// one streaming pass per split (the centroid pass, with the squared deviations taken alongside
/// the sums: ``CentroidPass/run(dump:split:rowNormalization:invalidRows:progress:tracksSpread:classes:)``).
///
/// The definitions are ``ClassGeometry``'s and the `Geometry` article's; ``conventions`` words them
/// for every output.
public struct GeometryRequest: Sendable {
    /// The models: each a dump file or a manifest over its shards.
    public var paths: [String]
    /// The splits to measure; empty for every split of each dump.
    public var splits: [String]
    /// The classes to measure, as a user typed them (index, wnid, name, WordNet lemma); nil for all.
    public var classes: [String]?
    /// Accept part of a sharded dump (the output says which part).
    public var partial: Bool
    /// Leave out rows holding NaN/Inf (counted) instead of refusing the dump.
    public var skipNonFinite: Bool

    public init(paths: [String], splits: [String] = [], classes: [String]? = nil, partial: Bool = false,
                skipNonFinite: Bool = false) {
        self.paths = paths
        self.splits = splits
        self.classes = classes
        self.partial = partial
        self.skipNonFinite = skipNonFinite
    }

    /// The definitions every output carries (JSON `conventions`, provenance conventions).
    public var conventions: [String: String] {
        [
            "spread": "s = sqrt(mean over the class's rows of ||x - c||^2), c the class centroid (divided by n); null for a class with fewer than 2 rows",
            "nearest": "the other measured class with rows whose centroid is closest (Euclidean); ties go to the lower class index; null for a class without rows",
            "ratio": "spread / nearest_distance; null where the spread is",
            "mean_ratio": "mean of ratio over the measured classes that have one (classes_with_ratio)",
            "within_between": "within / between, trace form weighted by rows: within = sum_c sum_i ||x_i - c_c||^2 / N, between = sum_c n_c ||c_c - mu||^2 / N, mu the mean of the N rows of the measured classes",
            "classes": classes.map { "the \($0.count) classes of --classes: nearest, mean_ratio and within_between among them only" }
                ?? "every class of the dump (classes without rows in a split are listed with null values)",
            "rows": "features as stored, no normalisation (ratios are scale-free); " + (skipNonFinite ? "rows holding NaN/Inf left out and counted" : "a split with rows holding NaN/Inf is refused"),
            "numerics": "one streaming pass in Double: per block and class the exact mean and squared deviations, combined by Chan et al.'s update M2 = M2a + M2b + ||delta||^2 na nb / n",
            "splits": "one model entry per file and split",
        ]
    }

    /// Measures every model and split.
    ///
    /// - Parameters:
    ///   - hierarchy: opened only when `--classes` names a class by a WordNet lemma.
    ///   - provenance: receives the conventions, coverage and skipped-row counts.
    ///   - showProgress: a progress line per split on stderr (when it is a terminal).
    public func run(hierarchy: @escaping () throws -> any Hierarchy, provenance: inout Provenance,
                    showProgress: Bool = true) throws -> GeometryDocument {
        for (key, value) in conventions.sorted(by: { $0.key < $1.key }) { provenance.setConvention(key, value) }
        var models: [GeometryDocument.Model] = []
        for path in paths {
            let dump = try Dump.openInput([path], partial: partial)
            let universe = try resolveClasses(dump: dump, path: path, hierarchy: hierarchy)
            for split in splits.isEmpty ? dump.splitNames : splits {
                let reader = try dump.split(split)
                guard reader.rows > 0 else { throw InputError.emptySplit(path: path, split: split) }
                let progress = showProgress ? ProgressMeter("\(path) \(split) rows", total: reader.rows) : nil
                let accumulator = try CentroidPass.run(dump: dump, split: split, invalidRows: skipNonFinite ? .skip : .refuse,
                                                       progress: progress, tracksSpread: true, classes: universe.map(Set.init))
                progress?.finish()
                let geometry: ClassGeometry
                let list = dump.classes
                do {
                    geometry = try ClassGeometry(accumulator, classes: universe, workers: SplitReader.defaultWorkerCount) { k in list.wnids?[k] ?? list.names?[k] ?? String(k) }
                } catch let error as AnalysisError {
                    throw InputError(file: path, object: "/splits/\(split)", message: Self.text(of: error))
                }
                var coverage: String? = nil
                if dump.isPartial || !dump.isUnsharded {
                    coverage = CentroidCoverage(dump: dump, reader: reader).summary
                    provenance.setConvention("coverage \(path) \(split)", coverage!)
                }
                if accumulator.skippedNonFinite > 0 {
                    provenance.setConvention("skipped rows \(path) \(split)", "\(accumulator.skippedNonFinite) (NaN/Inf)")
                }
                models.append(model(geometry, dump: dump, path: path, split: split, coverage: coverage))
            }
        }
        return GeometryDocument(provenance: nil, conventions: conventions, models: models)
    }

    /// The class indices `--classes` names in `dump` (nil for all), at least two, none twice.
    func resolveClasses(dump: Dump, path: String, hierarchy: @escaping () throws -> any Hierarchy) throws -> [Int]? {
        guard let classes else { return nil }
        let resolution = try ClassResolution(classes: dump.classes, file: path, wordNet: try hierarchy())
        var indices: [Int] = []
        for text in classes {
            let k: Int
            do { k = try resolution.index(of: text) } catch let error as TaxonomyError {
                throw InputError(file: path, object: "/classes", message: "--classes \"\(text)\": \(error)")
            }
            if let first = indices.firstIndex(of: k) {
                throw InputError(file: path, object: "/classes", message: "--classes names class \(resolution.id(k)) twice (\"\(classes[first])\" and \"\(text)\")")
            }
            indices.append(k)
        }
        guard indices.count >= 2 else {
            throw InputError(file: path, object: "/classes", message: "--classes names one class; nearest and within/between need at least two")
        }
        return indices
    }

    func model(_ g: ClassGeometry, dump: Dump, path: String, split: String, coverage: String?) -> GeometryDocument.Model {
        let list = dump.classes
        func id(_ k: Int) -> String { list.wnids?[k] ?? list.names?[k] ?? String(k) }
        let rows = g.classes.map { c in
            GeometryDocument.ClassRow(classID: id(c.classIndex), name: list.names?[c.classIndex], rows: c.rows, spread: c.spread,
                                      nearest: c.nearest.map(id), nearestDistance: c.nearestDistance, ratio: c.ratio)
        }
        let summary = GeometryDocument.Summary(withinBetween: g.withinBetween, within: g.within, between: g.between,
                                               meanRatio: g.meanRatio, rows: g.rows, classes: g.classes.count,
                                               classesWithRatio: g.ratioCount)
        return GeometryDocument.Model(file: path, split: split, source: ModelDescription(dump.attributes), coverage: coverage,
                                      summary: summary, classes: rows)
    }

    /// An analysis error's text without its `analysis: ` prefix (the file and split come first).
    static func text(of error: AnalysisError) -> String {
        var text = error.description
        if text.hasPrefix("analysis: ") { text.removeFirst("analysis: ".count) }
        if text.hasPrefix("class geometry: ") { text.removeFirst("class geometry: ".count) }
        return text
    }
}
