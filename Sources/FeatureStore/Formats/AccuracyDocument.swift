import PlainText

/// The `penultimate-accuracy` document (version 1): what `accuracy --format json` writes and
/// `plot --accuracy` reads, one type for both (`OrderedJSONEncoder` writes it, ``JSONDocument``
/// reads it). The writer fills every field; a reader needs each row's `role` and `top1`, so the
/// other fields are optional (hand-written and older reports read).
///
/// Layout (kept byte for byte): the header on the first line, `provenance` on the second, then one
/// row a line.
public struct AccuracyDocument: Codable, Sendable, Equatable {
    /// The value of `format`.
    public static let formatName = "penultimate-accuracy"
    /// The version written and read.
    public static let formatVersion: Int64 = 1

    /// One model's accuracy on one split, in percent.
    public struct Row: Codable, Sendable, Equatable {
        /// The dump's path as given.
        public var path: String?
        /// The model's attributes (``ModelDescription``).
        public var model: String?
        public var role: String
        public var lsAlpha: Double?, teacherLSAlpha: Double?, kdTemperature: Double?
        public var split: String?
        /// Top-1 and top-k accuracy in percent (k = `top_k`: 5, or the class count when smaller).
        public var top1: Double
        public var top5: Double?
        public var topK: Int?
        /// Rows measured.
        public var rows: Int?
        enum CodingKeys: String, CodingKey {
            case path, model, role, lsAlpha = "ls_alpha", teacherLSAlpha = "teacher_ls_alpha", kdTemperature = "kd_temperature",
                 split, top1, top5, topK = "top_k", rows
        }

        public init(path: String, _ description: ModelDescription, split: String, top1: Double, top5: Double, topK: Int, rows: Int) {
            self.path = path
            model = description.model
            role = description.role.rawValue
            lsAlpha = description.lsAlpha
            teacherLSAlpha = description.teacherLSAlpha
            kdTemperature = description.kdTemperature
            self.split = split
            self.top1 = top1
            self.top5 = top5
            self.topK = topK
            self.rows = rows
        }
    }

    /// The run's provenance record (ToolSupport's `Provenance`).
    public var provenance: JSONFragment?
    /// The rows, in table order.
    public var rows: [Row]
    enum CodingKeys: String, CodingKey { case provenance, rows }

    public init(provenance: JSONFragment, rows: [Row]) {
        self.provenance = provenance
        self.rows = rows
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONDocument.encodeHeader(format: Self.formatName, version: Self.formatVersion, to: encoder)
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encodeIfPresent(provenance, forKey: .provenance)
        try keyed.encode(rows, forKey: .rows)
    }

    /// The document as the file holds it, ending with a newline.
    public func text() throws -> String {
        try OrderedJSONEncoder(layout: .init(lineBreakBefore: ["provenance", "rows"], itemsOnLines: ["rows"])).encode(self) + "\n"
    }

    /// Reads and checks the report at `path` (format and version first, then every key's type).
    public static func read(path: String) throws(InputError) -> AccuracyDocument {
        try JSONDocument.decode(AccuracyDocument.self, from: JSONDocument.contents(of: path), path: path, format: formatName,
                                supported: [formatVersion])
    }
}
