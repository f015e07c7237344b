import ArgumentParser
import Penultimate
import ToolOptions

/// `eta sweep A B C ...`: η of every higher temperature against the lowest.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "η for each student against the one with the lowest kd_temperature.",
        discussion: """
            Each FILE is one model (a dump file or manifest), except centroid files: those whose \
            kd_temperature is the same are the parts of one model (a job array's per-shard and per-split \
            files) and are summed, as `--t1 A B` sums them. The kd_temperature attribute orders the \
            models. The lowest T is T1; each higher T is a T2, one row per target × T2.

            Examples:
              eta sweep r18_T1.h5 r18_T2.h5 r18_T3.h5 r18_T64.h5 --split val --percent
              eta sweep centroids/*.h5          # every shard and split of every student
            """)

    @Argument(help: ArgumentHelp("Two or more models: one dump file each, or centroid files (grouped by kd_temperature).", valueName: "FILE"))
    var files: [String]

    @OptionGroup var options: EtaOptions

    func validate() throws {
        if files.count < 2 { throw ValidationError("sweep needs at least two files") }
    }

    func run() throws {
        runTool(name: "eta") {
            try options.output.check(inputs: files)
            let inputs = try Self.models(files, partial: options.partial.partial)
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
            guard temperatures.count >= 2 else {
                throw InputError(file: files.joined(separator: ", "), object: "attribute kd_temperature",
                                 message: "all files are of one student (T = \(temperatures[0].0)); sweep needs students at two or more temperatures")
            }
            try options.run(t1: temperatures[0].1, t2: temperatures.dropFirst().map(\.1), paths: files)
        }
    }

    /// One model per file, except that centroid files of one kd_temperature make one model: the
    /// files of a job array (one per shard and split) are summed by ``ModelInput``, which refuses
    /// files that describe different models. Files without a temperature stay alone, so the
    /// missing attribute is reported for that file.
    static func models(_ files: [String], partial: Bool) throws -> [ModelInput] {
        var groups: [[String]] = []
        var groupOfTemperature: [Double: Int] = [:]
        for path in files {
            guard CentroidFile.isCentroidFile(path), let t = try CentroidFile.read(path).source.kdTemperature else {
                groups.append([path])
                continue
            }
            if let g = groupOfTemperature[t] {
                groups[g].append(path)
            } else {
                groupOfTemperature[t] = groups.count
                groups.append([path])
            }
        }
        return try groups.map { try ModelInput(paths: $0, partial: partial) }
    }
}
