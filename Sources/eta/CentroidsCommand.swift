import ArgumentParser
import Foundation
import Penultimate
import ToolOptions

/// `eta centroids DUMP... --split S -o FILE.h5`: save per-class sums and counts.
struct CentroidsCommand: ParsableCommand, RecordedOptions {
    static let configuration = CommandConfiguration(
        commandName: "centroids",
        abstract: "Save one split's per-class sums and counts (a centroid file) for later `eta` runs.",
        discussion: """
            Several DUMP files are read as the shards of one dump. In a job array, write one centroid
            file per shard and let `eta` sum them: `eta --t1 c.rank0.h5 --t1 c.rank1.h5 --t2 ...`.
            The file records the split, the row normalisation, the model's attributes, provenance
            and which samples it summed (shard ranks, sample_index ranges, repeats dropped), so
            `eta` refuses files that share a sample (DistributedSampler padding counted in two
            ranks: then pass all shard files to one `eta centroids` or `eta` run instead) and,
            unless --partial, sets that miss ranks or samples.

            Example:
              eta centroids run.rank3.h5 --split train -o T1.train.rank3.h5
            """)

    @Argument(help: ArgumentHelp("The dump: one file, a manifest, or shard files.", valueName: "DUMP"))
    var dump: [String]

    @Option(help: ArgumentHelp("The one split to average (a centroid file holds one split).", valueName: "SPLIT"),
            transform: SplitName.init(parsing:))
    var split: SplitName

    @Option(help: ArgumentHelp("The normalisation of the η it will serve (none and centroid-scale store raw rows, unit unit-length rows).", valueName: "MODE"))
    var normalize = DistanceNormalization.default

    @Option(name: .shortAndLong, help: ArgumentHelp("The centroid file to write (atomically).", valueName: "FILE"))
    var output: String

    @Flag(help: "Leave out rows holding NaN/Inf (and all-zero rows under unit) and record how many.")
    var skipNonfinite = false

    /// The split, and skip-nonfinite when set; the row normalisation and coverage are conventions.
    var recordedOptions: [(name: String, value: String)] {
        [("split", split.name)] + (skipNonfinite ? [("skip-nonfinite", "true")] : [])
    }

    func run() throws {
        runTool(name: "eta") {
            try OutputTarget.check(output, inputs: dump)
            let normalization = normalize, split = split.name
            // One shard is this command's normal input (a job array writes one file per rank), so
            // part of a dump is accepted; the file records what it covers, and merging the files
            // refuses overlaps and, unless --partial, missing ranks or samples.
            let opened = try Dump.openInput(dump, partial: true)
            var provenance = Provenance(tool: "eta", options: self)
            for path in dump { try provenance.addInput(path: path) }
            provenance.setConvention("row_normalization", normalization.rowNormalization.rawValue)
            let reader = try opened.split(split)
            let progress = ProgressMeter("\(split) rows", total: reader.rows)
            let file = try CentroidFile.compute(dump: opened, split: split, rowNormalization: normalization.rowNormalization,
                                                invalidRows: skipNonfinite ? .skip : .refuse, progress: progress)
            progress.finish()
            provenance.setConvention("coverage", file.coverage.summary)
            try AtomicOutput.write(to: output) { temporary in
                try file.write(to: temporary, provenance: provenance.json())
            }
            if file.skippedNonFinite + file.skippedZero > 0 {
                FileHandle.standardError.write(Data("eta: \(dump.joined(separator: ", ")): split \(split): skipped \(file.skippedNonFinite) non-finite and \(file.skippedZero) zero rows\n".utf8))
            }
        }
    }
}
