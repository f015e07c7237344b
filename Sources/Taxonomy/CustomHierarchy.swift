import Foundation

/// A hierarchy read from a small text file, for datasets outside WordNet (e.g. CUB-200:
/// order → family → genus → species).
///
/// Format (UTF-8, one edge per line):
/// ```
/// # comments start with '#'; blank lines are ignored
/// <child><TAB><parent>
/// <root>                    (a line with no TAB declares a node without parents)
/// ```
/// Ids are the text between tabs, trimmed; they may contain spaces. A child may have several
/// parent lines (a DAG). Every parent becomes a node. Cycles are rejected. Names are the ids.
public struct CustomHierarchy: Hierarchy {
    /// The file the hierarchy came from (for error messages).
    public let source: String
    /// Every node, in order of first appearance.
    public let nodes: [String]
    private let parentMap: [String: [String]]

    /// Reads and checks the file at `path`.
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw TaxonomyError.fileMissing(path: path) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TaxonomyError.unreadable(path: path, reason: "not UTF-8 text (\(error.localizedDescription))")
        }
        try self.init(text: text, source: path)
    }

    /// Parses hierarchy text; `source` names it in errors.
    public init(text: String, source: String = "hierarchy") throws {
        self.source = source
        var nodes: [String] = []
        var parents: [String: [String]] = [:]
        var firstLine: [String: Int] = [:]
        func declare(_ node: String, line: Int) {
            if parents[node] == nil { parents[node] = []; nodes.append(node); firstLine[node] = line }
        }
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard columns.count <= 2, columns.allSatisfy({ !$0.isEmpty }) else {
                throw TaxonomyError.corrupt(path: source, line: number + 1,
                                            problem: "expected 'child<TAB>parent' or a single root id")
            }
            let child = columns[0]
            declare(child, line: number + 1)
            if columns.count == 2 {
                let parent = columns[1]
                guard parent != child else {
                    throw TaxonomyError.corrupt(path: source, line: number + 1, problem: "'\(child)' is its own parent")
                }
                declare(parent, line: number + 1)
                if !parents[child]!.contains(parent) { parents[child]!.append(parent) }
            }
        }
        // Reject cycles: depth-first search with three colours.
        var state: [String: Int] = [:]  // 1 = on the stack, 2 = done
        func visit(_ node: String) throws {
            if state[node] == 2 { return }
            if state[node] == 1 {
                throw TaxonomyError.corrupt(path: source, line: firstLine[node] ?? 0,
                                            problem: "cycle through '\(node)'")
            }
            state[node] = 1
            for parent in parents[node] ?? [] { try visit(parent) }
            state[node] = 2
        }
        for node in nodes { try visit(node) }
        self.nodes = nodes
        parentMap = parents
    }

    /// Nodes that are nobody's parent (e.g. the species).
    public var leaves: [String] {
        let inner = Set(parentMap.values.flatMap { $0 })
        return nodes.filter { !inner.contains($0) }
    }

    public func contains(_ id: String) -> Bool { parentMap[id] != nil }

    public func parents(of id: String) throws -> [String] {
        guard let found = parentMap[id] else { throw TaxonomyError.unknownID(id, source: source) }
        return found
    }

    /// The id itself, with underscores shown as spaces.
    public func name(of id: String) throws -> String {
        guard contains(id) else { throw TaxonomyError.unknownID(id, source: source) }
        return WordNet.displayForm(id)
    }

    public func aliases(of id: String) throws -> [String] {
        guard contains(id) else { throw TaxonomyError.unknownID(id, source: source) }
        return [id]
    }
}
