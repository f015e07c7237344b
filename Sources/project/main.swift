import ArgumentParser
import Penultimate
import ToolOptions

/// `project`: three classes' penultimate features projected to 2-D, written as a projection file.
struct Project: ParsableCommand, RecordedOptions {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Project three classes' penultimate features onto their templates' plane (Müller) or the paper's QR + PCA view.",
        discussion: """
        Reads only the three classes' rows. Templates are the classifier rows with each class's own bias.
        muller: affine plane through the three augmented templates; origin = their centroid, axis 1 from
        template 1 to 2, template 3 on the positive side of axis 2. qr-pca (the paper's Algorithm 1): QR basis
        of the templates' span, then a PCA fitted on the train split's selected points plus the three train
        centroids, applied unchanged to other splits (so --split val still reads train).
        Centroids are means of ALL rows of a class in the split. --per-class N takes the first N rows of each
        class by sample_index (paper: 150 train, 50 val); --sample N --seed S draws N per class at random.
        For the paper's val panels: --split val --per-class 50 --fit-per-class 150 (the train panels' PCA).
        --compat paper-code reproduces the paper's released code exactly, to lay a figure next to the paper's:
        qr-pca with the biases of classes 0, 1, 2 (its bug), LAPACK's QR signs and sklearn's svd_flip (so
        panels may be mirror images of the default), the first 150 train / 50 other rows per class unless
        --per-class, and centroids of those selected rows only.

        Example:
          project student_T3.h5 --classes n02113712,n02113799,n04347754 --method qr-pca --per-class 150 -o T3.h5
          project student_T3.h5 --classes n02113712,n02113799,n04347754 --compat paper-code -o T3_paper.h5
        """)

    @Argument(help: "The dump: one file, its shards, or a manifest.")
    var dump: [String]

    @Option(help: ArgumentHelp("Three classes, comma-separated: wnid, WordNet lemma (or --hierarchy node name) or class index (order fixes colours and axes).", valueName: "CLASSES"),
            transform: CommaList.init(parsing:))
    var classes: CommaList

    @Option(help: "The projection: Müller's plane or the paper's QR + PCA (default: muller; qr-pca with --compat paper-code).")
    var method: ProjectionMethod?

    @Option(help: "Reproduce the paper's released code exactly (bias bug, its centroids and sign conventions) instead of ours.")
    var compat: ProjectionCompat?

    /// `--split`: every split of the dump by default.
    @OptionGroup var splits: SplitsOption

    @Option(name: .customLong("per-class"), parsing: .unconditional, help: "The first N rows of each class in sample_index order (N >= 1).")
    var perClass: Int?

    @Option(parsing: .unconditional, help: "N rows per class drawn at random (with --seed; N >= 1).")
    var sample: Int?

    @Option(name: .customLong("fit-per-class"), parsing: .unconditional, help: "qr-pca: fit the PCA on the first N train rows per class (default: the points' own selection; N >= 1).")
    var fitPerClass: Int?

    @Option(parsing: .unconditional, help: "Seed for --sample (0 to 2^64-1).")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Output: .h5 (default format), .csv or .json.")
    var output: String

    @Flag(name: .customLong("skip-nonfinite"), help: "Leave out rows holding NaN or infinity (counted in the output's conventions) instead of refusing the dump.")
    var skipNonfinite = false

    /// `--wordnet DIR` or `--hierarchy FILE`, for class names and display names.
    @OptionGroup var taxonomy: TaxonomyOption
    @OptionGroup var partial: PartialOption

    func validate() throws {
        if perClass != nil && sample != nil { throw ValidationError("give --per-class or --sample, not both") }
        if let n = perClass { try OptionCheck.integer(n, "--per-class", in: 1...Int.max) }
        if let n = sample { try OptionCheck.integer(n, "--sample", in: 1...Int.max) }
        if let n = fitPerClass { try OptionCheck.integer(n, "--fit-per-class", in: 1...Int.max) }
        if compat == .paperCode {
            if method == .muller { throw ValidationError("--compat paper-code reproduces the paper's qr-pca figure: give --method qr-pca or leave --method out") }
            if sample != nil { throw ValidationError("--compat paper-code takes the first rows per class: give --per-class, not --sample") }
        }
        guard classes.items.count == 3 else { throw ValidationError("--classes '\(classes)': give exactly 3 classes, not \(classes.items.count)") }
        do { _ = try ProjectionFileFormat(path: output) } catch {
            throw ValidationError("-o \(output): unknown extension; use .h5, .csv or .json")
        }
    }

    /// The selection: classes, method, compat, split, samples, fit-per-class, skip-nonfinite, partial.
    var recordedOptions: [(name: String, value: String)] {
        var options = [("classes", classes.description), ("method", resolvedMethod.rawValue)] + splits.recordedOptions
        if let compat { options.append(("compat", compat.rawValue)) }
        options.append(("samples", compat == .paperCode && selection == .all ? "first 150 train / 50 other rows per class (paper-code)" : selection.description))
        if let fitPerClass { options.append(("fit-per-class", String(fitPerClass))) }
        if skipNonfinite { options.append(("skip-nonfinite", "true")) }
        return options + partial.recordedOptions
    }

    /// `--method`, or its default: qr-pca under `--compat paper-code`, muller otherwise.
    var resolvedMethod: ProjectionMethod { method ?? (compat == .paperCode ? .qrPCA : .muller) }

    /// The rows per class `--per-class`, `--sample` and `--seed` select.
    var selection: SampleSelection {
        perClass.map { .firstPerClass($0) } ?? sample.map { .randomPerClass($0, seed: seed) } ?? .all
    }

    func run() throws {
        runTool(name: "project") {
            try OutputTarget.check(output, inputs: dump)
            var request = ProjectionRequest(
                dumpPaths: dump, classes: classes.items, method: resolvedMethod,
                splits: splits.split.names(in: []),  // empty for all: every split of the dump
                selection: selection, wordnetDirectory: taxonomy.directory,
                fitSelection: fitPerClass.map { .firstPerClass($0) }, skipNonFinite: skipNonfinite, partial: partial.partial,
                compat: compat)
            request.hierarchyFile = taxonomy.hierarchyFile
            var provenance = Provenance(tool: "project", options: self)
            for path in dump { try provenance.addInput(path: path) }
            if taxonomy.hierarchyFile != nil { _ = try taxonomy.load() }  // a bad file is refused before any row is read
            try taxonomy.record(in: &provenance)
            let file = try request.run(provenance: provenance)
            try file.write(to: output)
            let counts = file.splits.map { "\($0.name): \($0.points.count) points" }.joined(separator: ", ")
            print("\(output): \(file.method.rawValue) projection of \(file.names.joined(separator: ", ")) (\(counts))")
        }
    }
}

Project.runAsTool(name: "project")
