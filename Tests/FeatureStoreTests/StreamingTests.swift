import Foundation
@testable import FeatureStore
import Testing

@Suite struct StreamingTests {
    /// Rows sorted by label: a class filter reads just that class's rows, in few reads.
    @Test func classFilterReadsOnlyTheWantedRowsOfASortedFile() throws {
        let path = try temporaryDirectory().appendingPathComponent("s.h5").path
        let dim = 3, rows = 40
        let labels = (0..<rows).map { Int32($0 / 10) }  // 4 classes, 10 rows each, sorted
        let features = toyFeatures(rows: rows, dim: dim)
        let writer = try FeatureWriter(path: path, attributes: toyAttributes, classes: ClassList(names: ["a", "b", "c", "d"]),
                                       weight: [Float](repeating: 1, count: 12), bias: [0, 0, 0, 0],
                                       options: .init(chunkRows: 8))
        try writer.append(split: "val", features: features, labels: labels)
        try writer.finish()
        let reader = try Dump.open(path).split("val")
        let source = reader.sources[0]
        let wanted = [false, false, true, false]
        #expect(reader.readRanges(source, wanted: wanted, maxRows: 100) == [20..<30])
        #expect(reader.readRanges(source, wanted: wanted, maxRows: 4) == [20..<24, 24..<28, 28..<30])
        #expect(reader.readRanges(source, wanted: [true, false, false, true], maxRows: 100) == [0..<10, 30..<40])
        // Unfiltered reads step in whole chunks that fit in maxRows.
        #expect(reader.readRanges(source, wanted: nil, maxRows: 20) == [0..<16, 16..<32, 32..<40])
        let picked = try readAll(reader, maxRows: 4, classes: [2])
        #expect(picked.labels == [Int32](repeating: 2, count: 10))
        #expect(picked.features == Array(features[(20 * dim)..<(30 * dim)]))
        #expect(picked.blocks == 3)
    }
}
