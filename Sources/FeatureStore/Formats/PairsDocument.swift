import Foundation
import PlainText

/// `x`, or nil when JSON cannot hold it: a document holds what its file reads back as.
private func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }

/// The `penultimate-pairs` JSON document, version 1 (`eta pairs --format json` writes it, `plot
/// --pairs` reads it; one type for both): the relative change r = (d₂ − d₁)/d₁ of the normalised
/// centroid distance of every pair of classes between a student at T1 and one at T2, summarised
/// per group of pairs (how related the two classes are).
///
/// Keys, in the order the writer puts them: `format`, `format_version`, `tool`, `version`,
/// `provenance`, `conventions`, `t1`, `t2`, `pair_count`, `groups`, `pairs` (null unless the pair
/// list was written: by default when the classes are at most 100, or with `--pairs-list`; one pair
/// a line). Values are fractions. A group's `value` is null for pairs whose classes share no
/// ancestor; `lower`/`upper` are null without a bootstrap; a number JSON cannot hold is null.
public struct PairsDocument: Codable, Sendable, Equatable {
    /// The format name this document carries.
    public static let format = "penultimate-pairs"
    /// The version written and read.
    public static let formatVersion: Int64 = 1

    /// Classes left out of every pair because a model has no rows of them in the split.
    public struct Excluded: Codable, Sendable, Equatable {
        public var path: String
        public var split: String
        public var classes: [String]

        public init(path: String, split: String, classes: [String]) {
            self.path = path
            self.split = split
            self.classes = classes
        }
    }

    /// Which rows of one input were read (``CentroidCoverage/summary``).
    public struct Coverage: Codable, Sendable, Equatable {
        public var path: String
        public var summary: String

        public init(path: String, summary: String) {
            self.path = path
            self.summary = summary
        }
    }

    /// Rows of one input left out as not finite (`--skip-nonfinite`).
    public struct SkippedRows: Codable, Sendable, Equatable {
        public var path: String
        public var rows: Int

        public init(path: String, rows: Int) {
            self.path = path
            self.rows = rows
        }
    }

    /// How the numbers were made.
    public struct Conventions: Codable, Sendable, Equatable {
        public var normalize: String
        public var unit: String
        public var split: String
        public var by: String
        public var relatedness: String
        public var scale_t1: Double?
        public var scale_t2: Double?
        public var classes: Int
        /// Null without a bootstrap.
        public var bootstrap: EtaDocument.Bootstrap?
        public var classes_without_rows: [Excluded]
        /// Written only where an input was sharded, partial or centroid files.
        public var coverage: [Coverage]?
        /// Written only where rows were skipped.
        public var skipped_rows: [SkippedRows]?

        public init(normalize: String, unit: String, split: String, by: String, relatedness: String, scale_t1: Double,
                    scale_t2: Double, classes: Int, bootstrap: EtaDocument.Bootstrap?, classes_without_rows: [Excluded],
                    coverage: [Coverage]?, skipped_rows: [SkippedRows]?) {
            self.normalize = normalize
            self.unit = unit
            self.split = split
            self.by = by
            self.relatedness = relatedness
            self.scale_t1 = finite(scale_t1)
            self.scale_t2 = finite(scale_t2)
            self.classes = classes
            self.bootstrap = bootstrap
            self.classes_without_rows = classes_without_rows
            self.coverage = coverage
            self.skipped_rows = skipped_rows
        }

        enum CodingKeys: String, CodingKey {
            case normalize, unit, split, by, relatedness, scale_t1, scale_t2, classes, bootstrap, classes_without_rows,
                 coverage, skipped_rows
        }

        public func encode(to encoder: any Encoder) throws {
            var keyed = encoder.container(keyedBy: CodingKeys.self)
            try keyed.encode(normalize, forKey: .normalize)
            try keyed.encode(unit, forKey: .unit)
            try keyed.encode(split, forKey: .split)
            try keyed.encode(by, forKey: .by)
            try keyed.encode(relatedness, forKey: .relatedness)
            try keyed.encodeIfPresent(scale_t1, forKey: .scale_t1)
            try keyed.encodeIfPresent(scale_t2, forKey: .scale_t2)
            try keyed.encode(classes, forKey: .classes)
            try keyed.encodeIfPresent(bootstrap, forKey: .bootstrap)
            try keyed.encode(classes_without_rows, forKey: .classes_without_rows)
            if let coverage { try keyed.encode(coverage, forKey: .coverage) }
            if let skipped_rows { try keyed.encode(skipped_rows, forKey: .skipped_rows) }
        }
    }

    /// One group of pairs.
    public struct Group: Codable, Sendable, Equatable {
        /// "lca-depth" or "path".
        public var by: String
        /// The LCA depth or path length; nil for pairs with no common ancestor.
        public var value: Int?
        public var pairs: Int
        public var mean_change: Double?
        public var median_change: Double?
        public var lower: Double?
        public var upper: Double?

        public init(by: String, value: Int?, pairs: Int, mean_change: Double, median_change: Double, lower: Double?, upper: Double?) {
            self.by = by
            self.value = value
            self.pairs = pairs
            self.mean_change = finite(mean_change)
            self.median_change = finite(median_change)
            self.lower = finite(lower)
            self.upper = finite(upper)
        }
    }

    /// One pair.
    public struct Pair: Codable, Sendable, Equatable {
        public var a: String
        public var b: String
        public var lca_depth: Int?
        public var path: Int?
        public var d1: Double?
        public var d2: Double?
        public var change: Double?

        public init(a: String, b: String, lca_depth: Int?, path: Int?, d1: Double, d2: Double, change: Double) {
            self.a = a
            self.b = b
            self.lca_depth = lca_depth
            self.path = path
            self.d1 = finite(d1)
            self.d2 = finite(d2)
            self.change = finite(change)
        }
    }

    public var tool: String?
    public var version: String?
    /// The run's provenance record (ToolSupport's `Provenance`), or null.
    public var provenance: JSONFragment?
    public var conventions: Conventions
    /// The students (``ModelDescription``), as the eta document names its models.
    public var t1: EtaDocument.Model
    public var t2: EtaDocument.Model
    public var pair_count: Int
    public var groups: [Group]
    /// Null unless the pair list was written.
    public var pairs: [Pair]?

    public init(tool: String, version: String, provenance: JSONFragment?, conventions: Conventions, t1: EtaDocument.Model,
                t2: EtaDocument.Model, pair_count: Int, groups: [Group], pairs: [Pair]?) {
        self.tool = tool
        self.version = version
        self.provenance = provenance
        self.conventions = conventions
        self.t1 = t1
        self.t2 = t2
        self.pair_count = pair_count
        self.groups = groups
        self.pairs = pairs
    }

    enum CodingKeys: String, CodingKey { case tool, version, provenance, conventions, t1, t2, pair_count, groups, pairs }

    public func encode(to encoder: any Encoder) throws {
        try JSONDocument.encodeHeader(format: Self.format, version: Self.formatVersion, to: encoder)
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encodeIfPresent(tool, forKey: .tool)
        try keyed.encodeIfPresent(version, forKey: .version)
        try keyed.encodeIfPresent(provenance, forKey: .provenance)
        try keyed.encode(conventions, forKey: .conventions)
        try keyed.encode(t1, forKey: .t1)
        try keyed.encode(t2, forKey: .t2)
        try keyed.encode(pair_count, forKey: .pair_count)
        try keyed.encode(groups, forKey: .groups)
        try keyed.encodeIfPresent(pairs, forKey: .pairs)
    }

    /// The layout of the file: one line, but the pair list one pair a line, unindented.
    public static let layout = OrderedJSONEncoder.Layout(itemsOnLines: ["pairs"], itemIndent: 0)

    /// The document as the file holds it, ending with a newline.
    public func text() throws -> String { try OrderedJSONEncoder(layout: Self.layout).encode(self) + "\n" }

    /// Reads and checks the document at `path` (format and version first, then every key).
    public static func read(path: String) throws(InputError) -> PairsDocument {
        try JSONDocument.decode(PairsDocument.self, from: JSONDocument.contents(of: path), path: path, format: format,
                                supported: [formatVersion], fix: "give the JSON output of `eta pairs --format json`")
    }
}
