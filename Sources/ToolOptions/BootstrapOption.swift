import ArgumentParser
import ToolSupport

/// `--bootstrap B`, `--paired` and `--seed S`: 95 % percentile intervals by resampling, for `eta`
/// and `eta pairs`, declared, checked and recorded in one place.
///
/// Each sample gets a Poisson(1) weight keyed by the seed, the replicate and its `sample_index`,
/// so the replicates are the same on every platform and `--paired` gives a sample the same weight
/// in both models.
public struct BootstrapOption: ParsableArguments, RecordedOptions {
    /// The most replicates. Replicate sums are formed in blocks within a 1 GiB bound (a pass over
    /// the rows per block), so replicates cost time, not memory, there; what stays is 8 bytes of a
    /// statistic per replicate and group (η: per target and set, within 512 MiB, checked before
    /// any row is read): 100000 replicates fit about 300 targets, 1000 fit `--targets all` on ImageNet.
    public static let maxReplicates = 100_000

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Bootstrap replicates for 95% percentile intervals, 2 to \(BootstrapOption.maxReplicates): Poisson(1) weights per sample, keyed by seed and sample_index, summed in passes over the rows (replicate blocks within 1 GiB). Needs dumps, not centroid files.", valueName: "B"))
    public var bootstrap: Int?

    @Flag(help: "Paired bootstrap: each sample gets the same weight in T1 and T2 (matched by sample_index; refused unless both dumps store it and hold the same samples). Default: unpaired.")
    public var paired = false

    @Option(parsing: .unconditional, help: "Seed of the bootstrap (0 to 2^64-1).")
    public var seed: UInt64 = 0

    /// No bootstrap.
    public init() {}

    public func validate() throws {
        if let bootstrap, bootstrap < 2 { throw ValidationError("--bootstrap \(bootstrap): need at least 2 replicates") }
        if let bootstrap, bootstrap > Self.maxReplicates {
            throw ValidationError("--bootstrap \(bootstrap): at most \(Self.maxReplicates) replicates")
        }
        if paired, bootstrap == nil { throw ValidationError("--paired needs --bootstrap") }
    }

    /// `bootstrap` and `seed` when bootstrapping, then `paired` when set.
    public var recordedOptions: [(name: String, value: String)] {
        var options: [(name: String, value: String)] = []
        if let bootstrap { options += [("bootstrap", "\(bootstrap)"), ("seed", "\(seed)")] }
        if paired { options.append(("paired", "true")) }
        return options
    }

    /// Records how samples were matched across the models, when bootstrapping.
    public func recordPairing(in provenance: inout Provenance) {
        if bootstrap != nil { provenance.setConvention("bootstrap_pairing", paired ? "paired" : "unpaired") }
    }
}
