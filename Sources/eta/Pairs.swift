import ArgumentParser
import Penultimate
import ToolOptions

/// `eta pairs --t1 A --t2 B`: the relative change of every pair's centroid distance, by relatedness.
struct Pairs: ParsableCommand, RecordedOptions {
    static let configuration = CommandConfiguration(
        commandName: "pairs",
        abstract: "Relative change of the centroid distance of every pair of classes between T1 and T2, grouped by how related the classes are.",
        discussion: """
            r(a, b) = (d₂ − d₁) / d₁ for every pair of classes with rows in both students, d the \
            distance between class centroids normalised as η's (--normalize). Grouped by the depth of \
            the lowest common ancestor in WordNet (--by lca-depth, the default) or the path length \
            (--by path). The paper's claim predicts r < 0 for closely related pairs (deep LCA, short \
            path) and r > 0 for distant ones. Pairs without a common ancestor form the group "none".

            The pair list is in the JSON when there are at most 100 classes, or with --pairs-list \
            (which also prints it under the group table in the other formats).

            Examples:
              eta pairs --t1 r18_T1.h5 --t2 r18_T3.h5 --split val
              eta pairs --t1 T1.h5 --t2 T3.h5 --bootstrap 200 --seed 7 --format json -o pairs.json
            """)

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("The student at the lower temperature: a dump (one file, a manifest, or its shards), or centroid files.", valueName: "FILE"))
    var t1: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("The student at the higher temperature (as --t1).", valueName: "FILE"))
    var t2: [String] = []

    @Option(help: ArgumentHelp("The one split to compare (default: T1's first split, train before val).", valueName: "SPLIT"),
            transform: SplitName.init(parsing:))
    var split: SplitName?

    @Option(help: ArgumentHelp("Group pairs by lca-depth (depth of the lowest common ancestor) or path (path length).", valueName: "BY"))
    var by: PairGrouping = .lcaDepth

    @Option(help: ArgumentHelp("Distance normalisation: none, unit or centroid-scale (as eta).", valueName: "MODE"))
    var normalize = DistanceNormalization.default

    @OptionGroup var resampling: BootstrapOption

    @Flag(help: "Write every pair (JSON: always; tables: under the group table). Default: in JSON up to 100 classes.")
    var pairsList = false

    @Flag(help: "Leave out rows holding NaN/Inf (and all-zero rows under --normalize unit) and report how many, instead of refusing.")
    var skipNonfinite = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var partial: PartialOption
    @OptionGroup var taxonomy: TaxonomyOption

    func validate() throws {
        if t1.isEmpty { throw ValidationError("missing --t1 FILE") }
        if t2.isEmpty { throw ValidationError("missing --t2 FILE") }
    }

    /// Split, grouping, bootstrap and seed, pair list, partial, skip-nonfinite; the normalisation is
    /// recorded as a convention.
    var recordedOptions: [(name: String, value: String)] {
        var options: [(name: String, value: String)] = []
        if let split { options.append(("split", split.name)) }
        options.append(("by", by.rawValue))
        options += resampling.recordedOptions
        if pairsList { options.append(("pairs-list", "true")) }
        options += partial.recordedOptions
        if skipNonfinite { options.append(("skip-nonfinite", "true")) }
        return options
    }

    func run() throws {
        runTool(name: "eta") {
            try output.check(inputs: t1 + t2)
            let first = try ModelInput(paths: t1, partial: partial.partial)
            let second = try ModelInput(paths: t2, partial: partial.partial)
            try requireOrdered(first, second)
            guard let splitName = split?.name ?? first.splitNames.first else {
                throw InputError(file: first.label, object: "/splits", message: "holds no split")
            }
            var provenance = Provenance(tool: "eta", options: self)
            for path in t1 + t2 { try provenance.addInput(path: path) }
            let request = PairsRequest(split: splitName, grouping: by, normalization: normalize,
                                       invalidRows: skipNonfinite ? .skip : .refuse,
                                       bootstrapReplicates: resampling.bootstrap, seed: resampling.seed,
                                       paired: resampling.paired, listPairs: pairsList ? true : nil)
            let classes = try ClassResolution(classes: first.classes, file: first.label, wordNet: try taxonomy.load())
            try taxonomy.record(in: &provenance)
            let hierarchy = try classes.hierarchyForRelatedness()
            let report = try PairsReport.compute(t1: first, t2: second, request: request, classes: classes, hierarchy: hierarchy)
            provenance.setConvention("split", splitName)
            provenance.setConvention("normalize", normalize.rawValue)
            provenance.setConvention("unit", "fraction")
            provenance.setConvention("by", by.rawValue)
            provenance.setConvention("invalid_rows", request.invalidRows.rawValue)
            resampling.recordPairing(in: &provenance)
            for entry in report.coverage { provenance.setConvention("coverage \(entry.path) \(splitName)", entry.summary) }
            try output.emit(report.render(output.format, provenance: provenance))
        }
    }
}
