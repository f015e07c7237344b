import Analysis

/// Which rows of each class become projected points. Centroids always use all rows.
public enum SampleSelection: Sendable, Equatable, CustomStringConvertible {
    /// Every row of each class.
    case all
    /// The first N rows of each class in ascending `sample_index` order (the paper: 150 train, 50 val);
    /// a class with fewer rows gives all of them.
    case firstPerClass(Int)
    /// N rows of each class drawn without replacement by ``Xoshiro256StarStar`` seeded with `seed`
    /// (per class, in template order, from the class's rows in `sample_index` order), then listed in
    /// `sample_index` order; a class with fewer rows gives all of them.
    case randomPerClass(Int, seed: UInt64)

    /// One line for users and provenance.
    public var description: String {
        switch self {
        case .all: return "all rows of each class"
        case .firstPerClass(let n): return "first \(n) rows per class in sample_index order"
        case .randomPerClass(let n, let seed): return "\(n) rows per class drawn at random (xoshiro256**, seed \(seed)), listed in sample_index order"
        }
    }

    /// Positions (into `sampleIndex`, one class's rows) of the selected rows, in ascending sample index.
    /// `classPosition` decorrelates the random draws of the three classes.
    public func select(sampleIndex: [Int64], classPosition: Int) -> [Int] {
        let ordered = sampleIndex.indices.sorted { (sampleIndex[$0], $0) < (sampleIndex[$1], $1) }
        switch self {
        case .all:
            return ordered
        case .firstPerClass(let n):
            return Array(ordered.prefix(max(0, n)))
        case .randomPerClass(let n, let seed):
            guard n < ordered.count else { return ordered }
            var generator = Xoshiro256StarStar(seed: seed &+ UInt64(classPosition) &* 0x9E37_79B9_7F4A_7C15)
            var pool = ordered
            // Partial Fisher–Yates: the first n slots end up a uniform sample without replacement.
            for i in 0..<max(0, n) {
                let j = i + generator.index(below: pool.count - i)
                pool.swapAt(i, j)
            }
            return pool.prefix(max(0, n)).sorted { (sampleIndex[$0], $0) < (sampleIndex[$1], $1) }
        }
    }
}
