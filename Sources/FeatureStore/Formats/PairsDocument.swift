import Foundation

/// The `penultimate-pairs` JSON document, version 1 (`eta pairs --format json`): the relative
/// change r = (d₂ − d₁)/d₁ of the normalised centroid distance of every pair of classes between a
/// student at T1 and one at T2, summarised per group of pairs (how related the two classes are).
///
/// Keys, in the order the writer puts them: `format`, `format_version`, `tool`, `version`,
/// `provenance`, `conventions`, `t1`, `t2`, `pair_count`, `groups`, `pairs` (null unless the pair
/// list was written: by default when the classes are at most 100, or with `--pairs-list`).
/// Values are fractions. A group's `value` is null for pairs whose classes share no ancestor;
/// `lower`/`upper` are null without a bootstrap.
public struct PairsDocument: Codable, Sendable, Equatable {
    /// The format name this document carries.
    public static let format = "penultimate-pairs"

    /// One student.
    public struct Model: Codable, Sendable, Equatable {
        public var path: String
        public var model: String
        public var role: String
        public var ls_alpha: Double?
        public var kd_temperature: Double?
        public var teacher_ls_alpha: Double?
    }

    /// The bootstrap's settings.
    public struct BootstrapSettings: Codable, Sendable, Equatable {
        public var replicates: Int
        public var seed: UInt64
        public var level: Double
        public var weights: String
        public var paired: Bool
    }

    /// Classes left out of every pair because a model has no rows of them in the split.
    public struct Excluded: Codable, Sendable, Equatable {
        public var path: String
        public var split: String
        public var classes: [String]
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
        public var bootstrap: BootstrapSettings?
        public var classes_without_rows: [Excluded]
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
    }

    public var format: String
    public var format_version: Int
    public var tool: String?
    public var version: String?
    public var conventions: Conventions
    public var t1: Model
    public var t2: Model
    public var pair_count: Int
    public var groups: [Group]
    public var pairs: [Pair]?

    /// Reads and checks the document at `path` (format and version first, then every key).
    public static func read(path: String) throws(InputError) -> PairsDocument {
        try JSONDocument.decode(PairsDocument.self, from: JSONDocument.contents(of: path), path: path, format: format,
                                fix: "give the JSON output of `eta pairs --format json`")
    }
}
