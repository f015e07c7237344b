import Foundation
import Testing
import Penultimate
import TestSupport

/// Six classes, four val rows whose top-1/top-5 are known by hand:
/// row 0 (label 0): class 0 is the largest logit → top-1 and top-5 correct;
/// row 1 (label 1): class 0 ranks above it → top-5 only;
/// row 2 (label 2): 6,5,4,… → rank 3 → top-5 only;
/// row 3 (label 5): 6,5,4,3,2,1 → rank 6 → neither. Top-1 25 %, top-5 75 %.
private let handLogits: [Float] = [
    5, 1, 0, 0, 0, 0,
    3, 2, 1, 0, 0, 0,
    6, 5, 4, 3, 2, 1,
    6, 5, 4, 3, 2, 1,
]
private let handLabels: [Int32] = [0, 1, 2, 5]

/// Writes a 6-class dump with the hand logits (or none) in `val`, and the given attributes.
@discardableResult
private func writeHandDump(_ folder: String, _ name: String, role: DumpAttributes.Role, alpha: Double,
                           temperature: Double? = nil, logits: [Float]? = handLogits, labels: [Int32] = handLabels) throws -> String {
    let path = (folder as NSString).appendingPathComponent(name)
    let attributes = DumpAttributes(
        model: name, role: role, dataset: "hand", lsAlpha: role == .teacher ? alpha : 0,
        teacherModel: role == .student ? "teacher" : nil, teacherLSAlpha: role == .student ? alpha : nil,
        kdTemperature: temperature)
    let writer = try FeatureWriter(path: path, attributes: attributes,
                                   classes: ClassList(wnids: (0..<6).map { String(format: "n%08d", $0) }),
                                   weight: [Float](repeating: 0.5, count: 12), bias: [Float](repeating: 0, count: 6))
    try writer.append(split: "val", features: [Float](repeating: 1, count: 2 * labels.count), labels: labels, logits: logits)
    try writer.finish()
    return path
}

@Suite struct AccuracyTableTests {
    @Test func handComputedTopOneAndTopFive() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-tests")
        let path = try writeHandDump(folder, "t.h5", role: .teacher, alpha: 0.1)
        let m = try AccuracyMeasurement.measure([path], split: "val")
        #expect(m.top1 == 25)
        #expect(m.top5 == 75)
        #expect(m.topK == 5)
        #expect(m.rows == 4)
        #expect(m.row == .teacher)
        #expect(m.alpha == 0.1)
    }

    @Test func tiesRankByClassIndex() throws {
        // All logits equal: class 3 has classes 0, 1, 2 above it (rank 4) → top-5 only;
        // class 5 has five above it → neither.
        let folder = try temporaryDirectory(prefix: "accuracy-tests")
        let path = try writeHandDump(folder, "tie.h5", role: .teacher, alpha: 0,
                                     logits: [Float](repeating: 2, count: 12), labels: [0, 3])
        let m = try AccuracyMeasurement.measure([path], split: "val")
        #expect(m.top1 == 50)
        #expect(m.top5 == 100)
        let path2 = try writeHandDump(folder, "tie2.h5", role: .teacher, alpha: 0,
                                      logits: [Float](repeating: 2, count: 6), labels: [5])
        let m2 = try AccuracyMeasurement.measure([path2], split: "val")
        #expect(m2.top1 == 0)
        #expect(m2.top5 == 0)
    }

    @Test func layoutFollowsAttributes() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-tests")
        // Given out of order, one cell (T = 3, α = 0) missing.
        let paths = [
            try writeHandDump(folder, "s-0.1-3.h5", role: .student, alpha: 0.1, temperature: 3),
            try writeHandDump(folder, "s-0-64.h5", role: .student, alpha: 0, temperature: 64),
            try writeHandDump(folder, "t-0.1.h5", role: .teacher, alpha: 0.1),
            try writeHandDump(folder, "s-0-1.h5", role: .student, alpha: 0, temperature: 1),
            try writeHandDump(folder, "t-0.h5", role: .teacher, alpha: 0),
            try writeHandDump(folder, "s-0.1-1.h5", role: .student, alpha: 0.1, temperature: 1),
        ]
        let table = try AccuracyTable(paths.map { try AccuracyMeasurement.measure([$0], split: "val") })
        #expect(table.rows == [.teacher, .student(temperature: 1), .student(temperature: 3), .student(temperature: 64)])
        #expect(table.alphas == [0, 0.1])
        #expect(table.cell(.student(temperature: 3), alpha: 0) == nil)
        #expect(table.cell(.student(temperature: 3), alpha: 0.1)?.path.hasSuffix("s-0.1-3.h5") == true)
        let rendered = table.table().render(.csv).split(separator: "\n").map(String.init)
        #expect(rendered.last(where: { !$0.hasPrefix("#") }) == "T = 64,25.00 / 75.00,")
        #expect(rendered.contains(",α = 0.0,α = 0.1"))
        #expect(rendered.contains("teacher,25.00 / 75.00,25.00 / 75.00"))
        #expect(rendered.contains("T = 3,,25.00 / 75.00"))
        #expect(table.measurements.map { ($0.path as NSString).lastPathComponent }
                == ["t-0.h5", "t-0.1.h5", "s-0-1.h5", "s-0.1-1.h5", "s-0.1-3.h5", "s-0-64.h5"])
    }

    @Test func dumpWithoutLogitsIsAnError() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-tests")
        let path = try writeHandDump(folder, "nologits.h5", role: .teacher, alpha: 0, logits: nil)
        #expect(throws: InputError.noLogits(path: path, split: "val")) {
            try AccuracyMeasurement.measure([path], split: "val")
        }
        #expect(toolExitCode(for: InputError.noLogits(path: path, split: "val")) == .badInput)
    }

    @Test func twoDumpsForOneCellAreAnError() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-tests")
        let a = try writeHandDump(folder, "a.h5", role: .student, alpha: 0.1, temperature: 3)
        let b = try writeHandDump(folder, "b.h5", role: .student, alpha: 0.1, temperature: 3)
        let measurements = try [a, b].map { try AccuracyMeasurement.measure([$0], split: "val") }
        #expect(throws: InputError.duplicateCell(path: b, other: a, row: "T = 3", alpha: "0.1")) {
            try AccuracyTable(measurements)
        }
    }

    @Test func missingSplitIsBadInput() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-tests")
        let path = try writeHandDump(folder, "t.h5", role: .teacher, alpha: 0)
        let error = #expect(throws: (any Error).self) { try AccuracyMeasurement.measure([path], split: "train") }
        #expect(error.map { toolExitCode(for: $0) } == .badInput)
    }

    @Test func jsonFollowsTheSchema() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-tests")
        let teacher = try writeHandDump(folder, "t.h5", role: .teacher, alpha: 0.1)
        let student = try writeHandDump(folder, "s.h5", role: .student, alpha: 0.1, temperature: 2)
        let table = try AccuracyTable([student, teacher].map { try AccuracyMeasurement.measure([$0], split: "val") })
        let text = try table.json(provenance: Provenance(tool: "accuracy", commandLine: ["accuracy", "t.h5"]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "penultimate-accuracy")
        #expect(object["format_version"] as? Int == 1)
        #expect((object["provenance"] as? [String: Any])?["tool"] as? String == "accuracy")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows[0]["role"] as? String == "teacher")
        #expect(rows[0]["teacher_ls_alpha"] is NSNull)
        #expect(rows[0]["kd_temperature"] is NSNull)
        #expect(rows[1]["role"] as? String == "student")
        #expect(rows[1]["teacher_ls_alpha"] as? Double == 0.1)
        #expect(rows[1]["kd_temperature"] as? Double == 2)
        #expect(rows[1]["top1"] as? Double == 25)
        #expect(rows[1]["top5"] as? Double == 75)
        #expect(rows[1]["rows"] as? Int == 4)
        #expect(rows[1]["split"] as? String == "val")
        #expect(rows[1]["path"] as? String == student)
    }
}

/// `plot --accuracy` reads what `accuracy` writes: the table's JSON through the chart's reader gives
/// back every row, value for value (one `Decodable` document, decoded once).
@Test func accuracyJSONReadsBackThroughTheChartReader() throws {
    let folder = try temporaryDirectory(prefix: "accuracy-tests")
    let teacher = try writeHandDump(folder, "t.h5", role: .teacher, alpha: 0.1)
    let student = try writeHandDump(folder, "s.h5", role: .student, alpha: 0.1, temperature: 2)
    let measurements = try [student, teacher].map { try AccuracyMeasurement.measure([$0], split: "val") }
    let table = try AccuracyTable(measurements)
    let path = folder + "/acc.json"
    try (try table.json(provenance: Provenance(tool: "accuracy", commandLine: ["accuracy"]))).write(toFile: path, atomically: true, encoding: .utf8)
    let data = try AccuracyChartData.read(path: path)
    #expect(data.rows.map(\.role) == ["teacher", "student"] && data.rows.map(\.split) == ["val", "val"])
    #expect(data.rows.map(\.lsAlpha) == [0.1, 0] && data.rows.map(\.teacherLSAlpha) == [nil, 0.1])
    #expect(data.rows.map(\.kdTemperature) == [nil, 2])
    #expect(data.rows.map(\.top1) == [25, 25] && data.rows.map(\.top5) == [75, 75])
}
