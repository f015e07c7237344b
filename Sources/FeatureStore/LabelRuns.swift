/// A split file's labels as runs of one value, kept when there are few of them.
///
/// A file written class by class (sorted by label) has one run per class, so a reader that keeps
/// the runs from the open's check answers every later question about labels (a class filter's row
/// ranges, a pass's labels) without reading the column again: a selection of 3 of 1000 classes
/// then reads only their rows. A shuffled file has about one run per row; its runs are not kept
/// (``maxRuns``) and labels are read from the file instead.
struct LabelRuns: Sendable {
    /// First row of each run, ascending, starting at 0.
    private let starts: [Int]
    /// The label of each run.
    private let values: [Int32]
    /// Rows in all (the last run ends here).
    let rows: Int

    /// The most runs kept (1 MiB of starts and labels).
    static let maxRuns = 1 << 16

    /// The runs of `labels`, or nil when there are more than ``maxRuns``.
    init?(_ labels: [Int32]) {
        var starts: [Int] = [], values: [Int32] = []
        for (row, label) in labels.enumerated() where values.last != label {
            guard starts.count < Self.maxRuns else { return nil }
            starts.append(row)
            values.append(label)
        }
        self.starts = starts
        self.values = values
        rows = labels.count
    }

    /// The labels of `range` (rows within 0..<rows).
    func labels(_ range: Range<Int>) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(range.count)
        // The last run starting at or before the range's first row.
        var low = 0, high = starts.count
        while high - low > 1 {
            let mid = (low + high) / 2
            if starts[mid] <= range.lowerBound { low = mid } else { high = mid }
        }
        var run = low, row = range.lowerBound
        while row < range.upperBound {
            let end = min(range.upperBound, run + 1 < starts.count ? starts[run + 1] : rows)
            out.append(contentsOf: repeatElement(values[run], count: end - row))
            row = end
            run += 1
        }
        return out
    }
}
