import ArgumentParser
import PenultimateKit
import ToolOptions

/// `eta sweep A B C ...`: η of every higher temperature against the lowest.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "η for each student against the one with the lowest kd_temperature.",
        discussion: """
            Each FILE is one model (a dump file or manifest, or a centroid file); its kd_temperature
            attribute orders them. The lowest T is T1; each higher T is a T2, one row per target × T2.

            Example:
              eta sweep r18_T1.h5 r18_T2.h5 r18_T3.h5 r18_T64.h5 --split val --percent
            """)

    @Argument(help: ArgumentHelp("Two or more models (one file each).", valueName: "FILE"))
    var files: [String]

    @OptionGroup var options: EtaOptions

    func validate() throws {
        if files.count < 2 { throw ValidationError("sweep needs at least two files") }
    }

    func run() throws {
        runTool(name: "eta") {
            try options.output.check(inputs: files)
            let inputs = try files.map { try ModelInput(paths: [$0], partial: options.partial.partial) }
            var temperatures: [(Double, ModelInput)] = []
            for input in inputs {
                guard let t = input.source.kdTemperature else {
                    throw InputError(file: input.label, object: "attribute kd_temperature",
                                     message: "missing; sweep orders students by their distillation temperature")
                }
                if let clash = temperatures.first(where: { $0.0 == t }) {
                    throw InputError(file: input.label, object: "attribute kd_temperature",
                                     message: "T = \(t) also in \(clash.1.label); give one student per temperature")
                }
                temperatures.append((t, input))
            }
            temperatures.sort { $0.0 < $1.0 }
            try options.run(t1: temperatures[0].1, t2: temperatures.dropFirst().map(\.1), paths: files)
        }
    }
}
