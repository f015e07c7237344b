/// What η reports about a model: the dump attributes that tell students apart.
public struct ModelDescription: Sendable, Equatable {
    /// Architecture name, e.g. "resnet18".
    public var model: String
    /// "teacher" or "student".
    public var role: String
    /// The model's own label-smoothing α.
    public var lsAlpha: Double
    /// The teacher's α (students only).
    public var teacherLSAlpha: Double?
    /// The distillation temperature T (students only).
    public var kdTemperature: Double?

    /// A description with every field given.
    public init(model: String, role: String, lsAlpha: Double, teacherLSAlpha: Double?, kdTemperature: Double?) {
        self.model = model
        self.role = role
        self.lsAlpha = lsAlpha
        self.teacherLSAlpha = teacherLSAlpha
        self.kdTemperature = kdTemperature
    }

    /// The description of a dump's model.
    public init(_ attributes: DumpAttributes) {
        self.init(model: attributes.model, role: attributes.role.rawValue, lsAlpha: attributes.lsAlpha,
                  teacherLSAlpha: attributes.teacherLSAlpha, kdTemperature: attributes.kdTemperature)
    }
}
