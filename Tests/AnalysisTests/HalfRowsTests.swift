@testable import Analysis
import Testing

/// `add(halfRows:labels:classes:)` against `add(rows:labels:classes:)` on the same rows as Floats:
/// the same sums bit for bit, the same counts, skips and errors.
@Suite struct HalfRowsTests {
    /// Every one of the 65536 halves, in rows of 37 (SIMD blocks and a scalar tail), padded with 1.0.
    static let dim = 37
    static let halves: [UInt16] = {
        var h = (0...UInt16.max).map { $0 }
        while h.count % dim != 0 { h.append(0x3c00) }
        return h
    }()
    static let floats: [Float] = halves.map { Float(Float16(bitPattern: $0)) }

    @Test func everyHalfAddsExactlyAsItsFloat() throws {
        // One class per row, so each class's sums are that row widened to Double.
        let rows = Self.halves.count / Self.dim
        let labels = (0..<rows).map { Int32($0) }
        for normalization in CentroidAccumulator.RowNormalization.allCases {
            var fromHalves = try CentroidAccumulator(classCount: rows, dim: Self.dim, rowNormalization: normalization,
                                                     invalidRowPolicy: .skip)
            var fromFloats = fromHalves
            try Self.halves.withUnsafeBufferPointer { h in
                try labels.withUnsafeBufferPointer { try fromHalves.add(halfRows: h, labels: $0) }
            }
            try fromFloats.add(rows: Self.floats, labels: labels)
            #expect(fromHalves.sums.map(\.bitPattern) == fromFloats.sums.map(\.bitPattern), "\(normalization)")
            #expect(fromHalves.counts == fromFloats.counts)
            #expect(fromHalves.skippedNonFinite == fromFloats.skippedNonFinite && fromHalves.skippedNonFinite > 0)
            #expect(fromHalves.skippedZero == fromFloats.skippedZero)
            if normalization == .none {
                // Rows holding no infinity or NaN are summed exactly: the sum is the row.
                for r in 0..<rows where fromFloats.counts[r] == 1 {
                    let want = Self.floats[(r * Self.dim)..<((r + 1) * Self.dim)].map { Double($0).bitPattern }
                    #expect(Array(fromHalves.sums[(r * Self.dim)..<((r + 1) * Self.dim)].map(\.bitPattern)) == want, "row \(r)")
                }
            }
        }
    }

    @Test func rowsOfAFewClassesInBlocksMatchTheFloatPath() throws {
        let rows = Self.halves.count / Self.dim
        let labels = (0..<rows).map { Int32(($0 * 7) % 5) }
        var fromHalves = try CentroidAccumulator(classCount: 5, dim: Self.dim, invalidRowPolicy: .skip)
        var fromFloats = fromHalves
        for start in stride(from: 0, to: rows, by: 100) {
            let end = min(rows, start + 100)
            let h = Array(Self.halves[(start * Self.dim)..<(end * Self.dim)])
            let l = Array(labels[start..<end])
            try h.withUnsafeBufferPointer { h in try l.withUnsafeBufferPointer { try fromHalves.add(halfRows: h, labels: $0, classes: [0, 2, 4]) } }
            try fromFloats.add(rows: Array(Self.floats[(start * Self.dim)..<(end * Self.dim)]), labels: l, classes: [0, 2, 4])
        }
        #expect(fromHalves.sums.map(\.bitPattern) == fromFloats.sums.map(\.bitPattern))
        #expect(fromHalves.counts == fromFloats.counts && fromHalves.skippedNonFinite == fromFloats.skippedNonFinite)
    }

    @Test func refusedRowsThrowTheSameError() throws {
        // Row 1 holds a NaN in the SIMD part, row 3 an infinity in the tail; row 2 is all zero.
        var halves = [UInt16](repeating: 0x4000, count: 4 * 17)
        halves[17 + 3] = 0x7e00
        halves[3 * 17 + 16] = 0xfc00
        for j in 0..<17 { halves[2 * 17 + j] = j % 2 == 0 ? 0 : 0x8000 }
        let floats = halves.map { Float(Float16(bitPattern: $0)) }
        let labels: [Int32] = [0, 1, 0, 1]
        for normalization in CentroidAccumulator.RowNormalization.allCases {
            let want = AnalysisError.nonFiniteRows(count: 2, firstRow: 1)
            var a = try CentroidAccumulator(classCount: 2, dim: 17, rowNormalization: normalization)
            #expect(throws: want) {
                try halves.withUnsafeBufferPointer { h in try labels.withUnsafeBufferPointer { try a.add(halfRows: h, labels: $0) } }
            }
            var b = try CentroidAccumulator(classCount: 2, dim: 17, rowNormalization: normalization)
            #expect(throws: want) { try b.add(rows: floats, labels: labels) }
            var skipH = try CentroidAccumulator(classCount: 2, dim: 17, rowNormalization: normalization, invalidRowPolicy: .skip)
            var skipF = skipH
            try halves.withUnsafeBufferPointer { h in try labels.withUnsafeBufferPointer { try skipH.add(halfRows: h, labels: $0) } }
            try skipF.add(rows: floats, labels: labels)
            #expect(skipH.sums.map(\.bitPattern) == skipF.sums.map(\.bitPattern) && skipH.counts == skipF.counts)
            #expect(skipH.skippedZero == skipF.skippedZero && skipH.skippedZero == (normalization == .unitLength ? 1 : 0))
        }
        var a = try CentroidAccumulator(classCount: 2, dim: 17)
        #expect(throws: AnalysisError.self) {
            try [UInt16](repeating: 0, count: 16).withUnsafeBufferPointer { h in
                try [Int32(0)].withUnsafeBufferPointer { try a.add(halfRows: h, labels: $0) }
            }
        }
    }
}
