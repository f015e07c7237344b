@testable import Analysis
import Testing

/// The SIMD finite check in the accumulator's hot loop: every lane and the scalar tail.
@Suite struct FastFiniteCheckTests {
    @Test func everyPositionAndEveryKindOfSpecialValueIsCaught() {
        for dim in [1, 7, 15, 16, 17, 37, 64] {
            var row = (0..<dim).map { Float($0) * 0.5 - 3 }
            // Largest finite, smallest subnormal, signed zero: all finite.
            row[0] = .greatestFiniteMagnitude
            if dim > 1 { row[1] = -.leastNonzeroMagnitude }
            if dim > 2 { row[2] = -0.0 }
            #expect(row.withUnsafeBufferPointer { CentroidAccumulator.isFinite($0.baseAddress!, dim) }, "dim \(dim)")
            for position in 0..<dim {
                for special in [Float.nan, .infinity, -.infinity, Float(bitPattern: 0x7f80_0001), Float(bitPattern: 0xffc0_0000)] {
                    var bad = row
                    bad[position] = special
                    #expect(!bad.withUnsafeBufferPointer { CentroidAccumulator.isFinite($0.baseAddress!, dim) },
                            "dim \(dim) position \(position) \(special.bitPattern)")
                }
            }
        }
    }

    @Test func skippedRowsLeaveTheSumsOfTheOthersExact() throws {
        // 3 rows of dim 17 (a SIMD block plus a tail); the middle one holds +inf in the tail.
        var rows = (0..<51).map { Float($0) }
        rows[17 + 16] = .infinity
        var accumulator = try CentroidAccumulator(classCount: 2, dim: 17, invalidRowPolicy: .skip)
        try accumulator.add(rows: rows, labels: [0, 0, 1])
        #expect(accumulator.skippedNonFinite == 1)
        #expect(accumulator.counts == [1, 1])
        #expect(Array(accumulator.sums[0..<17]) == (0..<17).map { Double($0) })
        #expect(Array(accumulator.sums[17..<34]) == (34..<51).map { Double($0) })
    }
}
