import HDF5

/// The root attributes of a feature dump (format v1): what model produced it and how.
public struct DumpAttributes: Sendable, Equatable {
    /// The only value of the `format` attribute this module reads and writes.
    public static let formatName = "penultimate-features"
    /// The format version this module reads and writes.
    public static let currentFormatVersion: Int64 = 1

    /// A dump's role: teachers are trained on labels, students distil from a teacher.
    public typealias Role = ModelDescription.Role

    /// The `format_version` attribute (1).
    public var formatVersion: Int64 = DumpAttributes.currentFormatVersion
    /// The model's attributes (model, role, dataset, α, and the teacher's model and α and the
    /// temperature for students), kept in the one shape every format uses.
    public var description: ModelDescription
    /// The architecture name, e.g. "resnet50".
    public var model: String { get { description.model } set { description.model = newValue } }
    /// Teacher or student.
    public var role: Role { get { description.role } set { description.role = newValue } }
    /// The data set the features were computed on, e.g. "imagenet1k" (required in a dump).
    public var dataset: String { get { description.dataset ?? "" } set { description.dataset = newValue } }
    /// The label-smoothing α used in training (0 for none).
    public var lsAlpha: Double { get { description.lsAlpha } set { description.lsAlpha = newValue } }
    /// Students only: the teacher's model name.
    public var teacherModel: String? { get { description.teacherModel } set { description.teacherModel = newValue } }
    /// Students only: the teacher's label-smoothing α.
    public var teacherLSAlpha: Double? { get { description.teacherLSAlpha } set { description.teacherLSAlpha = newValue } }
    /// Students only: the distillation temperature.
    public var kdTemperature: Double? { get { description.kdTemperature } set { description.kdTemperature = newValue } }
    /// The training seed.
    public var seed: Int64?
    /// The checkpoint's epoch.
    public var epoch: Int64?
    /// The training configuration as JSON text.
    public var configJSON: String?
    /// The program that wrote the file.
    public var writer: String?
    /// Shard files only: this file's rank and the number of ranks.
    public var shardRank: Int64?
    /// Shard files only: the number of ranks.
    public var shardCount: Int64?

    /// Attributes of a dump; optional ones default to absent.
    public init(model: String, role: Role, dataset: String, lsAlpha: Double,
                teacherModel: String? = nil, teacherLSAlpha: Double? = nil, kdTemperature: Double? = nil,
                seed: Int64? = nil, epoch: Int64? = nil, configJSON: String? = nil, writer: String? = nil,
                shardRank: Int64? = nil, shardCount: Int64? = nil) {
        description = ModelDescription(model: model, role: role, dataset: dataset, lsAlpha: lsAlpha, teacherModel: teacherModel,
                                       teacherLSAlpha: teacherLSAlpha, kdTemperature: kdTemperature)
        self.seed = seed
        self.epoch = epoch
        self.configJSON = configJSON
        self.writer = writer
        self.shardRank = shardRank
        self.shardCount = shardCount
    }

    /// Every attribute as text, keyed by its name in the file (for provenance records).
    public var provenance: [String: String] {
        var p = description.texts
        p["format"] = Self.formatName
        p["format_version"] = String(formatVersion)
        p["seed"] = seed.map { String($0) }
        p["epoch"] = epoch.map { String($0) }
        p["config_json"] = configJSON
        p["writer"] = writer
        p["shard_rank"] = shardRank.map { String($0) }
        p["shard_count"] = shardCount.map { String($0) }
        return p
    }

    /// The root attributes that say which model and run the rows come from: shards of one dump
    /// must agree on all of them. Not compared: `writer` (each process may run another version of
    /// the writer), `config_json` (free text that may hold per-process fields such as the local
    /// rank or host), and the per-file `shard_rank`; `shard_count` is checked with the ranks.
    public static let modelAttributeNames = ["format_version", "model", "role", "dataset", "ls_alpha",
                                             "teacher_model", "teacher_ls_alpha", "kd_temperature", "seed", "epoch"]

    /// The names in ``modelAttributeNames`` whose values differ between `self` and `other`
    /// (present in one and absent in the other counts as different; NaN equals NaN).
    public func modelAttributeDifferences(_ other: DumpAttributes) -> [String] {
        func same(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (x?, y?): x == y || (x.isNaN && y.isNaN)
            default: false
            }
        }
        var names: [String] = []
        if formatVersion != other.formatVersion { names.append("format_version") }
        if model != other.model { names.append("model") }
        if role != other.role { names.append("role") }
        if dataset != other.dataset { names.append("dataset") }
        if !same(lsAlpha, other.lsAlpha) { names.append("ls_alpha") }
        if teacherModel != other.teacherModel { names.append("teacher_model") }
        if !same(teacherLSAlpha, other.teacherLSAlpha) { names.append("teacher_ls_alpha") }
        if !same(kdTemperature, other.kdTemperature) { names.append("kd_temperature") }
        if seed != other.seed { names.append("seed") }
        if epoch != other.epoch { names.append("epoch") }
        return names
    }

    /// The root attributes opening a dump reads as strings (``StringProbe`` reads them first,
    /// out of process); `manifest_shards` is a string array.
    static let stringAttributeNames = ["format", "model", "role", "dataset", "teacher_model", "config_json",
                                       "writer", "manifest_shards"]

    /// Reads and checks the root attributes of `root` in `file`: every value is checked here,
    /// where it is read, so that no tool sees a value outside its documented range
    /// (``AttributeRules``).
    static func read(from root: Group, file: String) throws(StoreError) -> DumpAttributes {
        let rules = AttributeRules(root: root, file: file)
        guard root.hasAttribute("format") else {
            throw StoreError(file: file, object: "attribute format", message: "missing: not a penultimate feature dump",
                             fix: "write it with FeatureWriter or penultimate_writer.py")
        }
        let format = try rules.string("format")
        guard format == formatName else {
            throw StoreError(file: file, object: "attribute format",
                             message: "is \"\(format)\", expected \"\(formatName)\"")
        }
        let version = try rules.formatVersion(currentFormatVersion)
        let model = try ModelDescription.read(rules, requireDataset: true)
        var a = DumpAttributes(model: model.model, role: model.role, dataset: model.dataset ?? "", lsAlpha: model.lsAlpha)
        a.description = model
        a.formatVersion = version
        a.seed = try rules.integer("seed", in: 0...Int64.max, meaning: "a seed is an integer >= 0")
        a.epoch = try rules.integer("epoch", in: 0...Int64.max, meaning: "an epoch is an integer >= 0")
        a.configJSON = try rules.optionalString("config_json", allowEmpty: true)
        a.writer = try rules.optionalString("writer", allowEmpty: true)
        a.shardCount = try rules.integer("shard_count", in: 1...maxShardCount, meaning: "the number of ranks is an integer in 1...\(maxShardCount)")
        a.shardRank = try rules.integer("shard_rank", in: 0...(maxShardCount - 1), meaning: "a rank is an integer in 0..<\(maxShardCount)")
        if let rank = a.shardRank, let count = a.shardCount, rank >= count {
            throw StoreError(file: file, object: "attribute shard_rank", message: "is \(rank), not below shard_count \(count)")
        }
        return a
    }

    /// The most ranks a sharded dump may have (far above any data-parallel run, and small enough
    /// that a corrupt value cannot drive an allocation).
    public static let maxShardCount: Int64 = 1 << 20

    /// The rules ``read(from:file:)`` applies (``AttributeRules``), for attributes built in
    /// memory: a writer refuses what every reader would refuse.
    func checkValues(file: String) throws(StoreError) {
        func bad(_ name: String, _ message: String) -> StoreError {
            StoreError(file: file, object: "attribute \(name)", message: message)
        }
        for (name, value) in [("model", model), ("dataset", dataset)] where value.allSatisfy(\.isWhitespace) {
            throw bad(name, "is empty")
        }
        for (name, value) in [("ls_alpha", lsAlpha), ("teacher_ls_alpha", teacherLSAlpha)] {
            if let value, !AttributeRules.isAlpha(value) {
                throw bad(name, "is \(value); a label-smoothing alpha is a finite number in [0, 1)")
            }
        }
        if let kdTemperature, !AttributeRules.isTemperature(kdTemperature) {
            throw bad("kd_temperature", "is \(kdTemperature); a distillation temperature is a finite number > 0")
        }
        for (name, value) in [("seed", seed), ("epoch", epoch)] {
            if let value, value < 0 { throw bad(name, "is \(value); expected an integer >= 0") }
        }
        if let shardCount, !(1...Self.maxShardCount).contains(shardCount) {
            throw bad("shard_count", "is \(shardCount); expected 1...\(Self.maxShardCount)")
        }
        if let shardRank, shardRank < 0 || shardRank >= (shardCount ?? Self.maxShardCount) {
            throw bad("shard_rank", "is \(shardRank); expected 0..<\(shardCount ?? Self.maxShardCount)")
        }
    }

    /// Writes these attributes onto `root`.
    func write(to root: Group) throws(HDF5Error) {
        try root.writeAttribute("format", Self.formatName)
        try root.writeAttribute("format_version", formatVersion)
        var model = description
        model.dataset = dataset
        try model.write(to: root)
        if let seed { try root.writeAttribute("seed", seed) }
        if let epoch { try root.writeAttribute("epoch", epoch) }
        if let configJSON { try root.writeAttribute("config_json", configJSON) }
        try root.writeAttribute("writer", writer ?? FeatureWriter.writerName)
        if let shardRank { try root.writeAttribute("shard_rank", shardRank) }
        if let shardCount { try root.writeAttribute("shard_count", shardCount) }
    }
}

/// The classes of a dump, in label order.
public struct ClassList: Sendable, Equatable {
    /// WordNet ids ("n02099849"), when stored.
    public var wnids: [String]?
    /// Human-readable names, when stored.
    public var names: [String]?

    /// At least one of `wnids` and `names` must be given; both must have the same length.
    public init(wnids: [String]? = nil, names: [String]? = nil) {
        precondition(wnids != nil || names != nil, "a class list needs wnids or names")
        precondition(wnids == nil || names == nil || wnids!.count == names!.count, "wnids and names differ in length")
        self.wnids = wnids
        self.names = names
    }

    /// A class list read from `file` (`object` names the group, e.g. "/classes"), checked rather
    /// than trusted: at least one of the lists, equal lengths, no empty wnid or name, no wnid
    /// twice (names may repeat: ImageNet has two "crane" classes).
    ///
    /// The strings arrive normalised by ``HDF5`` (padding removed, then surrounding whitespace
    /// trimmed, whatever the string storage), so "n01440764 " and "n01440764" are the same wnid
    /// — and so a duplicate — in fixed-length and variable-length storage alike.
    public init(file: String, object: String = "/classes", wnids: [String]?, names: [String]?) throws(StoreError) {
        guard wnids != nil || names != nil else {
            throw StoreError(file: file, object: object + "/wnid", message: "missing, and there is no \(object)/name either")
        }
        if let wnids, let names, wnids.count != names.count {
            throw StoreError(file: file, object: object + "/name", message: "has \(names.count) entries but \(object)/wnid has \(wnids.count)")
        }
        guard (wnids ?? names ?? []).count > 0 else {
            throw StoreError(file: file, object: object + (wnids != nil ? "/wnid" : "/name"), message: "holds no classes")
        }
        if let blank = names?.firstIndex(of: "") {
            throw StoreError(file: file, object: object + "/name", message: "class \(blank) has an empty name")
        }
        if let wnids {
            var first: [String: Int] = [:]
            for (i, wnid) in wnids.enumerated() {
                guard !wnid.isEmpty else {
                    throw StoreError(file: file, object: object + "/wnid", message: "class \(i) has an empty wnid")
                }
                if let earlier = first.updateValue(i, forKey: wnid) {
                    throw StoreError(file: file, object: object + "/wnid",
                                     message: "\(wnid) appears twice (classes \(earlier) and \(i)); each class needs its own wnid")
                }
            }
        }
        self.wnids = wnids
        self.names = names
    }

    /// The number of classes C.
    public var count: Int { wnids?.count ?? names?.count ?? 0 }

    /// A display label for class `i`: its name when stored, else its wnid.
    public func label(_ i: Int) -> String { names?[i] ?? wnids?[i] ?? String(i) }
}
