import Foundation
import Testing
import MiniLab
import MiniLabRun
import Penultimate
import TestSupport

/// A tiny experiment on four real WordNet classes (two retrievers, two snakes), small enough for
/// a debug build: 2 epochs, 60 training rows per class.
private func tinyExperiment(seed: UInt64 = 0) throws -> (ExperimentResult, ExperimentConfig, WordNet) {
    let wordNet = try WordNet()
    let tree = try MiniLabClassSet.classTree(["n02099601", "n02099712", "n01728572", "n01734418"], wordNet: wordNet)
    let config = ExperimentConfig(
        data: HierarchicalDataConfig(trainPerClass: 60, valPerClass: 20, seed: 5),
        teacherHidden: [32], studentHidden: [16],
        teacherTraining: TrainingConfig(epochs: 2, batchSize: 32, learningRate: 0.05),
        studentTraining: TrainingConfig(epochs: 2, batchSize: 32, learningRate: 0.05),
        teacherAlphas: [0, 0.1], temperatures: [1, 3], seed: seed)
    return (try runExperiment(tree: tree, config: config), config, wordNet)
}

@Suite struct MiniLabDumpsTests {
    @Test func pathsComeFromWordNet() throws {
        let wordNet = try WordNet()
        // Golden retriever reaches entity through canine and through domestic animal
        // (checked by hand against data.noun's @ pointers).
        let paths = try MiniLabClassSet.hypernymPaths(of: "n02099601", in: wordNet)
        #expect(paths == [
            ["n00001740", "n00001930", "n00002684", "n00003553", "n00004258", "n00004475", "n00015388", "n01317541", "n02084071", "n02087122", "n02098550", "n02099029", "n02099601"],
            ["n00001740", "n00001930", "n00002684", "n00003553", "n00004258", "n00004475", "n00015388", "n01466257", "n01471682", "n01861778", "n01886756", "n02075296", "n02083346", "n02084071", "n02087122", "n02098550", "n02099029", "n02099601"],
        ])
        let tree = try MiniLabClassSet.classTree(wordNet: wordNet)
        #expect(tree.count == 40)
        #expect(Set(MiniLabClassSet.wordNet40).count == 40)
        #expect(tree.paths.allSatisfy { $0.allSatisfy { $0.first == "n00001740" } })
        #expect(throws: TaxonomyError.self) { try MiniLabClassSet.classTree(["n99999999"], wordNet: wordNet) }
    }

    @Test func dumpsRoundTripThroughFeatureStore() throws {
        let (result, config, wordNet) = try tinyExperiment()
        let folder = try temporaryDirectory(prefix: "minilab-dumps")
        let names = try result.data.tree.classes.map { try wordNet.name(of: $0) }
        let options = MiniLabDumps.Options(featureType: .float16, gzipLevel: 6, trainRowsPerClass: 25, valRowsPerClass: nil,
                                           dataset: "minilab-test")
        let paths = try MiniLabDumps.write(result, config: config, classNames: names, to: folder, options: options)
        #expect(paths.map { ($0 as NSString).lastPathComponent } == [
            "teacher-ls0.0.h5", "teacher-ls0.1.h5",
            "student-ls0.0-T1.h5", "student-ls0.0-T3.h5", "student-ls0.1-T1.h5", "student-ls0.1-T3.h5",
        ])
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 6)

        for (path, model) in zip(paths, result.models) {
            let dump = try Dump.open(path)
            let a = dump.attributes
            #expect(a.model == model.name)
            #expect(a.dataset == "minilab-test")
            #expect(a.lsAlpha == model.lsAlpha)
            #expect(a.teacherLSAlpha == model.teacherLSAlpha)
            #expect(a.kdTemperature == model.kdTemperature)
            #expect(a.seed == 0)
            #expect(a.epoch == 2)
            #expect(a.writer == FeatureWriter.writerName)
            let configJSON = try #require(a.configJSON)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(configJSON.utf8)) as? [String: Any])
            let experiment = try #require(json["experiment"] as? [String: Any])
            #expect((experiment["data"] as? [String: Any])?["trainPerClass"] as? Int == 60)
            #expect((json["storage"] as? [String: Any])?["train_rows_per_class"] as? Int == 25)
            #expect(dump.classes.wnids == result.data.tree.classes)
            #expect(dump.classes.names?[0] == "golden retriever")
            #expect(dump.dim == model.network.penultimateDim)
            #expect(Set(dump.splitNames) == ["train", "val"])

            let (weight, bias) = try dump.classifier()
            #expect(weight == model.classifierWeight)
            #expect(bias == model.classifierBias)
            for (split, perClass, source) in [("train", 25, 60), ("val", 20, 20)] {
                let reader = try dump.split(split)
                #expect(reader.rows == 4 * perClass)
                #expect(reader.hasLogits)
                #expect(reader.storedType == .float16)
                var rows = 0
                try reader.forEachBlock(includeLogits: true) { block in
                    let logits = try #require(block.logits)
                    let index = try #require(block.sampleIndex)
                    for r in 0..<block.rowCount {
                        // The first `perClass` rows of each class, in label order.
                        let k = (rows + r) / perClass
                        #expect(block.labels[r] == Int32(k))
                        #expect(index[r] == Int64(k * source + (rows + r) % perClass))
                        // Logits are the float32 classifier applied to the float32 features;
                        // the stored features are float16 (relative error 2⁻¹¹).
                        for c in 0..<4 {
                            var z = Double(bias[c]), bound = 0.0
                            for d in 0..<block.dim {
                                let product = Double(weight[c * block.dim + d]) * Double(block.features[r * block.dim + d])
                                z += product
                                bound += abs(product)
                            }
                            #expect(abs(z - Double(logits[r * 4 + c])) <= 1e-3 * bound + 1e-5)
                        }
                    }
                    rows += block.rowCount
                }
                #expect(rows == 4 * perClass)
            }
        }
        // Logits agree with the model itself on the stored rows (top-1 from the dump = the model's).
        let teacherVal = try AccuracyMeasurement.measure([paths[0]], split: "val")
        #expect(abs(teacherVal.top1 / 100 - result.models[0].accuracy(on: result.data.val)) < 1e-12)
    }

    @Test func sameSeedSameBytesOfData() throws {
        let (first, config, _) = try tinyExperiment(seed: 3)
        let (second, _, _) = try tinyExperiment(seed: 3)
        let (other, _, _) = try tinyExperiment(seed: 4)
        let a = try temporaryDirectory(prefix: "minilab-dumps"), b = try temporaryDirectory(prefix: "minilab-dumps"), c = try temporaryDirectory(prefix: "minilab-dumps")
        let options = MiniLabDumps.Options.fixture()
        let pa = try MiniLabDumps.write(first, config: config, to: a, options: options)
        let pb = try MiniLabDumps.write(second, config: config, to: b, options: options)
        let pc = try MiniLabDumps.write(other, config: config, to: c, options: options)
        func content(_ path: String) throws -> ([Float], [Float], [Float], String?) {
            let dump = try Dump.open(path)
            var features: [Float] = [], logits: [Float] = []
            try dump.split("val").forEachBlock(includeLogits: true) { features += $0.features; logits += $0.logits ?? [] }
            return (features, logits, try dump.classifier().weight, dump.attributes.configJSON)
        }
        for (x, y) in zip(pa, pb) { #expect(try content(x) == content(y)) }
        #expect(try content(pa[0]).0 != content(pc[0]).0)
    }
}
