import ArgumentParser
import Penultimate
import ToolOptions

/// Options shared by `eta` and `eta sweep`.
struct EtaOptions: ParsableArguments, RecordedOptions {
    /// `--split`: every split of T1's input by default (T2's must have them too).
    @OptionGroup var splits: SplitsOption

    @Option(help: ArgumentHelp("""
        Targets: retrievers, snakes (WordNet presets), all (every class), under:NODE (every class at or \
        below a node, e.g. under:Icteridae or under:n02099029), or a comma list of classes (id, name, \
        WordNet lemma or class index). Items may be mixed, e.g. retrievers,n01729977. Default: retrievers,snakes.
        """, valueName: "TARGETS"), transform: CommaList.init(parsing:))
    var targets = CommaList(["retrievers", "snakes"])

    @Option(help: ArgumentHelp("""
        S1 rule or class list: siblings, lca-depth>=N, lca-depth<=N, path<=N, path>=N, \
        same:LEVEL / not-same:LEVEL (the target's ancestor at a level of a --hierarchy file's \
        '# levels:', e.g. same:genus), under:NODE / not-under:NODE, or ID,ID,... \
        Overrides the preset's S1. Default outside presets: siblings.
        """, valueName: "RULE"), transform: SetRule.init(parsing:))
    var s1: SetRule?

    @Option(help: ArgumentHelp("S2 rule or class list (as --s1). Overrides the preset's S2. Default outside presets: lca-depth<=8 (WordNet), lca-depth<=0 (--hierarchy: meets the target only at the root).", valueName: "RULE"),
            transform: SetRule.init(parsing:))
    var s2: SetRule?

    @Option(help: ArgumentHelp("Distance normalisation: none (raw distances), unit (unit-length rows) or centroid-scale (divided by the model's mean centroid distance).", valueName: "MODE"))
    var normalize = DistanceNormalization.default

    @Flag(help: "Print η × 100 (percent, the unit of the paper's table) instead of fractions.")
    var percent = false

    /// The most bootstrap replicates. Replicate sums are formed in blocks that fit a 1 GiB bound
    /// (one pass over each model's rows per block), so the number of replicates costs time, not
    /// memory, there; what stays is 8 bytes of η per replicate for every target and set (512 MiB
    /// bound, checked against the resolved targets before any row is read): 100000 replicates fit
    /// ~300 targets, 1000 fit `--targets all` on ImageNet.
    static let maxBootstrap = 100_000

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Bootstrap replicates for 95% percentile intervals, 2 to 100000: Poisson(1) weights per sample, keyed by seed and sample_index, summed in passes over the needed classes' rows (replicate blocks within 1 GiB; 8 bytes of η per replicate per target and set, within 512 MiB). Needs dumps, not centroid files.", valueName: "B"))
    var bootstrap: Int?

    @Flag(help: "Paired bootstrap: each sample gets the same weight in T1 and T2 (matched by sample_index; refused unless both dumps store it and hold the same samples). Default: unpaired.")
    var paired = false

    @Option(parsing: .unconditional, help: "Seed of the bootstrap (0 to 2^64-1).")
    var seed: UInt64 = 0

    @Flag(help: "Add the members of S1 and S2 to every row.")
    var listMembers = false

    @Flag(help: "With --targets all: print every target, not only the summary.")
    var listAll = false

    @Flag(help: "Leave out rows holding NaN/Inf (and all-zero rows under --normalize unit) and report how many, instead of refusing.")
    var skipNonfinite = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var partial: PartialOption
    @OptionGroup var taxonomy: TaxonomyOption

    func validate() throws {
        if let bootstrap, bootstrap < 2 { throw ValidationError("--bootstrap \(bootstrap): need at least 2 replicates") }
        if let bootstrap, bootstrap > Self.maxBootstrap {
            throw ValidationError("--bootstrap \(bootstrap): at most \(Self.maxBootstrap) replicates")
        }
        if paired, bootstrap == nil { throw ValidationError("--paired needs --bootstrap") }
    }

    /// The options every η output records (split, targets, bootstrap and seed, partial,
    /// skip-nonfinite); S1/S2, normalisation and unit are recorded as conventions.
    var recordedOptions: [(name: String, value: String)] {
        var options = splits.recordedOptions + [("targets", targets.description)]
        if let bootstrap { options += [("bootstrap", "\(bootstrap)"), ("seed", "\(seed)")] }
        if paired { options.append(("paired", "true")) }
        options += partial.recordedOptions
        if skipNonfinite { options.append(("skip-nonfinite", "true")) }
        return options
    }

    /// The request for a T1 input whose splits are `available` (`--split all` means all of them).
    func request(available: [String]) -> EtaRequest {
        var request = EtaRequest(splits: splits.split.names(in: available), targets: targets.items, s1: s1, s2: s2,
                                 normalization: normalize, invalidRows: skipNonfinite ? .skip : .refuse,
                                 bootstrapReplicates: bootstrap, seed: seed, paired: paired)
        if taxonomy.hierarchyFile != nil { request.fallbackS2 = EtaRequest.hierarchyFileDefaultS2 }
        return request
    }

    var renderOptions: EtaRenderOptions {
        EtaRenderOptions(percent: percent, listMembers: listMembers, listAll: listAll)
    }

    /// Computes and prints the report, with its provenance, to `-o` or stdout.
    func run(t1: ModelInput, t2: [ModelInput], paths: [String]) throws {
        var provenance = Provenance(tool: "eta", options: self)
        for path in paths { try provenance.addInput(path: path) }
        let request = request(available: t1.splitNames)
        let classes = try ClassResolution(classes: t1.classes, file: t1.label, wordNet: try taxonomy.load())
        try taxonomy.record(in: &provenance)
        let report = try EtaReport.compute(t1: t1, t2: t2, request: request, classes: classes)
        if bootstrap != nil { provenance.setConvention("bootstrap_pairing", paired ? "paired" : "unpaired") }
        provenance.setConvention("normalize", request.normalization.rawValue)
        provenance.setConvention("unit", percent ? "percent" : "fraction")
        provenance.setConvention("s1_rule", request.s1Description)
        provenance.setConvention("s2_rule", request.s2Description)
        provenance.setConvention("invalid_rows", request.invalidRows.rawValue)
        for entry in report.coverage { provenance.setConvention("coverage \(entry.path) \(entry.split)", entry.summary) }
        try output.emit(try report.render(output.format, options: renderOptions, provenance: provenance))
    }
}

/// Throws unless T1's temperature is below T2's (when both are recorded).
func requireOrdered(_ t1: ModelInput, _ t2: ModelInput) throws {
    if let a = t1.source.kdTemperature, let b = t2.source.kdTemperature, !(a < b) {
        throw InputError(file: t2.label, object: "attribute kd_temperature",
                         message: "T2 = \(b) is not above T1 = \(a) (\(t1.label)); η compares a student at T1 with one at a higher T2",
                         fix: "swap --t1 and --t2")
    }
}
