import HDF5

/// A model's attributes: what it is, how it was trained, and (students) what it distilled from.
/// The one shape every format keeps them in: a dump's root attributes (``DumpAttributes``), a
/// centroid file's and a projection file's `source_` attributes, and the JSON documents' model
/// entries (``EtaDocument/Model``, also the pairs document's, ``AccuracyDocument/Row``,
/// ``GeometryDocument/Model``), all read and written through
/// ``read(_:prefix:requireDataset:nanMeansAbsent:)`` and ``write(to:prefix:)``.
///
/// An absent value is written absent, never as NaN. Centroid files before this rule stored an
/// absent student-only value as NaN; they are still read (`nanMeansAbsent`).
public struct ModelDescription: Sendable, Equatable {
    /// A dump's role: teachers are trained on labels, students distil from a teacher.
    public enum Role: String, Sendable, CaseIterable { case teacher, student }

    /// Architecture name, e.g. "resnet18".
    public var model: String
    /// Teacher or student.
    public var role: Role
    /// The data set the features were computed on, e.g. "imagenet1k" (centroid files do not keep it).
    public var dataset: String?
    /// The model's own label-smoothing α (0 for none).
    public var lsAlpha: Double
    /// Students only: the teacher's model name.
    public var teacherModel: String?
    /// Students only: the teacher's label-smoothing α.
    public var teacherLSAlpha: Double?
    /// Students only: the distillation temperature T.
    public var kdTemperature: Double?

    /// A description; the optional fields default to absent.
    public init(model: String, role: Role, dataset: String? = nil, lsAlpha: Double, teacherModel: String? = nil,
                teacherLSAlpha: Double? = nil, kdTemperature: Double? = nil) {
        self.model = model
        self.role = role
        self.dataset = dataset
        self.lsAlpha = lsAlpha
        self.teacherModel = teacherModel
        self.teacherLSAlpha = teacherLSAlpha
        self.kdTemperature = kdTemperature
    }

    /// The description of a dump's model.
    public init(_ attributes: DumpAttributes) { self = attributes.description }

    /// The attribute names without prefix, in the order they are written.
    public static let attributeNames = ["model", "role", "dataset", "ls_alpha", "teacher_model", "teacher_ls_alpha", "kd_temperature"]

    /// The attributes that hold numbers (float64); the others hold strings.
    public static let numericAttributeNames: Set<String> = ["ls_alpha", "teacher_ls_alpha", "kd_temperature"]

    /// Every present value as text, keyed by attribute name without prefix (numbers as `String(Double)`).
    public var texts: [String: String] {
        var texts = ["model": model, "role": role.rawValue, "ls_alpha": String(lsAlpha)]
        texts["dataset"] = dataset
        texts["teacher_model"] = teacherModel
        texts["teacher_ls_alpha"] = teacherLSAlpha.map { String($0) }
        texts["kd_temperature"] = kdTemperature.map { String($0) }
        return texts
    }

    /// Reads the attributes `prefix + name` of `rules`' object, each checked where it is read
    /// (``AttributeRules``): role, model, dataset (required when `requireDataset`), ls_alpha
    /// (required), teacher_model, teacher_ls_alpha, kd_temperature. With `nanMeansAbsent`, a NaN
    /// teacher_ls_alpha or kd_temperature reads as absent (centroid files written before absent
    /// values were left out).
    static func read(_ rules: AttributeRules, prefix: String = "", requireDataset: Bool,
                     nanMeansAbsent: Bool = false) throws(StoreError) -> ModelDescription {
        let roleText = try rules.string(prefix + "role")
        guard let role = Role(rawValue: roleText) else {
            throw rules.fail(prefix + "role", "is \"\(roleText)\", expected \"teacher\" or \"student\"")
        }
        let model = try rules.string(prefix + "model")
        let dataset = requireDataset ? try rules.string(prefix + "dataset") : try rules.optionalString(prefix + "dataset")
        var description = ModelDescription(model: model, role: role, dataset: dataset,
                                           lsAlpha: try rules.alpha(prefix + "ls_alpha", required: true)!)
        description.teacherModel = try rules.optionalString(prefix + "teacher_model")
        func optional(_ name: String) -> Bool {
            !nanMeansAbsent || (try? rules.number(prefix + name))?.map(\.isNaN) != true
        }
        if optional("teacher_ls_alpha") { description.teacherLSAlpha = try rules.alpha(prefix + "teacher_ls_alpha") }
        if optional("kd_temperature") { description.kdTemperature = try rules.temperature(prefix + "kd_temperature") }
        return description
    }

    /// Writes the present values as attributes `prefix + name` of `holder` (strings, and float64
    /// numbers), in the order of ``attributeNames``; absent ones are left out.
    func write(to holder: any AttributeHolder, prefix: String = "") throws(HDF5Error) {
        try holder.writeAttribute(prefix + "model", model)
        try holder.writeAttribute(prefix + "role", role.rawValue)
        if let dataset { try holder.writeAttribute(prefix + "dataset", dataset) }
        try holder.writeAttribute(prefix + "ls_alpha", lsAlpha)
        if let teacherModel { try holder.writeAttribute(prefix + "teacher_model", teacherModel) }
        if let teacherLSAlpha { try holder.writeAttribute(prefix + "teacher_ls_alpha", teacherLSAlpha) }
        if let kdTemperature { try holder.writeAttribute(prefix + "kd_temperature", kdTemperature) }
    }

    /// The attributes as a projection file keeps them: every one optional, as text (numbers as
    /// `String(Double)`), each checked by the rule ``read(_:prefix:requireDataset:nanMeansAbsent:)``
    /// applies (strings may be empty here).
    static func readTexts(_ rules: AttributeRules, prefix: String) throws(StoreError) -> [String: String] {
        var texts: [String: String] = [:]
        for key in attributeNames {
            let name = prefix + key
            texts[key] = switch key {
            case "ls_alpha", "teacher_ls_alpha": try rules.alpha(name).map { String($0) }
            case "kd_temperature": try rules.temperature(name).map { String($0) }
            default: try rules.optionalString(name, allowEmpty: true)
            }
        }
        return texts
    }

    /// Writes `texts` (``readTexts(_:prefix:)``'s form) as attributes `prefix + name`, in the order
    /// of ``attributeNames``: a numeric one that reads as a number as float64, the rest as strings.
    static func writeTexts(_ texts: [String: String], to holder: any AttributeHolder, prefix: String) throws(HDF5Error) {
        for key in attributeNames {
            guard let text = texts[key] else { continue }
            if numericAttributeNames.contains(key), let number = Double(text) {
                try holder.writeAttribute(prefix + key, number)
            } else {
                try holder.writeAttribute(prefix + key, text)
            }
        }
    }
}
