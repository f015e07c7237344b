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

    @OptionGroup var resampling: BootstrapOption

    @Flag(help: "Add the members of S1 and S2 to every row.")
    var listMembers = false

    @Flag(help: "With --targets all: print every target, not only the summary.")
    var listAll = false

    @Flag(help: "Leave out rows holding NaN/Inf (and all-zero rows under --normalize unit) and report how many, instead of refusing.")
    var skipNonfinite = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var partial: PartialOption
    @OptionGroup var taxonomy: TaxonomyOption

    /// The options every η output records (split, targets, bootstrap and seed, partial,
    /// skip-nonfinite); S1/S2, normalisation and unit are recorded as conventions.
    var recordedOptions: [(name: String, value: String)] {
        var options = splits.recordedOptions + [("targets", targets.description)]
        options += resampling.recordedOptions
        options += partial.recordedOptions
        if skipNonfinite { options.append(("skip-nonfinite", "true")) }
        return options
    }

    /// The request for a T1 input whose splits are `available` (`--split all` means all of them).
    func request(available: [String]) -> EtaRequest {
        var request = EtaRequest(splits: splits.split.names(in: available), targets: targets.items, s1: s1, s2: s2,
                                 normalization: normalize, invalidRows: skipNonfinite ? .skip : .refuse,
                                 bootstrapReplicates: resampling.bootstrap, seed: resampling.seed,
                                 paired: resampling.paired)
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
        resampling.recordPairing(in: &provenance)
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
