import ArgumentParser
import Analysis
import FeatureStore
import PenultimateKit
import ToolSupport

// Option values as swift-argument-parser means them: a fixed vocabulary is an `ExpressibleByArgument`
// enum, so the parser refuses anything else (exit 64, naming the allowed values) and `--help` lists
// them with the default; a structured value (a list, a split selection) is a type whose throwing
// initialiser is the option's `transform`, so a refusal names the option, the value and the reason.

/// `ValidationError` ends a tool with exit 64 by its type: `runTool` and `runAsTool` map errors
/// through ``ToolSupport/toolExitCode(for:)``, which asks ``UsageFailure``.
extension ValidationError: UsageFailure {}

extension TableFormat: ExpressibleByArgument {}

extension ProjectionMethod: ExpressibleByArgument {}

extension ProjectionCompat: ExpressibleByArgument {}

extension PairGrouping: ExpressibleByArgument {}

extension DistanceNormalization: ExpressibleByArgument {
    /// The raw values (none, unit, centroid-scale: the spelling every output prints), and
    /// `centroidScale`, the spelling outputs used before, as an alias.
    public init?(argument: String) {
        if argument == "centroidScale" { self = .centroidScale; return }
        self.init(rawValue: argument)
    }
}

/// A comma-separated option value (`--targets retrievers,n01729977`, `--classes a,b,c`): items
/// trimmed of spaces. An empty value or an empty item is refused, so `a,,b` is not read as two
/// items and a stray comma does not drop a class silently.
public struct CommaList: Sendable, Equatable, CustomStringConvertible {
    /// The items, in the order given.
    public var items: [String]

    /// A list of `items` (a default value).
    public init(_ items: [String]) { self.items = items }

    /// Parses `text`; throws (exit 64) on an empty value or item.
    public init(parsing text: String) throws {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if items.allSatisfy(\.isEmpty) { throw ValidationError("empty value") }
        if items.contains(where: \.isEmpty) { throw ValidationError("empty item in the list") }
        self.items = items
    }

    /// Parses `text` keeping empty items (titles, where an empty one leaves a panel untitled).
    public static func keepingEmptyItems(_ text: String) -> CommaList {
        CommaList(text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// The items joined by commas (what provenance records).
    public var description: String { items.joined(separator: ",") }
}

/// The value of `--split` in every tool: `all`, meaning every split in the file (in the file's
/// order, which is sorted by name: train before val), or a comma list of split names.
///
/// One meaning everywhere: `eta` and `project` read the splits named (or all of them); a command
/// that reads one split (``SplitName``: `eta centroids`, `accuracy`, `plot --accuracy`) takes one
/// name and refuses `all` and lists. A name that the file lacks is the file's problem (exit 65,
/// naming the splits it has); an empty value or item is a usage error (64).
public enum SplitSelection: Sendable, Equatable, CustomStringConvertible {
    /// Every split in the file.
    case all
    /// The splits named, in the order given.
    case named([String])

    /// Parses `all` or a comma list; `all` inside a list is refused (it would mean two things).
    public init(parsing text: String) throws {
        let list = try CommaList(parsing: text)
        if list.items == ["all"] { self = .all; return }
        if list.items.contains("all") { throw ValidationError("'all' already means every split; give it alone") }
        self = .named(list.items)
    }

    /// The split names this selection stands for in a file whose splits are `available`.
    public func names(in available: [String]) -> [String] {
        switch self {
        case .all: return available
        case .named(let names): return names
        }
    }

    /// `all` or the names joined by commas (what provenance records).
    public var description: String {
        switch self {
        case .all: return "all"
        case .named(let names): return names.joined(separator: ",")
        }
    }
}

/// `--split` where a command reads exactly one split: one name, never `all` or a list.
public struct SplitName: Sendable, Equatable, CustomStringConvertible {
    /// The split's name.
    public var name: String

    /// A split name (a default value).
    public init(_ name: String) { self.name = name }

    /// Parses one name; `all` and comma lists are refused (exit 64) rather than read as a name.
    public init(parsing text: String) throws {
        switch try SplitSelection(parsing: text) {
        case .all: throw ValidationError("this command reads one split; name it (all means every split)")
        case .named(let names) where names.count == 1: self.name = names[0]
        case .named: throw ValidationError("this command reads one split, not a list")
        }
    }

    /// The name.
    public var description: String { name }
}

/// `--split all|NAME[,NAME...]` for the commands that read several splits (`eta`, `eta sweep`,
/// `project`); default `all`, every split in the file.
public struct SplitsOption: ParsableArguments, RecordedOptions {
    /// The selection.
    @Option(help: ArgumentHelp("The splits: all (every split in the file; the default) or a comma list of names, e.g. train,val.",
                               valueName: "SPLIT"),
            transform: SplitSelection.init(parsing:))
    public var split: SplitSelection = .all

    /// The default, `all`.
    public init() {}

    public var recordedOptions: [(name: String, value: String)] { [("split", split.description)] }
}
