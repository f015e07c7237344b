import ArgumentParser
import ToolSupport

/// `--partial`: read part of a sharded dump on purpose.
///
/// Without it, the tools that read dumps (and eta, centroid files) refuse a lone shard, a shard set
/// missing ranks, a split with fewer distinct samples than its `sample_count`, and centroid files
/// that do not cover the whole split: numbers from part of the data would pass for the whole.
/// With it they go ahead, and their output says which part it covers.
public struct PartialOption: ParsableArguments, RecordedOptions {
    /// Whether a partial reading was asked for.
    @Flag(help: "Accept part of a sharded dump (a lone shard, missing ranks or samples) and say in the output what it covers.")
    public var partial = false

    /// The flag unset.
    public init() {}

    public var recordedOptions: [(name: String, value: String)] { partial ? [("partial", "true")] : [] }
}
