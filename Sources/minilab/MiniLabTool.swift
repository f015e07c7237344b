import ArgumentParser
import Foundation
import MiniLab
import MiniLabRun
import Penultimate
import ToolOptions

@main
struct MiniLabTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minilab",
        abstract: "Train LS teachers and KD students on WordNet-structured simulated data and dump their features.",
        discussion: """
            The data is simulated (see MiniLab's SyntheticData article); the networks are trained \
            for real. Class hierarchy: WordNet 3.0 hypernym paths of the 40 classes of \
            MiniLabClassSet.wordNet40, read at run time.

            Example:
              minilab run -o runs/minilab --seed 0
              minilab run --fixture -o Fixtures/minilab
            """,
        version: PenultimateVersion.string,
        subcommands: [Run.self, Tune.self])

    /// One-line usage errors (``ParsableCommand/runAsTool(name:)``).
    static func main() { runAsTool(name: "minilab") }
}

extension MiniLabTool {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the experiment: 2 teachers (α = 0, 0.1) and 8 students (T = 1, 2, 3, 64).",
            discussion: """
                Writes one dump per model into DIR: teacher-ls0.0.h5, teacher-ls0.1.h5, \
                student-ls0.0-T1.h5 … student-ls0.1-T64.h5, each with train and val splits, labels, \
                sample_index, logits and classifier. Same seeds give the same data.

                Example:
                  minilab run -o runs/minilab --seed 0
                """)

        @Option(name: .shortAndLong, help: ArgumentHelp("Output folder (created if missing).", valueName: "DIR"))
        var output: String

        @Option(parsing: .unconditional, help: "Seed of initialisation and batch order (0 to 2^64-1).")
        var seed: UInt64 = 0

        @Option(name: .customLong("data-seed"), parsing: .unconditional, help: "Seed of the simulated data (0 to 2^64-1).")
        var dataSeed: UInt64 = 1

        @Flag(help: "A short run for trying the tools: 200 training rows per class, 3 epochs.")
        var quick = false

        @Flag(help: "Write the committed fixture form: float16 features, gzip, the first 60 train and 40 val rows per class, logits for val only.")
        var fixture = false

        @OptionGroup var wordNetOption: WordNetOption

        func validate() throws {
            try validateOutputFolder(output)
        }

        func run() throws {
            runTool(name: "minilab") {
                let wordNet = try wordNetOption.load()
                let tree = try MiniLabClassSet.classTree(wordNet: wordNet)
                let names = try tree.classes.map { try wordNet.name(of: $0) }
                var config = ExperimentConfig()
                config.seed = seed
                config.data.seed = dataSeed
                if quick {
                    config.data.trainPerClass = 200
                    config.teacherTraining.epochs = 3
                    config.studentTraining.epochs = 3
                }
                let epochs = config.teacherAlphas.count
                    * (config.teacherTraining.epochs + config.temperatures.count * config.studentTraining.epochs)
                let progress = ProgressMeter("epochs", total: epochs)
                let result = try runExperiment(tree: tree, config: config) { _, _ in progress.advance() }
                progress.finish()
                let options: MiniLabDumps.Options = fixture ? .fixture() : .init()
                for path in try MiniLabDumps.write(result, config: config, classNames: names, to: output, options: options) {
                    print(path)
                }
            }
        }
    }
}

/// `-o` names a folder for `minilab run` and `minilab tune`: an empty name or an existing
/// non-folder (a file, a device) is a usage error.
func validateOutputFolder(_ output: String) throws {
    try OptionCheck.nonEmpty(output, "--output")
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), !isFolder.boolValue {
        throw ValidationError("-o \(output): exists and is not a folder")
    }
}
