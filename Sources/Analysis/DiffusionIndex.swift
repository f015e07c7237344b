/// One member k of the comparison set S: its normalised distances to the target π in both models.
public struct DiffusionTerm: Sendable, Equatable {
    /// The member class k.
    public let member: Int
    /// d(c_π(T1), c_k(T1)): distance divided by T1's scale.
    public let d1: Double
    /// d(c_π(T2), c_k(T2)): distance divided by T2's scale.
    public let d2: Double
    /// (d2 − d1) / d1, a fraction.
    public var relativeChange: Double { (d2 - d1) / d1 }
}

/// The diffusion index η(T1, T2; π, S) with the terms it averages.
///
/// η = 1/|S| Σ_{k∈S} [d(c_π(T2), c_k(T2)) − d(c_π(T1), c_k(T1))] / d(c_π(T1), c_k(T1)),
/// where d is the Euclidean distance between class centroids divided by that model's scale.
/// η is a fraction: −0.05 means the target moved 5 % closer to S on average; print ×100 for percent.
public struct DiffusionIndex: Sendable, Equatable {
    /// The target class π.
    public let target: Int
    /// The comparison set S, in the order given.
    public let set: [Int]
    /// The divisor of T1's distances.
    public let scale1: Double
    /// The divisor of T2's distances.
    public let scale2: Double
    /// One term per member of S, in the order of ``set``.
    public let terms: [DiffusionTerm]
    /// The normalisation the scales came from; nil when the caller passed scales directly.
    public internal(set) var normalization: DistanceNormalization? = nil

    /// η as a fraction: the mean of the terms' relative changes.
    public var eta: Double {
        terms.reduce(0) { $0 + $1.relativeChange } / Double(terms.count)
    }

    /// η in percent (η × 100), the unit of the paper's table.
    public var etaPercent: Double { eta * 100 }

    /// Systematic diffusion: the target moves towards S1 (η < 0) and away from S2 (η > 0).
    public static func isSystematicDiffusion(s1: DiffusionIndex, s2: DiffusionIndex) -> Bool {
        isSystematicDiffusion(etaS1: s1.eta, etaS2: s2.eta)
    }

    /// The rule on the two η values alone (the one place it is written; reports that keep only the
    /// numbers, such as a bootstrap's point estimates, ask here too).
    public static func isSystematicDiffusion(etaS1: Double, etaS2: Double) -> Bool {
        etaS1 < 0 && etaS2 > 0
    }
}

/// η from two models' centroids and their scales (see ``DistanceNormalization/scale(of:)``).
///
/// Throws on an empty S, a target inside S, a class twice in S, a class without rows, a scale that
/// is not positive and finite, and centroids that coincide in T1 (d1 = 0), which would make the
/// relative change undefined: η is never NaN.
public func diffusionIndex(t1: Centroids, t2: Centroids, target: Int, set: [Int],
                           scale1: Double, scale2: Double) throws -> DiffusionIndex {
    guard t1.classCount == t2.classCount, t1.dim == t2.dim else {
        throw AnalysisError.incompatible("η: model T1 has \(t1.classCount) classes × \(t1.dim), T2 has \(t2.classCount) × \(t2.dim)")
    }
    try checkDiffusionArguments(target: target, set: set, classCount: t1.classCount)
    guard scale1.isFinite, scale1 > 0 else { throw AnalysisError.invalidScale(model: "T1", value: scale1) }
    guard scale2.isFinite, scale2 > 0 else { throw AnalysisError.invalidScale(model: "T2", value: scale2) }
    var terms: [DiffusionTerm] = []
    terms.reserveCapacity(set.count)
    for k in set {
        let d1 = try t1.distance(target, k) / scale1
        let d2 = try t2.distance(target, k) / scale2
        guard d1 > 0 else { throw AnalysisError.coincidentCentroids(target: target, member: k) }
        terms.append(DiffusionTerm(member: k, d1: d1, d2: d2))
    }
    return DiffusionIndex(target: target, set: set, scale1: scale1, scale2: scale2, terms: terms)
}

/// η with the scales that `normalization` prescribes, taken from the same centroids.
public func diffusionIndex(t1: Centroids, t2: Centroids, target: Int, set: [Int],
                           normalization: DistanceNormalization) throws -> DiffusionIndex {
    var result = try diffusionIndex(t1: t1, t2: t2, target: target, set: set,
                                    scale1: normalization.scale(of: t1), scale2: normalization.scale(of: t2))
    result.normalization = normalization
    return result
}

func checkDiffusionArguments(target: Int, set: [Int], classCount: Int) throws {
    guard !set.isEmpty else { throw AnalysisError.emptySet }
    guard target >= 0, target < classCount else {
        throw AnalysisError.classOutOfRange(class: target, classCount: classCount)
    }
    var seen = Set<Int>()
    for k in set {
        guard k >= 0, k < classCount else { throw AnalysisError.classOutOfRange(class: k, classCount: classCount) }
        guard k != target else { throw AnalysisError.targetInSet(k) }
        guard seen.insert(k).inserted else { throw AnalysisError.duplicateInSet(k) }
    }
}
