import ArgumentParser
import Taxonomy
import ToolSupport

/// `--wordnet DIR` or `--hierarchy FILE`: the hierarchy that class names, set rules and presets
/// are resolved in. WordNet 3.0 by default; `--hierarchy` reads a parent–child file
/// (``CustomHierarchy``, the format of the Taxonomy article *Hierarchy files*) for datasets outside
/// ImageNet, such as CUB-200's order → family → genus → species.
///
/// Tools that only ever mean WordNet (`eta wordnet`, `minilab`) keep ``WordNetOption``; a tool
/// that takes this group calls ``load()`` where it called `WordNetOption.load()`.
public struct TaxonomyOption: ParsableArguments {
    /// `--wordnet DIR`, as the WordNet-only tools take it.
    @OptionGroup public var wordNet: WordNetOption

    /// The WordNet directory given on the command line, if any.
    public var directory: String? { wordNet.directory }

    /// The hierarchy file given on the command line, if any.
    @Option(name: .customLong("hierarchy"),
            help: ArgumentHelp("A hierarchy file instead of WordNet: one 'child<TAB>parent' line per edge, one root, optional '# levels: ...' (see the Taxonomy docs, Hierarchy files). Classes match by /classes/wnid, else /classes/name.", valueName: "FILE"))
    public var hierarchyFile: String?

    /// Both options unset: WordNet from its default directory.
    public init() {}

    /// An empty file name is a usage error (an empty `--wordnet` is ``WordNetOption``'s); so is
    /// giving both.
    public func validate() throws {
        if let hierarchyFile { try OptionCheck.nonEmpty(hierarchyFile, "--hierarchy") }
        if directory != nil, hierarchyFile != nil {
            throw ValidationError("--wordnet and --hierarchy: give one hierarchy, not both")
        }
    }

    /// The hierarchy file, read and checked (exit 65 with one line on any problem), or WordNet.
    public func load() throws -> any Hierarchy {
        if let hierarchyFile { return try CustomHierarchy(contentsOf: hierarchyFile) }
        return try wordNet.load()
    }

    /// Records the hierarchy file, with its SHA-256, as the output's `hierarchy` convention (nothing
    /// for WordNet, whose version is fixed): the same dump gives other sets under another file.
    public func record(in provenance: inout Provenance) throws {
        guard let hierarchyFile else { return }
        let input = try Provenance.describe(path: hierarchyFile)
        provenance.setConvention("hierarchy", "\(hierarchyFile) (sha256 \(input.sha256 ?? "not computed: over 16 MiB"))")
    }
}
