import ArgumentParser
import Foundation
import MiniLab
import MiniLabRun
import Penultimate
import ToolOptions

extension MiniLabTool {
    /// The tuning harness: the experiment with the data and training knobs exposed. It used to be
    /// an opt-in test with its own η read-out; here it writes dumps, so the read-out is `eta` itself
    /// (scripts/minilab-tune.sh runs both) and no second η exists.
    struct Tune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Try data and training settings: train, print each model's accuracy, dump the models.",
            discussion: """
                For tuning the simulated data (MiniLab's SyntheticData article), not for the \
                committed fixtures (use `minilab run`). Unset knobs keep the experiment's defaults. \
                Compare the students with eta afterwards; scripts/minilab-tune.sh does both.

                Example:
                  minilab tune -o /tmp/tune --epochs 20 --noise 0.5
                """)

        @Option(name: .shortAndLong, help: ArgumentHelp("Output folder (created if missing).", valueName: "DIR"))
        var output: String

        @Option(parsing: .unconditional, help: "Seed of initialisation, batch order and the simulated data (0 to 2^64-1).")
        var seed: UInt64?

        @Option(help: "Epochs of every teacher and student.")
        var epochs: Int?

        @Option(name: .customLong("leaf-scale"), help: "Norm of each class's own offset from its parent (small: siblings confusable).")
        var leafScale: Double?

        @Option(name: .customLong("node-scale"), help: "Norm of each inner node's offset in the hierarchy.")
        var nodeScale: Double?

        @Option(help: "Norm of the per-sample latent noise.")
        var noise: Double?

        @Option(name: .customLong("learning-rate"), help: "Learning rate of every model.")
        var learningRate: Double?

        @Option(name: .customLong("weight-decay"), help: "Weight decay of every model.")
        var weightDecay: Double?

        @Option(name: .customLong("train-per-class"), help: "Training rows per class.")
        var trainPerClass: Int?

        @OptionGroup var wordNetOption: WordNetOption

        func validate() throws {
            try validateOutputFolder(output)
            if let epochs, epochs < 1 { throw ValidationError("--epochs \(epochs): must be at least 1") }
            if let trainPerClass, trainPerClass < 1 { throw ValidationError("--train-per-class \(trainPerClass): must be at least 1") }
            for (name, value) in [("--leaf-scale", leafScale), ("--node-scale", nodeScale), ("--noise", noise),
                                  ("--learning-rate", learningRate), ("--weight-decay", weightDecay)] {
                if let value, !(value.isFinite && value >= 0) { throw ValidationError("\(name) \(value): must be a finite number ≥ 0") }
            }
        }

        /// The default experiment with the given knobs applied.
        var config: ExperimentConfig {
            var config = ExperimentConfig()
            if let epochs { config.teacherTraining.epochs = epochs; config.studentTraining.epochs = epochs }
            if let leafScale { config.data.leafScale = leafScale }
            if let nodeScale { config.data.nodeScale = nodeScale }
            if let noise { config.data.noise = noise }
            if let learningRate { config.teacherTraining.learningRate = learningRate; config.studentTraining.learningRate = learningRate }
            if let weightDecay { config.teacherTraining.weightDecay = weightDecay; config.studentTraining.weightDecay = weightDecay }
            if let trainPerClass { config.data.trainPerClass = trainPerClass }
            if let seed { config.seed = seed; config.data.seed = seed }
            return config
        }

        func run() throws {
            runTool(name: "minilab") {
                let wordNet = try wordNetOption.load()
                let tree = try MiniLabClassSet.classTree(wordNet: wordNet)
                let names = try tree.classes.map { try wordNet.name(of: $0) }
                let config = self.config
                let start = Date()
                let result = try runExperiment(tree: tree, config: config) { _, _ in }
                print(String(format: "trained %d models in %.1f s", result.models.count, Date().timeIntervalSince(start)))
                for model in result.models {
                    print(model.name.padding(toLength: max(22, model.name.count), withPad: " ", startingAt: 0)
                          + String(format: " train accuracy %.4f  val accuracy %.4f",
                                   model.accuracy(on: result.data.train), model.accuracy(on: result.data.val)))
                }
                for path in try MiniLabDumps.write(result, config: config, classNames: names, to: output, options: .init()) {
                    print(path)
                }
            }
        }
    }
}
