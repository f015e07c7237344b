import HDF5

/// The root attributes of a feature dump (format v1): what model produced it and how.
public struct DumpAttributes: Sendable, Equatable {
    /// The only value of the `format` attribute this module reads and writes.
    public static let formatName = "penultimate-features"
    /// The format version this module reads and writes.
    public static let currentFormatVersion: Int64 = 1

    /// A dump's role: teachers are trained on labels, students distil from a teacher.
    public enum Role: String, Sendable, CaseIterable { case teacher, student }

    /// The `format_version` attribute (1).
    public var formatVersion: Int64 = DumpAttributes.currentFormatVersion
    /// The architecture name, e.g. "resnet50".
    public var model: String
    /// Teacher or student.
    public var role: Role
    /// The data set the features were computed on, e.g. "imagenet1k".
    public var dataset: String
    /// The label-smoothing α used in training (0 for none).
    public var lsAlpha: Double
    /// Students only: the teacher's model name, its α and the distillation temperature.
    public var teacherModel: String?
    /// Students only: the teacher's label-smoothing α.
    public var teacherLSAlpha: Double?
    /// Students only: the distillation temperature.
    public var kdTemperature: Double?
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
        self.model = model
        self.role = role
        self.dataset = dataset
        self.lsAlpha = lsAlpha
        self.teacherModel = teacherModel
        self.teacherLSAlpha = teacherLSAlpha
        self.kdTemperature = kdTemperature
        self.seed = seed
        self.epoch = epoch
        self.configJSON = configJSON
        self.writer = writer
        self.shardRank = shardRank
        self.shardCount = shardCount
    }

    /// Every attribute as text, keyed by its name in the file (for provenance records).
    public var provenance: [String: String] {
        var p: [String: String] = [
            "format": Self.formatName, "format_version": String(formatVersion),
            "model": model, "role": role.rawValue, "dataset": dataset, "ls_alpha": String(lsAlpha),
        ]
        p["teacher_model"] = teacherModel
        p["teacher_ls_alpha"] = teacherLSAlpha.map { String($0) }
        p["kd_temperature"] = kdTemperature.map { String($0) }
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

    /// Reads and checks the root attributes of `root` in `file`.
    static func read(from root: Group, file: String) throws(StoreError) -> DumpAttributes {
        func string(_ name: String) throws(StoreError) -> String {
            guard root.hasAttribute(name) else {
                throw StoreError(file: file, object: "attribute \(name)", message: "missing (required by format v1)")
            }
            return try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readStringAttribute(name) }
        }
        func optionalString(_ name: String) throws(StoreError) -> String? {
            root.hasAttribute(name) ? try string(name) : nil
        }
        func double(_ name: String) throws(StoreError) -> Double? {
            guard root.hasAttribute(name) else { return nil }
            return try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readDoubleAttribute(name) }
        }
        func int(_ name: String) throws(StoreError) -> Int64? {
            guard root.hasAttribute(name) else { return nil }
            return try hdf5(file, "attribute \(name)") { () throws(HDF5Error) in try root.readInt64Attribute(name) }
        }
        guard root.hasAttribute("format") else {
            throw StoreError(file: file, object: "attribute format", message: "missing: not a penultimate feature dump",
                             fix: "write it with FeatureWriter or penultimate_writer.py")
        }
        let format = try string("format")
        guard format == formatName else {
            throw StoreError(file: file, object: "attribute format",
                             message: "is \"\(format)\", expected \"\(formatName)\"")
        }
        guard let version = try int("format_version") else {
            throw StoreError(file: file, object: "attribute format_version", message: "missing (required by format v1)")
        }
        guard version == currentFormatVersion else {
            throw StoreError(file: file, object: "attribute format_version",
                             message: "is \(version); this reader understands version \(currentFormatVersion)",
                             fix: "upgrade penultimate")
        }
        let roleText = try string("role")
        guard let role = Role(rawValue: roleText) else {
            throw StoreError(file: file, object: "attribute role", message: "is \"\(roleText)\", expected \"teacher\" or \"student\"")
        }
        guard let lsAlpha = try double("ls_alpha") else {
            throw StoreError(file: file, object: "attribute ls_alpha", message: "missing (required by format v1)")
        }
        var a = DumpAttributes(model: try string("model"), role: role, dataset: try string("dataset"), lsAlpha: lsAlpha)
        a.formatVersion = version
        a.teacherModel = try optionalString("teacher_model")
        a.teacherLSAlpha = try double("teacher_ls_alpha")
        a.kdTemperature = try double("kd_temperature")
        a.seed = try int("seed")
        a.epoch = try int("epoch")
        a.configJSON = try optionalString("config_json")
        a.writer = try optionalString("writer")
        a.shardRank = try int("shard_rank")
        a.shardCount = try int("shard_count")
        return a
    }

    /// Writes these attributes onto `root`.
    func write(to root: Group) throws(HDF5Error) {
        try root.writeAttribute("format", Self.formatName)
        try root.writeAttribute("format_version", formatVersion)
        try root.writeAttribute("model", model)
        try root.writeAttribute("role", role.rawValue)
        try root.writeAttribute("dataset", dataset)
        try root.writeAttribute("ls_alpha", lsAlpha)
        if let teacherModel { try root.writeAttribute("teacher_model", teacherModel) }
        if let teacherLSAlpha { try root.writeAttribute("teacher_ls_alpha", teacherLSAlpha) }
        if let kdTemperature { try root.writeAttribute("kd_temperature", kdTemperature) }
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

    /// The number of classes C.
    public var count: Int { wnids?.count ?? names?.count ?? 0 }

    /// A display label for class `i`: its name when stored, else its wnid.
    public func label(_ i: Int) -> String { names?[i] ?? wnids?[i] ?? String(i) }

    /// The class index for a wnid or a name, or nil.
    public func index(of id: String) -> Int? {
        wnids?.firstIndex(of: id) ?? names?.firstIndex(of: id)
    }
}
