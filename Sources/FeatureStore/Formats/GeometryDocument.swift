import Foundation
import PlainText

/// The `geometry --format json` document (`penultimate-geometry`, version 1): per model and split,
/// each class's spread, nearest other class and their ratio, and the model's within/between ratio.
///
/// Written by ``json()`` with ``JSONText`` pieces (fixed key order); read back by
/// ``read(path:)`` through ``JSONDocument``, which checks the format and version first. A value
/// that is not defined (the spread of a class with one row) is `null`, never NaN.
public struct GeometryDocument: Codable, Sendable, Equatable {
    /// The `format` member.
    public static let formatName = "penultimate-geometry"
    /// The version this code writes and reads.
    public static let formatVersion: Int64 = 1

    /// One class's numbers.
    public struct ClassRow: Codable, Sendable, Equatable {
        /// The class id (wnid, else the dump's name).
        public var classID: String
        /// The dump's name for the class, when it stores names.
        public var name: String?
        /// Rows of the class in the split.
        public var rows: Int
        /// √(mean ‖x − c‖²); null for fewer than two rows.
        public var spread: Double?
        /// The nearest other class's id; null for a class without rows.
        public var nearest: String?
        /// Distance between the two centroids.
        public var nearestDistance: Double?
        /// spread / nearest_distance.
        public var ratio: Double?

        public init(classID: String, name: String?, rows: Int, spread: Double?, nearest: String?,
                    nearestDistance: Double?, ratio: Double?) {
            self.classID = classID
            self.name = name
            self.rows = rows
            self.spread = spread
            self.nearest = nearest
            self.nearestDistance = nearestDistance
            self.ratio = ratio
        }

        enum CodingKeys: String, CodingKey {
            case classID = "class", name, rows, spread, nearest, nearestDistance = "nearest_distance", ratio
        }
    }

    /// The model-wide numbers of one split.
    public struct Summary: Codable, Sendable, Equatable {
        /// within / between (trace form, weighted by rows).
        public var withinBetween: Double
        /// Σ_c Σᵢ ‖xᵢ − c‖² / N.
        public var within: Double
        /// Σ_c n_c ‖c − μ‖² / N.
        public var between: Double
        /// Mean of the classes' ratios; null when no class has one.
        public var meanRatio: Double?
        /// N.
        public var rows: Int
        /// Classes measured (the universe).
        public var classes: Int
        /// Classes with a ratio (in the mean).
        public var classesWithRatio: Int

        public init(withinBetween: Double, within: Double, between: Double, meanRatio: Double?, rows: Int,
                    classes: Int, classesWithRatio: Int) {
            self.withinBetween = withinBetween
            self.within = within
            self.between = between
            self.meanRatio = meanRatio
            self.rows = rows
            self.classes = classes
            self.classesWithRatio = classesWithRatio
        }

        enum CodingKeys: String, CodingKey {
            case withinBetween = "within_between", within, between, meanRatio = "mean_ratio", rows, classes
            case classesWithRatio = "classes_with_ratio"
        }
    }

    /// One model (a dump file or manifest) on one split.
    public struct Model: Codable, Sendable, Equatable {
        /// The dump as given on the command line.
        public var file: String
        /// The split measured.
        public var split: String
        /// The dump's model attributes.
        public var model: String
        public var role: String
        public var lsAlpha: Double
        public var teacherLSAlpha: Double?
        public var kdTemperature: Double?
        /// What part of a sharded dump was read; null for one whole file.
        public var coverage: String?
        public var summary: Summary
        /// The measured classes, in class-index order.
        public var classes: [ClassRow]

        public init(file: String, split: String, source: ModelDescription, coverage: String?, summary: Summary, classes: [ClassRow]) {
            self.file = file
            self.split = split
            model = source.model
            role = source.role.rawValue
            lsAlpha = source.lsAlpha
            teacherLSAlpha = source.teacherLSAlpha
            kdTemperature = source.kdTemperature
            self.coverage = coverage
            self.summary = summary
            self.classes = classes
        }

        enum CodingKeys: String, CodingKey {
            case file, split, model, role, lsAlpha = "ls_alpha", teacherLSAlpha = "teacher_ls_alpha"
            case kdTemperature = "kd_temperature", coverage, summary, classes
        }
    }

    public var format: String
    public var formatVersion: Int64
    /// The provenance record, as written.
    public var provenance: JSONValue?
    /// How every number was defined (key → sentence), also in the provenance record.
    public var conventions: [String: String]
    public var models: [Model]

    public init(provenance: JSONValue?, conventions: [String: String], models: [Model]) {
        format = Self.formatName
        formatVersion = Self.formatVersion
        self.provenance = provenance
        self.conventions = conventions
        self.models = models
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", provenance, conventions, models
    }

    /// The document as JSON text (keys in a fixed order, conventions sorted by key), with
    /// `provenance` (``Provenance/json()``'s text) as its provenance member.
    public func json(provenance record: String) -> String {
        let string = JSONText.string
        func number(_ x: Double?) -> String { JSONText.number(x) }
        func optionalString(_ s: String?) -> String { s.map(string) ?? "null" }
        let conventionText = JSONText.object(conventions.keys.sorted().map { ($0, string(conventions[$0]!)) })
        let modelTexts = models.map { m -> String in
            let summary = JSONText.object([
                ("within_between", number(m.summary.withinBetween)), ("within", number(m.summary.within)),
                ("between", number(m.summary.between)), ("mean_ratio", number(m.summary.meanRatio)),
                ("rows", String(m.summary.rows)), ("classes", String(m.summary.classes)),
                ("classes_with_ratio", String(m.summary.classesWithRatio)),
            ])
            let rows = m.classes.map { c in
                "      " + JSONText.object([
                    ("class", string(c.classID)), ("name", optionalString(c.name)), ("rows", String(c.rows)),
                    ("spread", number(c.spread)), ("nearest", optionalString(c.nearest)),
                    ("nearest_distance", number(c.nearestDistance)), ("ratio", number(c.ratio)),
                ])
            }
            let head = JSONText.object([
                ("file", string(m.file)), ("split", string(m.split)), ("model", string(m.model)), ("role", string(m.role)),
                ("ls_alpha", number(m.lsAlpha)), ("teacher_ls_alpha", number(m.teacherLSAlpha)),
                ("kd_temperature", number(m.kdTemperature)), ("coverage", optionalString(m.coverage)),
                ("summary", summary),
            ])
            // The head object without its closing brace, then the classes.
            return "    " + String(head.dropLast()) + ", \"classes\": [\n" + rows.joined(separator: ",\n") + "\n    ]}"
        }
        return "{\"format\": \(string(Self.formatName)), \"format_version\": \(Self.formatVersion),\n"
            + "  \"provenance\": \(record),\n"
            + "  \"conventions\": \(conventionText),\n"
            + "  \"models\": [\n" + modelTexts.joined(separator: ",\n") + "\n  ]}\n"
    }

    /// Reads and checks the document at `path`: format and version, then every number (finite,
    /// not negative; ratios and spreads present exactly where the class has the rows for them).
    public static func read(path: String) throws(InputError) -> GeometryDocument {
        let document = try JSONDocument.decode(GeometryDocument.self, from: JSONDocument.contents(of: path), path: path,
                                               format: formatName, supported: [formatVersion])
        try document.check(path: path)
        return document
    }

    /// Throws for numbers no `geometry` run writes: negative or non-finite values, a ratio without
    /// a spread, no models, a model without classes.
    func check(path: String) throws(InputError) {
        guard !models.isEmpty else { throw InputError(file: path, object: "models", message: "is empty") }
        for (i, m) in models.enumerated() {
            let s = m.summary
            for (key, value) in [("within_between", s.withinBetween), ("within", s.within), ("between", s.between)]
            where !(value.isFinite && value >= 0) {
                throw InputError(file: path, object: "models[\(i)].summary.\(key)", message: "\(value) is not a non-negative number")
            }
            if let r = s.meanRatio, !(r.isFinite && r >= 0) {
                throw InputError(file: path, object: "models[\(i)].summary.mean_ratio", message: "\(r) is not a non-negative number")
            }
            guard !m.classes.isEmpty else { throw InputError(file: path, object: "models[\(i)].classes", message: "is empty") }
            for (j, c) in m.classes.enumerated() {
                let at = "models[\(i)].classes[\(j)]"
                guard c.rows >= 0 else { throw InputError(file: path, object: "\(at).rows", message: "is negative") }
                for (key, value) in [("spread", c.spread), ("nearest_distance", c.nearestDistance), ("ratio", c.ratio)] {
                    if let value, !(value.isFinite && value >= 0) {
                        throw InputError(file: path, object: "\(at).\(key)", message: "\(value) is not a non-negative number")
                    }
                }
                if (c.spread == nil) != (c.rows < 2) {
                    throw InputError(file: path, object: "\(at).spread", message: c.rows < 2 ? "given for a class with \(c.rows) row(s)" : "missing for a class with \(c.rows) rows")
                }
                if (c.ratio == nil) != (c.spread == nil || c.nearestDistance == nil) {
                    throw InputError(file: path, object: "\(at).ratio", message: "does not match spread and nearest_distance")
                }
            }
        }
    }
}
