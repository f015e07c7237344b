/// What "normalised distance" means in η. Recorded in every output that reports η.
///
/// η compares distances measured in two different models (students distilled at T1 and T2), whose
/// feature scales differ. The default, ``centroidScale``, removes exactly that model-wide scale and
/// nothing else; see the Conventions article for the reasoning.
public enum DistanceNormalization: String, CaseIterable, Sendable {
    /// Raw Euclidean distance between centroids of raw feature rows. A global rescaling of T2's
    /// features by s shifts every relative change, hence η, by s − 1.
    case none
    /// Rows scaled to unit L2 length before averaging; plain Euclidean distance between those
    /// centroids. Removes per-sample scale, and with it the norm information KD is known to change.
    case unit
    /// Euclidean distance between centroids of raw rows divided by that model's mean distance between
    /// all pairs of class centroids. Invariant to a global rescaling of either model. The default.
    /// Spelled `centroid-scale` (its raw value) in every output, as on the command line.
    case centroidScale = "centroid-scale"

    /// The normalisation reports use unless told otherwise.
    public static let `default`: DistanceNormalization = .centroidScale

    /// The row transform the centroids must have been accumulated with.
    public var rowNormalization: CentroidAccumulator.RowNormalization {
        self == .unit ? .unitLength : .none
    }

    /// The divisor of every distance in this model: 1 for ``none`` and ``unit``, the mean pairwise
    /// centroid distance (over all classes with rows) for ``centroidScale``.
    ///
    /// Throws when the centroids were accumulated with another row normalisation than this one needs.
    /// `workers` threads share the pairwise distances (the result has the same bits for any number).
    public func scale(of centroids: Centroids, workers: Int = 1) throws -> Double {
        guard centroids.rowNormalization == rowNormalization else {
            throw AnalysisError.incompatible("distance normalisation \(rawValue) needs centroids of \(rowNormalization.rawValue) rows, got \(centroids.rowNormalization.rawValue) rows")
        }
        switch self {
        case .none, .unit: return 1
        case .centroidScale: return try centroids.meanPairwiseCentroidDistance(workers: workers)
        }
    }
}
