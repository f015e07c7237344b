import ArgumentParser
import Penultimate
import ToolOptions

/// `geometry`: per class spread, nearest other centroid and their ratio; per model within/between.
struct Geometry: ParsableCommand, RecordedOptions {
    static let configuration = CommandConfiguration(
        commandName: "geometry",
        abstract: "Measure how tight and how far apart a model's classes are: spread, nearest centroid, s/d, within/between.",
        discussion: """
        Each DUMP is one model (a dump file, or a manifest over its shards); one result per model and \
        split, all in one streaming pass per split (Double accumulation, stable for large feature means).

        Per class: spread s = sqrt(mean ||x - c||^2) (null below 2 rows), the nearest other class's \
        centroid and its distance d (ties: lower class index), and s/d. Per model: within/between = \
        sum_c sum_i ||x_i - c_c||^2 / sum_c n_c ||c_c - mu||^2 (trace form, weighted by rows) and the \
        mean of s/d. --classes limits everything to those classes: nearest and the summary are taken \
        among them only. Features are used as stored (no --normalize: the ratios do not change with \
        the feature scale).

        Example:
          geometry teacher.h5 teacher_ls.h5 student_T*.h5 --split val --format json -o geometry.json
          geometry student_T3.h5 --classes 'golden retriever,Labrador retriever,n02099849' --split train
        """,
        version: PenultimateVersion.string)

    @Argument(help: ArgumentHelp("Feature dumps: each a file or a manifest (one model).", valueName: "DUMP"))
    var dumps: [String] = []

    /// `--split`: every split of the dump by default.
    @OptionGroup var splits: SplitsOption

    @Option(help: ArgumentHelp("Only these classes (at least two), comma-separated: index, wnid, name or WordNet lemma.", valueName: "CLASSES"),
            transform: CommaList.init(parsing:))
    var classes: CommaList?

    @Flag(name: .customLong("skip-nonfinite"), help: "Leave out rows holding NaN or infinity (counted in the conventions) instead of refusing the dump.")
    var skipNonfinite = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var taxonomy: TaxonomyOption
    @OptionGroup var partial: PartialOption

    func validate() throws {
        guard !dumps.isEmpty else { throw ValidationError("give at least one DUMP") }
        if let classes, classes.items.count < 2 {
            throw ValidationError("--classes '\(classes)': give at least 2 classes (nearest and within/between need two)")
        }
    }

    /// The selection: split, classes, skip-nonfinite, partial; `--format` and `-o` only render.
    var recordedOptions: [(name: String, value: String)] {
        var options = splits.recordedOptions
        if let classes { options.append(("classes", classes.description)) }
        if skipNonfinite { options.append(("skip-nonfinite", "true")) }
        return options + partial.recordedOptions
    }

    func run() throws {
        runTool(name: "geometry") {
            try output.check(inputs: dumps)
            var provenance = Provenance(tool: "geometry", options: self)
            for path in dumps { try provenance.addInput(path: path) }
            let request = GeometryRequest(paths: dumps, splits: splits.split.names(in: []), classes: classes?.items,
                                          partial: partial.partial, skipNonFinite: skipNonfinite)
            let taxonomy = taxonomy
            try taxonomy.record(in: &provenance)
            let document = try request.run(hierarchy: { try taxonomy.load() }, provenance: &provenance)
            let format = output.format
            try output.emit(format == .json ? try document.json(provenance: provenance.json())
                                            : provenance.framing(document.text(format), format: format))
        }
    }
}

Geometry.runAsTool(name: "geometry")
