import Foundation
import PlainText

/// The `geometry --format json` document (`penultimate-geometry`, version 1): per model and split,
/// each class's spread, nearest other class and their ratio, and the model's within/between ratio.
///
/// One type for the writer and the reader: ``text()`` encodes it with `OrderedJSONEncoder` (keys in
/// the order of its `CodingKeys`, conventions sorted by key, every top-level key and every model
/// and class on a line of its own); ``read(path:)`` decodes it through ``JSONDocument``, which
/// checks the format and version first. A value that is not defined (the spread of a class with
/// one row) is `null`, never NaN.
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

    /// The run's provenance record (ToolSupport's `Provenance`), or null.
    public var provenance: JSONFragment?
    /// How every number was defined (key → sentence), also in the provenance record; written
    /// sorted by key.
    public var conventions: [String: String]
    public var models: [Model]

    public init(provenance: JSONFragment?, conventions: [String: String], models: [Model]) {
        self.provenance = provenance
        self.conventions = conventions
        self.models = models
    }

    enum CodingKeys: String, CodingKey { case provenance, conventions, models }

    /// A conventions key: any sentence's name.
    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONDocument.encodeHeader(format: Self.formatName, version: Self.formatVersion, to: encoder)
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encodeIfPresent(provenance, forKey: .provenance)
        // A dictionary's order is not stable: the conventions go sorted by key.
        var sentences = keyed.nestedContainer(keyedBy: Name.self, forKey: .conventions)
        for key in conventions.keys.sorted() { try sentences.encode(conventions[key]!, forKey: Name(stringValue: key)) }
        try keyed.encode(models, forKey: .models)
    }

    /// The file's layout: the header on the first line, each other top-level key on a line of its
    /// own, each model and each of its classes on a line of its own.
    public static let layout = OrderedJSONEncoder.Layout(lineBreakBefore: ["provenance", "conventions", "models"],
                                                          itemsOnLines: ["models", "classes"])

    /// The document as the file holds it, ending with a newline.
    public func text() throws -> String { try OrderedJSONEncoder(layout: Self.layout).encode(self) + "\n" }

    /// The document as the file holds it, with `record` (``Provenance/json()``'s text) as its
    /// provenance.
    public func json(provenance record: String) throws -> String {
        var document = self
        document.provenance = JSONFragment(record)
        return try document.text()
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
