import ArgumentParser
import Penultimate
import ToolOptions

/// `eta wordnet --lookup ID`: a synset's chain up to entity, with depths.
struct WordNetLookup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wordnet",
        abstract: "Print a synset's hypernym chain with depths (to choose lca-depth thresholds).",
        discussion: """
            Example:
              eta wordnet --lookup n02099849
              eta wordnet --lookup "golden retriever"
            """)

    @Option(help: ArgumentHelp("A wnid or a WordNet noun lemma.", valueName: "ID"))
    var lookup: String

    @OptionGroup var wordNet: WordNetOption

    func validate() throws { try OptionCheck.nonEmpty(lookup, "--lookup") }

    func run() throws {
        runTool(name: "eta") {
            let net = try wordNet.load()
            let ids = WordNet.isWnid(lookup) ? [lookup] : try net.synsets(lemma: lookup).map(\.wnid)
            guard !ids.isEmpty else { throw TaxonomyError.unknownName(lookup, source: "WordNet") }
            var lines: [String] = []
            for id in ids {
                let synset = try net.synset(id)
                lines.append("\(id) \(synset.displayName): \(synset.gloss)")
                for node in try net.firstParentChain(of: id) {
                    let depth = try net.depth(of: node)
                    lines.append("  depth \(depth.max)\(depth.min != depth.max ? " (shortest \(depth.min))" : "")  \(node)  \(try net.name(of: node))")
                }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}
