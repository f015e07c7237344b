import ArgumentParser
import Penultimate
import ToolOptions

/// `eta`: the diffusion index η of Chandrasegaran et al. (ICML 2022) between two students.
@main
struct Eta: ParsableCommand {
    /// One-line usage errors (``ParsableCommand/runAsTool(name:)``).
    static func main() { runAsTool(name: "eta") }

    static let configuration = CommandConfiguration(
        commandName: "eta",
        abstract: "Diffusion index η: how a target class's centroid moves towards S1 and away from S2 between students distilled at T1 < T2.",
        discussion: """
            η(T1,T2;π,S) = 1/|S| Σ_{k∈S} [d(c_π(T2), c_k(T2)) − d(c_π(T1), c_k(T1))] / d(c_π(T1), c_k(T1)), \
            c = class centroid of the student distilled at that T, d = Euclidean distance between centroids, \
            normalised as --normalize says (default centroid-scale: divided by the model's mean distance \
            between all pairs of class centroids). Systematic diffusion: η(S1) < 0 and η(S2) > 0. \
            Values are fractions unless --percent; every output names its unit and conventions.

            Presets are our reading of the paper, whose text does not spell the sets out: \
            retrievers/snakes: S1 = the other four classes of the target's family, S2 = the other \
            family's five (retrievers = WordNet hyponyms of retriever n02099029; snakes = five \
            children of colubrid snake n01727646). --s1/--s2 override them. Other targets default to \
            S1 = siblings, S2 = lca-depth<=8 (common ancestor no deeper than vertebrate, where retrievers and snakes meet); \
            with --hierarchy FILE (a parent-child file instead of WordNet, e.g. CUB's orders, families, genera and \
            species), S2 = lca-depth<=0, and --s1 same:genus, --s2 not-same:order or --targets under:Icteridae \
            name the file's levels and nodes.

            Without a subcommand, eta runs `compare`; see `eta compare --help` for its options.

            A model is a feature dump (one file, a manifest, or repeat --t1 for shards) or centroid \
            files from `eta centroids` (repeat --t1 to sum the files of a job array's shards).

            Examples:
              eta --t1 r18_T1.h5 --t2 r18_T3.h5
              eta --t1 r18_T1.h5 --t2 r18_T3.h5 --split val --percent --bootstrap 1000 --seed 7
              eta --t1 T1.train.rank0.h5 --t1 T1.train.rank1.h5 --t2 T3.train.h5 --split train
              eta --t1 a.h5 --t2 b.h5 --targets all --format json -o eta.json
              eta sweep r18_T1.h5 r18_T2.h5 r18_T3.h5 r18_T64.h5
              eta pairs --t1 r18_T1.h5 --t2 r18_T3.h5 --split val
              eta --t1 cub_T1.h5 --t2 cub_T3.h5 --hierarchy cub.txt --targets under:Icteridae --s1 same:genus --s2 not-same:order
            """,
        subcommands: [Compare.self, CentroidsCommand.self, Sweep.self, Pairs.self, WordNetLookup.self],
        defaultSubcommand: Compare.self)
}

/// `eta --t1 A --t2 B`: η between two students.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "η between the student at T1 and the student at T2 (the default subcommand).",
        discussion: """
            Presets (our reading of the paper): S1 = the other four of the target's family, S2 = the \
            other family's five. Default table: target | Train: S1 | Train: S2 | Val: S1 | Val: S2 | diffusion.

            Example:
              eta --t1 r18_T1.h5 --t2 r18_T3.h5 --percent --list-members
            """)

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("The student at the lower temperature: a dump (one file, a manifest, or its shards), or centroid files; several files may follow one --t1.", valueName: "FILE"))
    var t1: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("The student at the higher temperature (as --t1).", valueName: "FILE"))
    var t2: [String] = []

    @OptionGroup var options: EtaOptions

    func validate() throws {
        if t1.isEmpty { throw ValidationError("missing --t1 FILE") }
        if t2.isEmpty { throw ValidationError("missing --t2 FILE") }
    }

    func run() throws {
        runTool(name: "eta") {
            try options.output.check(inputs: t1 + t2)
            let first = try ModelInput(paths: t1, partial: options.partial.partial)
            let second = try ModelInput(paths: t2, partial: options.partial.partial)
            try requireOrdered(first, second)
            try options.run(t1: first, t2: [second], paths: t1 + t2)
        }
    }
}
