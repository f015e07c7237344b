/// Everything in Analysis that bad input can cause.
///
/// Analysis does no I/O, so there is no file to name: each description starts with `analysis`,
/// then the object at fault, then what is wrong (and, where there is one, how to fix it), on one line.
public enum AnalysisError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A size did not match what the receiver was built for.
    case shapeMismatch(object: String, expected: Int, actual: Int)
    /// A label outside `0..<classCount`.
    case labelOutOfRange(label: Int, classCount: Int)
    /// Rows holding NaN or ±infinity under ``CentroidAccumulator/InvalidRowPolicy/refuse``.
    case nonFiniteRows(count: Int, firstRow: Int)
    /// All-zero rows, which have no direction, under unit-length row normalisation and the refuse policy.
    case zeroRows(count: Int, firstRow: Int)
    /// Two accumulators or centroid sets that cannot be combined.
    case incompatible(String)
    /// A class that η or a projection needs has no rows.
    case classWithoutRows(Int)
    /// A class index outside `0..<classCount`.
    case classOutOfRange(class: Int, classCount: Int)
    /// The comparison set S of η is empty.
    case emptySet
    /// The target class π is also a member of S.
    case targetInSet(Int)
    /// A class occurs twice in S.
    case duplicateInSet(Int)
    /// The target's centroid and a member's centroid coincide in model T1, so the relative change is undefined.
    case coincidentCentroids(target: Int, member: Int)
    /// A model-wide scale that is zero, negative or not finite.
    case invalidScale(model: String, value: Double)
    /// Two templates of a projection are (numerically) the same point.
    case identicalTemplates(Int, Int)
    /// The templates of a projection span fewer dimensions than it needs.
    case rankDeficientTemplates(classes: [Int], rank: Int, needed: Int)
    /// Any other argument out of its domain.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(object, expected, actual):
            return "analysis: \(object): expected \(expected) values, got \(actual)"
        case let .labelOutOfRange(label, classCount):
            return "analysis: labels: label \(label) is outside 0..<\(classCount)"
        case let .nonFiniteRows(count, firstRow):
            return "analysis: feature rows: \(count) row(s) hold NaN or infinity (first at row \(firstRow) of the block); use the skip policy to leave them out"
        case let .zeroRows(count, firstRow):
            return "analysis: feature rows: \(count) all-zero row(s) cannot be scaled to unit length (first at row \(firstRow) of the block); use the skip policy to leave them out"
        case let .incompatible(what):
            return "analysis: \(what)"
        case let .classWithoutRows(k):
            return "analysis: class \(k): has no rows, so it has no centroid"
        case let .classOutOfRange(k, classCount):
            return "analysis: class \(k): outside 0..<\(classCount)"
        case .emptySet:
            return "analysis: comparison set S: is empty; give at least one class"
        case let .targetInSet(k):
            return "analysis: comparison set S: contains the target class \(k); S must exclude the target"
        case let .duplicateInSet(k):
            return "analysis: comparison set S: class \(k) occurs more than once"
        case let .coincidentCentroids(target, member):
            return "analysis: classes \(target) and \(member): centroids coincide in model T1 (distance 0), so the relative change is undefined"
        case let .invalidScale(model, value):
            return "analysis: scale of model \(model): \(value) is not a positive finite number"
        case let .identicalTemplates(a, b):
            return "analysis: templates of classes \(a) and \(b): are identical, so they do not define a plane; pick other classes"
        case let .rankDeficientTemplates(classes, rank, needed):
            return "analysis: templates of classes \(classes.map(String.init).joined(separator: ", ")): span \(rank) dimension(s), need \(needed); pick other classes"
        case let .invalidArgument(what):
            return "analysis: \(what)"
        }
    }
}
