/// The sample indices seen so far: a bitmap over `0...largest` when every value is a small
/// non-negative integer (the usual case: indices into a dataset, at most four per row stored), a
/// hash set otherwise. For ImageNet's 1.28M samples the bitmap is 160 KiB and one bit test per
/// row, against a ~20 MiB set and a hash per row (measured: the set and a sort of sample_index
/// were a sixth of a plain `eta`'s CPU time).
struct SeenSamples {
    private var bits: [UInt64] = []
    private var set: Set<Int64>? = nil
    /// Distinct values inserted.
    private(set) var count = 0

    /// Room for `values` (only their range is looked at).
    init<S: Sequence>(range values: S, rows: Int) where S.Element == Int64 {
        var low = Int64.max, high = Int64.min
        for v in values { low = min(low, v); high = max(high, v) }
        if low >= 0, high < Int64(max(4 * rows, 1 << 16)) {
            bits = [UInt64](repeating: 0, count: Int(high >> 6) + 1)
        } else {
            set = Set(minimumCapacity: rows)
        }
    }

    /// Inserts `v`; true when it was not there.
    @inline(__always)
    mutating func insert(_ v: Int64) -> Bool {
        if set != nil { let new = set!.insert(v).inserted; if new { count += 1 }; return new }
        let word = Int(v >> 6), bit = UInt64(1) << UInt64(v & 63)
        if bits[word] & bit != 0 { return false }
        bits[word] |= bit
        count += 1
        return true
    }

    /// The distinct values as sorted half-open ranges of consecutive values.
    func ranges() -> [Range<Int64>] {
        var result: [Range<Int64>] = []
        func add(_ v: Int64) {
            if let last = result.last, last.upperBound == v {
                result[result.count - 1] = last.lowerBound..<(v + 1)
            } else {
                result.append(v..<(v + 1))
            }
        }
        if let set {
            for v in set.sorted() { add(v) }
            return result
        }
        for (w, word) in bits.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                let b = rest.trailingZeroBitCount
                add(Int64(w << 6 + b))
                rest &= rest - 1
            }
        }
        return result
    }
}
