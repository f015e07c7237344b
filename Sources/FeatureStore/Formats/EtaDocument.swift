import PlainText

/// `x`, or nil when JSON cannot hold it: a document holds what its file reads back as.
private func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

/// The `penultimate-eta` document (version 1): what `eta --format json` writes and `plot --eta`
/// reads, one type for both (`OrderedJSONEncoder` writes it, ``JSONDocument`` reads it).
///
/// Keys keep the order and spelling of the committed outputs. The writer fills every field; a
/// reader needs only `rows` with `target`, `split` and the two η values, so the other fields are
/// optional (hand-written and older reports read). A null η or interval end is a value JSON could
/// not hold (non-finite).
public struct EtaDocument: Codable, Sendable, Equatable {
    /// The value of `format`.
    public static let formatName = "penultimate-eta"
    /// The version written and read.
    public static let formatVersion: Int64 = 1

    /// A model as the report names it: its input path and attributes (``ModelDescription``).
    public struct Model: Codable, Sendable, Equatable {
        public var path: String?
        public var model: String?
        public var role: String?
        public var lsAlpha: Double?
        public var kdTemperature: Double?
        public var teacherLSAlpha: Double?
        enum CodingKeys: String, CodingKey {
            case path, model, role, lsAlpha = "ls_alpha", kdTemperature = "kd_temperature", teacherLSAlpha = "teacher_ls_alpha"
        }

        /// The entry of the model at `path` described by `description`.
        public init(path: String, _ description: ModelDescription) {
            self.path = path
            model = description.model
            role = description.role.rawValue
            lsAlpha = description.lsAlpha
            kdTemperature = description.kdTemperature
            teacherLSAlpha = description.teacherLSAlpha
        }
    }

    /// The bootstrap's settings.
    public struct Bootstrap: Codable, Sendable, Equatable {
        public var replicates: Int?
        public var seed: UInt64?
        public var level: Double?
        public var weights: String?
        public var paired: Bool?

        public init(replicates: Int, seed: UInt64, level: Double, weights: String, paired: Bool) {
            self.replicates = replicates
            self.seed = seed
            self.level = level
            self.weights = weights
            self.paired = paired
        }
    }

    /// Classes of one input and split that have no rows, and what that does to η.
    public struct ClassesWithoutRows: Codable, Sendable, Equatable {
        public var path: String, split: String, classes: [String], effect: String

        public init(path: String, split: String, classes: [String], effect: String) {
            self.path = path
            self.split = split
            self.classes = classes
            self.effect = effect
        }
    }

    /// Which rows of one input and split were read (``CentroidCoverage/summary``).
    public struct Coverage: Codable, Sendable, Equatable {
        public var path: String, split: String, summary: String

        public init(path: String, split: String, summary: String) {
            self.path = path
            self.split = split
            self.summary = summary
        }
    }

    /// The conventions η was computed under.
    public struct Conventions: Codable, Sendable, Equatable {
        public var normalize: String?
        /// "fraction" or "percent": the unit of every η and interval end.
        public var unit: String?
        public var s1Rule: String?
        public var s2Rule: String?
        /// The splits, comma-separated.
        public var split: String?
        /// Null without a bootstrap.
        public var bootstrap: Bootstrap?
        public var classesWithoutRows: [ClassesWithoutRows]?
        /// Written only where there is something to say (shards, repeats dropped, partial input,
        /// centroid files), so one-file reports keep their shape.
        public var coverage: [Coverage]?
        enum CodingKeys: String, CodingKey {
            case normalize, unit, s1Rule = "s1_rule", s2Rule = "s2_rule", split, bootstrap,
                 classesWithoutRows = "classes_without_rows", coverage
        }

        public init(normalize: String, unit: String, s1Rule: String, s2Rule: String, split: String, bootstrap: Bootstrap?,
                    classesWithoutRows: [ClassesWithoutRows], coverage: [Coverage]?) {
            self.normalize = normalize
            self.unit = unit
            self.s1Rule = s1Rule
            self.s2Rule = s2Rule
            self.split = split
            self.bootstrap = bootstrap
            self.classesWithoutRows = classesWithoutRows
            self.coverage = coverage
        }

        public func encode(to encoder: any Encoder) throws {
            var keyed = encoder.container(keyedBy: CodingKeys.self)
            try keyed.encodeIfPresent(normalize, forKey: .normalize)
            try keyed.encodeIfPresent(unit, forKey: .unit)
            try keyed.encodeIfPresent(s1Rule, forKey: .s1Rule)
            try keyed.encodeIfPresent(s2Rule, forKey: .s2Rule)
            try keyed.encodeIfPresent(split, forKey: .split)
            try keyed.encodeIfPresent(bootstrap, forKey: .bootstrap)
            try keyed.encodeIfPresent(classesWithoutRows, forKey: .classesWithoutRows)
            if let coverage { try keyed.encode(coverage, forKey: .coverage) }
        }
    }

    /// One target in one split (and T2 model).
    public struct Row: Codable, Sendable, Equatable {
        /// Target id and display name.
        public var target: String
        public var targetName: String?
        public var split: String
        /// The temperatures compared.
        public var t1: Double?, t2: Double?
        /// η(S1), η(S2) in the report's unit; null when not finite.
        public var etaS1: Double?, etaS2: Double?
        /// Bootstrap intervals `[low, high]`, null without a bootstrap.
        public var ciS1: [Double?]?, ciS2: [Double?]?
        /// The members of S1 and S2 (class ids).
        public var s1: [String]?, s2: [String]?
        /// η(S1) < 0 and η(S2) > 0.
        public var diffusion: Bool?
        enum CodingKeys: String, CodingKey {
            case target, targetName = "target_name", split, t1, t2, etaS1 = "eta_s1", etaS2 = "eta_s2",
                 ciS1 = "ci_s1", ciS2 = "ci_s2", s1, s2, diffusion
        }

        public init(target: String, targetName: String, split: String, t1: Double?, t2: Double?, etaS1: Double, etaS2: Double,
                    ciS1: [Double]?, ciS2: [Double]?, s1: [String], s2: [String], diffusion: Bool) {
            self.target = target
            self.targetName = targetName
            self.split = split
            self.t1 = t1
            self.t2 = t2
            self.etaS1 = finite(etaS1)
            self.etaS2 = finite(etaS2)
            self.ciS1 = ciS1?.map(finite)
            self.ciS2 = ciS2?.map(finite)
            self.s1 = s1
            self.s2 = s2
            self.diffusion = diffusion
        }
    }

    /// `--targets all`: per split (and T2), how many targets show the pattern.
    public struct Summary: Codable, Sendable, Equatable {
        public struct Split: Codable, Sendable, Equatable {
            public var split: String, t2: Double?, targets: Int, diffusion: Int
            public var medianEtaS1: Double?, medianEtaS2: Double?
            public var skipped: Int
            enum CodingKeys: String, CodingKey {
                case split, t2, targets, diffusion, medianEtaS1 = "median_eta_s1", medianEtaS2 = "median_eta_s2", skipped
            }

            public init(split: String, t2: Double?, targets: Int, diffusion: Int, medianEtaS1: Double, medianEtaS2: Double, skipped: Int) {
                self.split = split
                self.t2 = t2
                self.targets = targets
                self.diffusion = diffusion
                self.medianEtaS1 = finite(medianEtaS1)
                self.medianEtaS2 = finite(medianEtaS2)
                self.skipped = skipped
            }
        }
        /// A target × split × T2 case left out, and why.
        public struct Skipped: Codable, Sendable, Equatable {
            public var target: String, split: String, t2: Double?, reason: String

            public init(target: String, split: String, t2: Double?, reason: String) {
                self.target = target
                self.split = split
                self.t2 = t2
                self.reason = reason
            }
        }
        public var perSplit: [Split]
        public var skipped: [Skipped]
        enum CodingKeys: String, CodingKey { case perSplit = "per_split", skipped }

        public init(perSplit: [Split], skipped: [Skipped]) {
            self.perSplit = perSplit
            self.skipped = skipped
        }
    }

    /// The tool and version that wrote the report.
    public var tool: String?, version: String?
    /// The run's provenance record (ToolSupport's `Provenance`), or null.
    public var provenance: JSONFragment?
    public var conventions: Conventions?
    /// The model at the lower temperature, and the (first) one at the higher.
    public var t1: Model?, t2: Model?
    /// Every T2 model of a sweep; written only for a sweep.
    public var t2Sweep: [Model]?
    /// The rows, by split, then T2 model, then target.
    public var rows: [Row]
    /// Written only under `--targets all`.
    public var summary: Summary?
    enum CodingKeys: String, CodingKey {
        case tool, version, provenance, conventions, t1, t2, t2Sweep = "t2_sweep", rows, summary
    }

    public init(tool: String, version: String, provenance: JSONFragment?, conventions: Conventions, t1: Model, t2: Model,
                t2Sweep: [Model]?, rows: [Row], summary: Summary?) {
        self.tool = tool
        self.version = version
        self.provenance = provenance
        self.conventions = conventions
        self.t1 = t1
        self.t2 = t2
        self.t2Sweep = t2Sweep
        self.rows = rows
        self.summary = summary
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONDocument.encodeHeader(format: Self.formatName, version: Self.formatVersion, to: encoder)
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encodeIfPresent(tool, forKey: .tool)
        try keyed.encodeIfPresent(version, forKey: .version)
        try keyed.encodeIfPresent(provenance, forKey: .provenance)
        try keyed.encodeIfPresent(conventions, forKey: .conventions)
        try keyed.encodeIfPresent(t1, forKey: .t1)
        try keyed.encodeIfPresent(t2, forKey: .t2)
        if let t2Sweep { try keyed.encode(t2Sweep, forKey: .t2Sweep) }
        try keyed.encode(rows, forKey: .rows)
        if let summary { try keyed.encode(summary, forKey: .summary) }
    }

    /// The document as the file holds it: one line, ending with a newline.
    public func text() throws -> String { try OrderedJSONEncoder().encode(self) + "\n" }

    /// Reads and checks the report at `path` (format and version first, then every key's type).
    public static func read(path: String) throws(InputError) -> EtaDocument {
        try JSONDocument.decode(EtaDocument.self, from: JSONDocument.contents(of: path), path: path, format: formatName,
                                supported: [formatVersion])
    }
}
