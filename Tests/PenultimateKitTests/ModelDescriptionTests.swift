import Analysis
import FeatureStore
import Foundation
import HDF5
import Testing
import TestSupport

/// A model's attributes have one shape (``ModelDescription``) and one rule for an absent value:
/// written absent, never NaN; centroid files that older versions wrote with NaN still read.
@Suite struct ModelDescriptionTests {
    private func centroidFile(_ source: ModelDescription) throws -> CentroidFile {
        let accumulator = try CentroidAccumulator(classCount: 2, dim: 2, rowNormalization: .none, sums: [1, 2, 3, 4],
                                                  counts: [1, 1], invalidRowPolicy: .skip)
        let coverage = CentroidCoverage(files: ["d.h5"], ranks: nil, shardCount: nil, sampleCount: 2, sampleRanges: [0..<2],
                                        rows: 2, duplicatesDropped: 0, whole: true)
        return CentroidFile(paths: ["d.h5"], split: "val", classes: ClassList(wnids: ["n1", "n2"]), source: source,
                            accumulator: accumulator, coverage: coverage)
    }

    @Test func centroidFilesLeaveAbsentValuesOutAndReadOldNaNAsAbsent() throws {
        let dir = try temporaryDirectory(prefix: "model-description")
        let teacher = ModelDescription(model: "r18", role: .teacher, dataset: "toy", lsAlpha: 0.1)
        let path = dir + "/teacher.h5"
        try centroidFile(teacher).write(to: path, provenance: "{}")
        let names = try File(path: path).root.attributeNames()
        #expect(Set(names.filter { $0.hasPrefix("source_") }) == ["source_model", "source_role", "source_dataset", "source_ls_alpha"])
        #expect(try CentroidFile.read(path).source == teacher)

        // A student keeps every value; read back bit for bit.
        let student = ModelDescription(model: "r18", role: .student, dataset: "toy", lsAlpha: 0, teacherModel: "r50",
                                       teacherLSAlpha: 0.1, kdTemperature: 0.30000000000000004)
        try centroidFile(student).write(to: dir + "/student.h5", provenance: "{}")
        #expect(try CentroidFile.read(dir + "/student.h5").source == student)

        // What older versions wrote: NaN for the absent student-only values, no dataset.
        do {
            let file = try File(path: path, mode: .readWrite)
            try file.root.writeAttribute("source_teacher_ls_alpha", Double.nan)
            try file.root.writeAttribute("source_kd_temperature", Double.nan)
            try file.flush()
        }
        let old = try CentroidFile.read(path).source
        #expect(old.teacherLSAlpha == nil && old.kdTemperature == nil && old == teacher)
        // NaN is absent only where a value may be absent: a NaN ls_alpha is refused.
        do {
            let file = try File(path: path, mode: .readWrite)
            try file.root.writeAttribute("source_ls_alpha", Double.nan)
            try file.flush()
        }
        #expect(throws: InputError.self) { _ = try CentroidFile.read(path) }
    }

    /// A dump's attributes are its description plus the run's fields; the description written
    /// into a dump reads back the same.
    @Test func dumpAttributesWrapTheDescription() throws {
        var attributes = DumpAttributes(model: "r18", role: .student, dataset: "toy", lsAlpha: 0, teacherModel: "r50",
                                        teacherLSAlpha: 0.1, kdTemperature: 3, seed: 4)
        #expect(ModelDescription(attributes) == ModelDescription(model: "r18", role: .student, dataset: "toy", lsAlpha: 0,
                                                                 teacherModel: "r50", teacherLSAlpha: 0.1, kdTemperature: 3))
        attributes.kdTemperature = 2
        #expect(attributes.description.kdTemperature == 2)
        #expect(ModelDescription(attributes).texts == ["model": "r18", "role": "student", "dataset": "toy", "ls_alpha": "0.0",
                                                       "teacher_model": "r50", "teacher_ls_alpha": "0.1", "kd_temperature": "2.0"])
        #expect(attributes.provenance["kd_temperature"] == "2.0" && attributes.provenance["seed"] == "4")
    }
}
