import Foundation

/// How to choose the comparison set S (S1 or S2 of the diffusion index) for a target class among
/// the classes present in a dump. The target is never a member of its own set.
public enum SetRule: Sendable, Equatable, CustomStringConvertible {
    /// Classes that share at least one direct parent with the target.
    case siblings
    /// Classes whose lowest common ancestor with the target has depth ≥ N (close relatives).
    /// Depth is the ancestor's longest path to the root (entity has depth 0).
    case lcaDepthAtLeast(Int)
    /// Classes whose lowest common ancestor with the target has depth ≤ N (distant classes).
    case lcaDepthAtMost(Int)
    /// Classes within N edges of the target (up to a common ancestor and down).
    case pathAtMost(Int)
    /// Classes at least N edges away from the target.
    case pathAtLeast(Int)
    /// An explicit list of classes: wnids (or custom ids), names, or class indices.
    case explicit([String])
    /// Classes whose ancestor at the named level (a hierarchy file's `# levels:`) is the target's,
    /// e.g. `same:genus`: the target's congeners.
    case sameAtLevel(String)
    /// Classes whose ancestor at the named level differs from the target's, e.g. `not-same:order`.
    case notSameAtLevel(String)
    /// Classes at or below the named node (an id, or a name: a WordNet lemma, a file's node in any
    /// case), e.g. `under:Icteridae` or `under:n02099029`.
    case under(String)
    /// Classes neither at nor below the named node.
    case notUnder(String)

    /// Parses what a command line passes: `siblings`, `lca-depth>=8`, `lca-depth<=4`,
    /// `path<=4`, `path>=10`, `same:genus`, `not-same:order`, `under:Icteridae`, `not-under:NODE`,
    /// or a comma-separated list of classes.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw TaxonomyError.badRule(text, reason: "empty rule") }
        if trimmed == "siblings" { self = .siblings; return }
        let named: [(String, (String) -> SetRule)] = [
            ("same:", SetRule.sameAtLevel), ("not-same:", SetRule.notSameAtLevel),
            ("under:", SetRule.under), ("not-under:", SetRule.notUnder),
        ]
        for (prefix, make) in named where trimmed.hasPrefix(prefix) {
            let argument = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            guard !argument.isEmpty else { throw TaxonomyError.badRule(text, reason: "'\(prefix)' needs a \(prefix.hasSuffix("same:") ? "level" : "node") name") }
            guard !argument.contains(",") else { throw TaxonomyError.badRule(text, reason: "'\(prefix)' takes one name, not a list") }
            self = make(argument)
            return
        }
        let thresholds: [(String, (Int) -> SetRule)] = [
            ("lca-depth>=", SetRule.lcaDepthAtLeast), ("lca-depth<=", SetRule.lcaDepthAtMost),
            ("path<=", SetRule.pathAtMost), ("path>=", SetRule.pathAtLeast),
        ]
        for (prefix, make) in thresholds where trimmed.hasPrefix(prefix) {
            let number = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Int(number), value >= 0 else {
                throw TaxonomyError.badRule(text, reason: "'\(number)' is not a non-negative integer")
            }
            self = make(value)
            return
        }
        if trimmed.hasPrefix("lca-depth") || trimmed.hasPrefix("path") || trimmed.contains("=") || trimmed.contains("<") || trimmed.contains(">") {
            throw TaxonomyError.badRule(text, reason: "unknown comparison")
        }
        let items = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard items.allSatisfy({ !$0.isEmpty }) else { throw TaxonomyError.badRule(text, reason: "empty item in the list") }
        self = .explicit(items)
    }

    /// The canonical string form (parses back to the same rule).
    public var description: String {
        switch self {
        case .siblings: return "siblings"
        case .lcaDepthAtLeast(let n): return "lca-depth>=\(n)"
        case .lcaDepthAtMost(let n): return "lca-depth<=\(n)"
        case .pathAtMost(let n): return "path<=\(n)"
        case .pathAtLeast(let n): return "path>=\(n)"
        case .explicit(let items): return items.joined(separator: ",")
        case .sameAtLevel(let level): return "same:\(level)"
        case .notSameAtLevel(let level): return "not-same:\(level)"
        case .under(let node): return "under:\(node)"
        case .notUnder(let node): return "not-under:\(node)"
        }
    }

    /// The members of the set for class `target` of `classes`, as ascending class indices.
    /// Classes that share no ancestor with the target never satisfy a threshold rule.
    /// `index` resolves the items of an explicit list (default: `classes`' own ``ClassLookup/index(of:)``),
    /// so a caller with its own resolution order uses it for sets as for targets.
    public func members(of target: Int, in classes: ClassLookup,
                        index: ((String) throws -> Int)? = nil) throws -> [Int] {
        guard classes.ids.indices.contains(target) else {
            throw TaxonomyError.indexOutOfRange(target, count: classes.count)
        }
        let targetID = classes.ids[target]
        if case .explicit(let items) = self {
            let resolved = try items.map { try index?($0) ?? classes.index(of: $0) }
            if resolved.contains(target) { throw TaxonomyError.targetInOwnSet(targetID) }
            return Array(Set(resolved)).sorted()
        }
        return try classes.ancestry.members(of: self, target: target, ids: classes.ids, hierarchy: classes.hierarchy)
    }
}
