import ArgumentParser
import Taxonomy

/// `--wordnet DIR`: the WordNet 3.0 directory (else `$PENULTIMATE_WORDNET`, else /usr/share/wordnet).
public struct WordNetOption: ParsableArguments {
    /// The directory given on the command line, if any.
    @Option(name: .customLong("wordnet"),
            help: ArgumentHelp("WordNet 3.0 directory (default: $PENULTIMATE_WORDNET, else /usr/share/wordnet).", valueName: "DIR"))
    public var directory: String?

    /// The option unset.
    public init() {}

    /// An empty `--wordnet` is a usage error, not a search of the current folder.
    public func validate() throws {
        if let directory { try OptionCheck.nonEmpty(directory, "--wordnet") }
    }

    /// Opens WordNet from the resolved directory.
    public func load() throws -> WordNet { try WordNet(directory: directory) }
}
