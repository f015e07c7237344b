/// Augmented templates [W_k, b_k] (length D+1) of the given classes, in Double.
///
/// `weight` is `classCount × dim` row-major (nn.Linear layout), `bias` has `classCount` entries.
public func augmentedTemplates(weight: [Float], bias: [Float], dim: Int, classes: [Int]) throws -> [[Double]] {
    guard dim > 0, weight.count % dim == 0 else {
        throw AnalysisError.invalidArgument("classifier weight: \(weight.count) values are not a multiple of the dimension \(dim)")
    }
    let classCount = weight.count / dim
    guard bias.count == classCount else {
        throw AnalysisError.shapeMismatch(object: "classifier bias", expected: classCount, actual: bias.count)
    }
    return try classes.map { k in
        guard k >= 0, k < classCount else { throw AnalysisError.classOutOfRange(class: k, classCount: classCount) }
        // Bias of class k itself: the paper's code took the biases of classes 0, 1, 2 here.
        return weight[k * dim ..< (k + 1) * dim].map(Double.init) + [Double(bias[k])]
    }
}

/// The paper's released code's templates: the weights of the plotted classes with the biases of
/// classes 0, 1, 2 (its bug), in that order. Only for ``QRPCAConvention/paperCode``.
public func paperCodeTemplates(weight: [Float], bias: [Float], dim: Int, classes: [Int]) throws -> [[Double]] {
    let own = try augmentedTemplates(weight: weight, bias: bias, dim: dim, classes: classes)
    guard bias.count >= own.count else {
        throw AnalysisError.invalidArgument("classifier bias: \(bias.count) values, the paper's code takes the biases of classes 0..<\(own.count)")
    }
    return own.enumerated().map { position, template in template.dropLast() + [Double(bias[position])] }
}

/// The sign conventions of a ``QRPCAProjection``.
public enum QRPCAConvention: String, Sendable, CaseIterable {
    /// Ours: Q with R's diagonal positive; each principal axis signed so that its largest-magnitude
    /// component is positive. Both depend only on the templates and the fitted points' covariance.
    case documented
    /// The paper's released code: Q as LAPACK's Householder QR gives it (`numpy.linalg.qr`; R's
    /// diagonal may be negative), and sklearn's `svd_flip` (u-based: each axis signed so that the
    /// fitted point with the largest-magnitude score scores positive). Panels can be mirror images
    /// of the documented ones; the points are otherwise the same.
    case paperCode = "paper-code"
}

/// Müller et al.'s view: penultimate activations projected onto the affine plane through the
/// augmented templates t₁, t₂, t₃ of three classes.
///
/// An activation x becomes x̃ = [x, 1]; its coordinates are ((x̃ − o)·u₁, (x̃ − o)·u₂) with
/// - origin o = (t₁ + t₂ + t₃)/3, the templates' centroid;
/// - u₁ = (t₂ − t₁)/‖t₂ − t₁‖: the first axis runs from template 1 towards template 2;
/// - u₂ = the part of t₃ − t₁ orthogonal to u₁, normalised: template 3 has a positive second coordinate.
/// Distances within the plane are kept: the projected templates form a triangle congruent to t₁t₂t₃.
public struct MullerProjection: Sendable, Equatable {
    /// The three classes, in template order.
    public let classes: [Int]
    /// The origin o (length D+1).
    public let origin: [Double]
    /// The orthonormal axes u₁, u₂ (each of length D+1).
    public let axes: [[Double]]

    /// The projection for three classes of a classifier (`weight` is `classCount × dim`, row-major).
    public init(weight: [Float], bias: [Float], dim: Int, classes: [Int]) throws {
        try self.init(templates: augmentedTemplates(weight: weight, bias: bias, dim: dim, classes: classes), classes: classes)
    }

    /// The projection for three augmented templates (each of length D+1).
    ///
    /// Throws when two templates coincide or the three are collinear, both judged relative to the
    /// templates' spread (tolerance 1e-9).
    public init(templates: [[Double]], classes: [Int]) throws {
        guard templates.count == 3, classes.count == 3 else {
            throw AnalysisError.invalidArgument("Müller projection: needs 3 templates and 3 classes, got \(templates.count) and \(classes.count)")
        }
        let length = templates[0].count
        guard length >= 2, templates.allSatisfy({ $0.count == length }) else {
            throw AnalysisError.invalidArgument("Müller projection: templates must have one length of at least 2")
        }
        let tolerance = 1e-9
        let scale = templates.map(norm).max()!
        for (i, j) in [(0, 1), (0, 2), (1, 2)] where norm(subtract(templates[i], templates[j])) <= tolerance * scale {
            throw AnalysisError.identicalTemplates(classes[i], classes[j])
        }
        let e1 = subtract(templates[1], templates[0])
        let e2 = subtract(templates[2], templates[0])
        let (q, _, rank) = thinQR(columns: [e1, e2], relativeTolerance: tolerance)
        guard rank == 2 else { throw AnalysisError.rankDeficientTemplates(classes: classes, rank: rank, needed: 2) }
        self.classes = classes
        self.axes = q
        self.origin = (0..<length).map { (templates[0][$0] + templates[1][$0] + templates[2][$0]) / 3 }
    }

    /// Plane coordinates of one activation x (length D), taken as [x, 1].
    public func project(feature: UnsafeBufferPointer<Float>) -> SIMD2<Double> {
        precondition(feature.count == origin.count - 1, "Müller projection: feature length differs from the templates' dimension")
        return SIMD2(affine(axes[0], feature), affine(axes[1], feature))
    }

    /// Plane coordinates of each row of `features` (`n × D` Floats, row-major).
    public func project(features: [Float]) throws -> [SIMD2<Double>] {
        let dim = origin.count - 1
        guard features.count % dim == 0 else {
            throw AnalysisError.invalidArgument("Müller projection: \(features.count) feature values are not a multiple of the dimension \(dim)")
        }
        return features.withUnsafeBufferPointer { f in
            (0..<(features.count / dim)).map { project(feature: UnsafeBufferPointer(rebasing: f[$0 * dim ..< ($0 + 1) * dim])) }
        }
    }

    /// Plane coordinates of a point given in feature space (length D, e.g. a centroid), taken as [x, 1].
    public func project(point: [Double]) -> SIMD2<Double> {
        let augmented = point + [1]
        let shifted = subtract(augmented, origin)
        return SIMD2(dot(shifted, axes[0]), dot(shifted, axes[1]))
    }

    /// Plane coordinates of a point already in augmented space (length D+1), such as a template.
    public func project(augmented: [Double]) -> SIMD2<Double> {
        let shifted = subtract(augmented, origin)
        return SIMD2(dot(shifted, axes[0]), dot(shifted, axes[1]))
    }

    private func affine(_ axis: [Double], _ x: UnsafeBufferPointer<Float>) -> Double {
        var s = 0.0
        for j in 0..<x.count { s += (Double(x[j]) - origin[j]) * axis[j] }
        let last = origin.count - 1
        return s + (1 - origin[last]) * axis[last]
    }
}

/// The paper's Algorithm 1: QR basis of the three augmented templates' linear span, then a PCA to 2-D.
///
/// 1. Q = reduced QR of the (D+1) × 3 matrix [t₁ t₂ t₃] (the transposed 3 × (D+1) template matrix),
///    with R's diagonal positive, so Q is unique; its columns are ``basis``.
/// 2. Activations x become [x, 1] and are projected to 3-D coordinates Qᵀ[x, 1]; so are centroids.
/// 3. A PCA is fitted on the training split's 3-D points together with the three training centroids:
///    mean-centred, covariance with divisor m − 1, the two eigenvectors of largest eigenvalue, each
///    signed so that its largest-magnitude component is positive. The same PCA maps validation points,
///    so each model (panel) has its own axes.
/// Uses each plotted class's own bias (the paper's code took the biases of classes 0, 1, 2).
public struct QRPCAProjection: Sendable, Equatable {
    /// The three classes, in template order.
    public let classes: [Int]
    /// Orthonormal basis of the templates' span: three vectors of length D+1 (the columns of Q).
    public let basis: [[Double]]
    /// The PCA's mean in basis coordinates.
    public let mean: SIMD3<Double>
    /// The two principal axes in basis coordinates, largest variance first.
    public let principalAxes: [SIMD3<Double>]
    /// All three covariance eigenvalues, descending.
    public let variances: [Double]
    /// The sign conventions of ``basis`` and ``principalAxes``.
    public let convention: QRPCAConvention

    /// The projection for three classes of a classifier, with the PCA fitted on training features
    /// (`n × dim` Floats, row-major) and the three classes' training centroids (each of length dim).
    public init(weight: [Float], bias: [Float], dim: Int, classes: [Int],
                trainingFeatures: [Float], trainingCentroids: [[Double]]) throws {
        try self.init(templates: augmentedTemplates(weight: weight, bias: bias, dim: dim, classes: classes),
                      classes: classes, trainingFeatures: trainingFeatures, trainingCentroids: trainingCentroids)
    }

    /// The projection for three augmented templates (each of length D+1). Throws when they span fewer
    /// than 3 dimensions (tolerance 1e-10 relative to the longest template).
    public init(templates: [[Double]], classes: [Int], trainingFeatures: [Float], trainingCentroids: [[Double]],
                convention: QRPCAConvention = .documented) throws {
        guard templates.count == 3, classes.count == 3 else {
            throw AnalysisError.invalidArgument("QR-PCA projection: needs 3 templates and 3 classes, got \(templates.count) and \(classes.count)")
        }
        let length = templates[0].count
        guard length >= 3, templates.allSatisfy({ $0.count == length }) else {
            throw AnalysisError.invalidArgument("QR-PCA projection: templates must have one length of at least 3")
        }
        let dim = length - 1
        guard trainingFeatures.count % dim == 0 else {
            throw AnalysisError.invalidArgument("QR-PCA projection: \(trainingFeatures.count) training values are not a multiple of the dimension \(dim)")
        }
        guard trainingCentroids.count == 3, trainingCentroids.allSatisfy({ $0.count == dim }) else {
            throw AnalysisError.invalidArgument("QR-PCA projection: needs 3 training centroids of length \(dim)")
        }
        let (q, _, rank) = thinQR(columns: templates)
        guard rank == 3 else { throw AnalysisError.rankDeficientTemplates(classes: classes, rank: rank, needed: 3) }
        let basis = convention == .paperCode ? householderQR(columns: templates) : q
        self.classes = classes
        self.basis = basis
        self.convention = convention

        var points: [SIMD3<Double>] = trainingFeatures.withUnsafeBufferPointer { f in
            (0..<(trainingFeatures.count / dim)).map {
                Self.coordinates(basis, UnsafeBufferPointer(rebasing: f[$0 * dim ..< ($0 + 1) * dim]))
            }
        }
        points += trainingCentroids.map { Self.coordinates(basis, point: $0) }
        let count = Double(points.count)
        let mean = points.reduce(SIMD3<Double>()) { $0 + $1 } / count
        var covariance = [Double](repeating: 0, count: 9)
        for p in points {
            let c = p - mean
            for i in 0..<3 { for j in 0..<3 { covariance[i * 3 + j] += c[i] * c[j] } }
        }
        covariance = covariance.map { $0 / (count - 1) }
        let (values, vectors) = symmetricEigen(covariance, n: 3)
        self.mean = mean
        self.variances = values
        let axes = vectors.prefix(2).map { SIMD3($0[0], $0[1], $0[2]) }
        // sklearn's PCA takes V from an SVD of the centred points; the covariance's eigenvectors are the
        // same axes up to sign, and svd_flip fixes the sign from the scores alone.
        self.principalAxes = convention == .paperCode ? svdFlip(axes: axes, centred: points.map { $0 - mean }) : axes
    }

    /// Basis coordinates Qᵀ[x, 1] of one activation x (length D).
    public func basisCoordinates(feature: UnsafeBufferPointer<Float>) -> SIMD3<Double> {
        Self.coordinates(basis, feature)
    }

    /// 2-D coordinates of one activation x (length D).
    public func project(feature: UnsafeBufferPointer<Float>) -> SIMD2<Double> {
        principal(Self.coordinates(basis, feature))
    }

    /// 2-D coordinates of each row of `features` (`n × D` Floats, row-major), training or validation.
    public func project(features: [Float]) throws -> [SIMD2<Double>] {
        let dim = basis[0].count - 1
        guard features.count % dim == 0 else {
            throw AnalysisError.invalidArgument("QR-PCA projection: \(features.count) feature values are not a multiple of the dimension \(dim)")
        }
        return features.withUnsafeBufferPointer { f in
            (0..<(features.count / dim)).map { project(feature: UnsafeBufferPointer(rebasing: f[$0 * dim ..< ($0 + 1) * dim])) }
        }
    }

    /// 2-D coordinates of a point given in feature space (length D, e.g. a centroid), taken as [x, 1].
    public func project(point: [Double]) -> SIMD2<Double> {
        principal(Self.coordinates(basis, point: point))
    }

    private func principal(_ p: SIMD3<Double>) -> SIMD2<Double> {
        let c = p - mean
        return SIMD2((c * principalAxes[0]).sum(), (c * principalAxes[1]).sum())
    }

    private static func coordinates(_ q: [[Double]], _ x: UnsafeBufferPointer<Float>) -> SIMD3<Double> {
        precondition(x.count == q[0].count - 1, "QR-PCA projection: feature length differs from the templates' dimension")
        var result = SIMD3<Double>()
        for i in 0..<3 {
            let axis = q[i]
            var s = axis[x.count]  // the appended 1
            for j in 0..<x.count { s += Double(x[j]) * axis[j] }
            result[i] = s
        }
        return result
    }

    private static func coordinates(_ q: [[Double]], point: [Double]) -> SIMD3<Double> {
        SIMD3(dot(q[0], point + [1]), dot(q[1], point + [1]), dot(q[2], point + [1]))
    }
}
