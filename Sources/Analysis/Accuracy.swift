/// Number of rows whose true class is among the top `k` logits.
///
/// Ties are broken strictly and deterministically: classes are ranked by descending logit, equal
/// logits by ascending class index. The true class y counts as correct when fewer than k classes
/// rank above it, i.e. #{j : ℓ_j > ℓ_y, or ℓ_j = ℓ_y and j < y} < k. So a tie never helps a class
/// with a larger index, and an all-equal row is correct only for the first k classes.
///
/// - Parameters:
///   - logits: `labels.count × classCount` Floats, row-major.
///   - labels: each row's true class.
///   - classCount: number of classes (logits per row).
///   - k: how many top classes count, in `1...classCount`.
/// - Throws: on a shape mismatch, a label out of range, k outside 1...classCount, or a row with a
///   non-finite logit (NaN would compare false and silently count as correct).
public func topKCorrect(logits: [Float], labels: [Int32], classCount: Int, k: Int) throws -> Int {
    guard classCount > 0, k >= 1, k <= classCount else {
        throw AnalysisError.invalidArgument("top-k accuracy: k = \(k) must lie in 1...\(classCount)")
    }
    guard logits.count == labels.count * classCount else {
        throw AnalysisError.shapeMismatch(object: "logits (\(labels.count) rows × \(classCount) classes)",
                                          expected: labels.count * classCount, actual: logits.count)
    }
    var correct = 0
    try logits.withUnsafeBufferPointer { l in
        for (r, label) in labels.enumerated() {
            let y = Int(label)
            guard y >= 0, y < classCount else { throw AnalysisError.labelOutOfRange(label: y, classCount: classCount) }
            let row = l.baseAddress! + r * classCount
            let target = row[y]
            var above = 0
            var finite = true
            for j in 0..<classCount {
                let v = row[j]
                finite = finite && v.isFinite
                above += (v > target || (v == target && j < y)) ? 1 : 0
            }
            guard finite else {
                throw AnalysisError.invalidArgument("logits: row \(r) holds NaN or infinity")
            }
            if above < k { correct += 1 }
        }
    }
    return correct
}

/// Fraction of rows whose true class is among the top `k` logits (see ``topKCorrect(logits:labels:classCount:k:)``
/// for the tie rule). Throws when there are no rows.
public func topKAccuracy(logits: [Float], labels: [Int32], classCount: Int, k: Int) throws -> Double {
    guard !labels.isEmpty else { throw AnalysisError.invalidArgument("top-k accuracy: no rows") }
    return Double(try topKCorrect(logits: logits, labels: labels, classCount: classCount, k: k)) / Double(labels.count)
}
