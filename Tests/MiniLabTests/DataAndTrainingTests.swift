import Foundation
import Testing
import MiniLab

/// Two groups of three siblings under a shared root, plus a loner: a hand-made hierarchy.
func smallTree() throws -> ClassTree {
    let paths: [String: [[String]]] = [
        "a1": [["root", "animal", "dogish", "a1"]],
        "a2": [["root", "animal", "dogish", "a2"]],
        "a3": [["root", "animal", "dogish", "a3"]],
        "b1": [["root", "animal", "snakeish", "b1"]],
        "b2": [["root", "animal", "snakeish", "b2"]],
        "b3": [["root", "artifact", "vessel", "b3"], ["root", "animal", "snakeish", "b3"]],
        "c": [["root", "artifact", "thing", "c"]],
    ]
    return try ClassTree(classes: ["a1", "a2", "a3", "b1", "b2", "b3", "c"], paths: paths)
}

@Suite struct ClassTreeTests {
    @Test func rejectsMalformedTrees() {
        #expect(throws: MiniLabError.self) { try ClassTree(classes: ["x"], paths: [:]) }
        #expect(throws: MiniLabError.self) { try ClassTree(classes: ["x"], paths: ["x": [["root", "y"]]]) }
        #expect(throws: MiniLabError.self) { try ClassTree(classes: ["x", "x"], paths: ["x": [["x"]]]) }
        #expect(throws: MiniLabError.self) {
            try HierarchicalData(tree: try ClassTree(classes: ["x"], paths: ["x": [["x"]]]), config: .init())
        }
        #expect(throws: MiniLabError.self) {
            try HierarchicalData(tree: try smallTree(), config: .init(trainPerClass: 0))
        }
    }

    @Test func ancestorsAreTheUnionOfPaths() throws {
        let tree = try smallTree()
        #expect(tree.ancestors(of: 5) == ["root", "artifact", "vessel", "animal", "snakeish", "b3"])
    }

    @Test func errorDescriptionIsOneLine() {
        let e = MiniLabError.badClassTree("class x has no ancestor path")
        #expect(e.description == "MiniLab: class tree: class x has no ancestor path")
    }
}

@Suite struct HierarchicalDataTests {
    static let config = HierarchicalDataConfig(latentDim: 16, inputDim: 24, trainPerClass: 40, valPerClass: 10, seed: 9)

    @Test func shapesLabelsAndRange() throws {
        let data = try HierarchicalData(tree: try smallTree(), config: Self.config)
        #expect(data.train.inputs.rows == 7 * 40 && data.train.inputs.cols == 24)
        #expect(data.val.count == 70)
        #expect(data.train.labels[0] == 0 && data.train.labels[40] == 1 && data.train.labels.last == 6)
        // tanh plus small noise stays near [−1, 1].
        #expect(data.train.inputs.values.allSatisfy { abs($0) < 1.5 })
    }

    @Test func sameSeedSameData_otherSeedOtherData() throws {
        let tree = try smallTree()
        let a = try HierarchicalData(tree: tree, config: Self.config)
        let b = try HierarchicalData(tree: tree, config: Self.config)
        var other = Self.config
        other.seed = 10
        let c = try HierarchicalData(tree: tree, config: other)
        #expect(a.train.inputs == b.train.inputs && a.val.inputs == b.val.inputs)
        #expect(a.train.inputs != c.train.inputs)
        // Train and val are independent draws: their first rows (same class) differ.
        #expect(a.train.inputs.gatherRows([0]) != a.val.inputs.gatherRows([0]))
    }

    @Test func siblingsAreCloserThanDistantClasses() throws {
        // Latent class means: within a sibling group (differ by two leaf vectors) versus across
        // groups (differ by leaves and several internal nodes).
        var config = Self.config
        config.latentDim = 256  // many dimensions: distances close to their expectation
        let m = try HierarchicalData(tree: try smallTree(), config: config).latentMeans
        func d(_ i: Int, _ j: Int) -> Double {
            (0..<m.cols).reduce(0.0) { $0 + pow(Double(m[i, $1] - m[j, $1]), 2) }.squareRoot()
        }
        let within = [d(0, 1), d(0, 2), d(1, 2), d(3, 4)]
        let across = [d(0, 3), d(1, 4), d(2, 6), d(4, 6)]
        #expect(within.max()! < across.min()!)
        // Expected within-group distance: √2 · leafScale.
        #expect(abs(d(0, 1) - 2.0.squareRoot() * config.leafScale) < 0.15 * config.leafScale)
    }
}

@Suite struct TrainingTests {
    static func quickConfig(threads: Int = 1) -> ExperimentConfig {
        ExperimentConfig(
            data: .init(latentDim: 16, inputDim: 32, trainPerClass: 60, valPerClass: 30, seed: 2),
            teacherHidden: [48, 24], studentHidden: [24, 12],
            teacherTraining: .init(epochs: 12, batchSize: 32, learningRate: 0.05),
            studentTraining: .init(epochs: 3, batchSize: 32, learningRate: 0.05),
            teacherAlphas: [0, 0.1], temperatures: [1, 4], seed: 3, blasThreads: threads)
    }

    @Test func teacherBeatsChanceByAWideMargin() throws {
        let result = try runExperiment(tree: try smallTree(), config: Self.quickConfig())
        let teacher = try #require(result.model(named: "teacher-ls0"))
        // Chance is 1/7 ≈ 0.14; the sibling groups are confusable by design, the groups are not.
        #expect(teacher.accuracy(on: result.data.val) > 0.5)
        #expect(result.models.map(\.name) == ["teacher-ls0", "teacher-ls0.1", "student-ls0-T1", "student-ls0-T4",
                                              "student-ls0.1-T1", "student-ls0.1-T4"])
    }

    @Test func sameSeedGivesBitIdenticalWeights() throws {
        var reports: [String] = []
        let a = try runExperiment(tree: try smallTree(), config: Self.quickConfig()) { name, r in
            reports.append("\(name) \(r.epoch) \(r.loss)")
        }
        let b = try runExperiment(tree: try smallTree(), config: Self.quickConfig())
        #expect(a.models.count == b.models.count)
        for (x, y) in zip(a.models, b.models) { #expect(x.network == y.network, "\(x.name) differs between runs") }
        // With two BLAS threads as well.
        let c = try runExperiment(tree: try smallTree(), config: Self.quickConfig(threads: 2))
        let d = try runExperiment(tree: try smallTree(), config: Self.quickConfig(threads: 2))
        for (x, y) in zip(c.models, d.models) { #expect(x.network == y.network, "\(x.name) differs (2 threads)") }
        #expect(reports.count == 2 * 12 + 4 * 3)
        var other = Self.quickConfig()
        other.seed = 4
        let e = try runExperiment(tree: try smallTree(), config: other)
        #expect(e.models[0].network != a.models[0].network)
    }

    @Test func modelsCarryProvenance() throws {
        let result = try runExperiment(tree: try smallTree(), config: Self.quickConfig())
        let s = try #require(result.model(named: "student-ls0.1-T4"))
        #expect(s.role == .student && s.teacherName == "teacher-ls0.1" && s.teacherLSAlpha == 0.1 && s.kdTemperature == 4)
        #expect(s.lsAlpha == 0 && s.epochs == 3)
        #expect(s.classifierWeight.count == 7 * 12 && s.classifierBias.count == 7)
        #expect(s.configJSON.contains("\"temperature\":4") && s.configJSON.contains("\"objective\":\"kd\""))
        let (features, logits) = s.evaluate(result.data.val.inputs, batchSize: 50)
        #expect(features.rows == 7 * 30 && features.cols == 12 && logits.cols == 7)
        #expect(features.values.allSatisfy { $0 >= 0 })
        // The classifier applied to the penultimate features gives the logits.
        let again = s.network.classifier.apply(features)
        #expect(zip(again.values, logits.values).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func rejectsBadExperimentConfig() throws {
        var config = Self.quickConfig()
        config.temperatures = [0]
        #expect(throws: MiniLabError.self) { try runExperiment(tree: try smallTree(), config: config) }
        config = Self.quickConfig()
        config.teacherAlphas = [1.5]
        #expect(throws: MiniLabError.self) { try runExperiment(tree: try smallTree(), config: config) }
    }

    @Test func cosineScheduleEndpoints() {
        let c = TrainingConfig(learningRate: 0.1)
        #expect(c.learningRate(step: 0, totalSteps: 100) == 0.1)
        #expect(abs(c.learningRate(step: 50, totalSteps: 100) - 0.05) < 1e-12)
        #expect(abs(c.learningRate(step: 100, totalSteps: 100)) < 1e-12)
    }
}
