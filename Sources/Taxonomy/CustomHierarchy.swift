import Foundation

/// A hierarchy read from a small text file, for datasets outside WordNet (e.g. CUB-200:
/// class → order → family → genus → species). The format is the <doc:HierarchyFiles> article.
///
/// In short (UTF-8, one edge per line):
/// ```
/// # levels: class order family genus species     (optional: the name of each depth)
/// Aves                                           (a line with one id declares the root)
/// Passeriformes<TAB>Aves                         (child, then parent)
/// Icteridae Passeriformes                        (without a TAB: two words, child then parent)
/// ```
/// A hierarchy file is a **tree with one root**: every node but the root has exactly one parent,
/// so depth, the ancestor at a level and the lowest common ancestor are each one node. Every
/// problem is refused with the file, the line and what is wrong (``TaxonomyError/hierarchyFile(path:line:problem:)``).
public struct CustomHierarchy: Hierarchy {
    /// The file the hierarchy came from (for error messages).
    public let source: String
    /// Every node, in order of first appearance.
    public let nodes: [String]
    /// The one node without a parent (depth 0).
    public let root: String
    /// The names of the depths from the root down (`# levels:`), if the file declares them.
    public let levelNames: [String]?
    private let parentOf: [String: String]
    private let depthOf: [String: Int]
    private let nodesByName: [String: [String]]

    /// The deepest node a file may hold: WordNet's deepest noun is at 19, CUB's species at 4. The
    /// graph questions recurse along a node's chain, so a corrupt file's million-deep chain would
    /// overflow the stack instead of being refused.
    public static let maxDepth = 1000
    /// The largest file read (a taxonomy of a million nodes fits many times over).
    public static let maxBytes = 256 << 20

    /// Reads and checks the file at `path`.
    public init(contentsOf path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TaxonomyError.hierarchyFile(path: path, line: nil, problem: "file not found")
        }
        if !isDirectory.boolValue, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
           size.int64Value > Int64(Self.maxBytes) {
            throw TaxonomyError.hierarchyFile(path: path, line: nil, problem: "\(size.int64Value) bytes, more than the \(Self.maxBytes >> 20) MiB a hierarchy file may hold")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw TaxonomyError.hierarchyFile(path: path, line: nil, problem: "cannot read the file (a directory, or no permission)")
        }
        try self.init(data: data, source: path)
    }

    /// Decodes `data` as UTF-8 (refusing the first line that is not) and parses it.
    public init(data: Data, source: String = "hierarchy") throws {
        guard let text = String(data: data, encoding: .utf8) else {
            var line = 1
            for part in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                if String(data: Data(part), encoding: .utf8) == nil { break }
                line += 1
            }
            throw TaxonomyError.hierarchyFile(path: source, line: line, problem: "not UTF-8 text")
        }
        try self.init(text: text, source: source)
    }

    /// Parses hierarchy text; `source` names it in errors.
    public init(text: String, source: String = "hierarchy") throws {
        func fail(_ line: Int?, _ problem: String) -> TaxonomyError {
            .hierarchyFile(path: source, line: line, problem: problem)
        }
        self.source = source
        var nodes: [String] = []
        var parent: [String: String] = [:]
        var declared: [String: Int] = [:]  // node → line where it first appeared
        var edgeLine: [String: Int] = [:]  // child → line of its parent edge (or root line)
        var levels: [String]?
        var levelsLine = 0
        func declare(_ node: String, line: Int) {
            if declared[node] == nil { declared[node] = line; nodes.append(node) }
        }
        // Lines are split at U+000A scalars, not Characters: "\r\n" is one Character in Swift.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        if let bad = lines.firstIndex(where: { $0.unicodeScalars.contains("\0") }) {
            throw fail(bad + 1, "holds a NUL byte; a hierarchy file is plain text")
        }
        /// One definition of blank for trimming and for splitting words (Character.isWhitespace:
        /// spaces, tabs, form feeds, NBSP, …), so no blank survives as a name or an empty word.
        func trim<S: StringProtocol>(_ text: S) -> String {
            String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            let trimmed = trim(line)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("#") {
                let body = trim(trimmed.dropFirst())
                guard body.lowercased().hasPrefix("levels:") else { continue }
                guard levels == nil else { throw fail(number, "a second '# levels:' line (the first is line \(levelsLine))") }
                let names = body.dropFirst("levels:".count).split(whereSeparator: \.isWhitespace).map(String.init)
                guard !names.isEmpty else { throw fail(number, "'# levels:' names no level") }
                if let repeated = names.first(where: { name in names.filter { $0.lowercased() == name.lowercased() }.count > 1 }) {
                    throw fail(number, "level '\(repeated)' is named twice")
                }
                levels = names
                levelsLine = number
                continue
            }
            let columns: [String]
            if line.contains("\t") {
                columns = line.split(separator: "\t", omittingEmptySubsequences: false).map { trim($0) }
                guard columns.count <= 2, columns.allSatisfy({ !$0.isEmpty }) else {
                    throw fail(number, "expected 'child<TAB>parent' or a root id alone, found \(columns.count) tab-separated fields\(columns.contains(where: \.isEmpty) ? " (one empty)" : "")")
                }
            } else {
                columns = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
                guard !columns.isEmpty, columns.count <= 2 else {
                    throw fail(number, "\(columns.count) words and no TAB: separate child and parent with a TAB when names hold spaces")
                }
            }
            let child = columns[0]
            if columns.count == 1 {
                if let earlier = edgeLine[child] {
                    throw fail(number, parent[child] == nil ? "root '\(child)' declared again (first on line \(earlier))"
                                                            : "'\(child)' declared a root but has parent '\(parent[child]!)' (line \(earlier))")
                }
                declare(child, line: number)
                edgeLine[child] = number
                continue
            }
            let up = columns[1]
            guard up != child else { throw fail(number, "'\(child)' is its own parent") }
            if let earlier = edgeLine[child] {
                if let known = parent[child] {
                    throw fail(number, known == up ? "duplicate edge '\(child)' → '\(up)' (first on line \(earlier))"
                                                   : "'\(child)' has a second parent '\(up)' (parent '\(known)' on line \(earlier)); a hierarchy file is a tree, one parent per node")
                }
                throw fail(number, "'\(child)' was declared a root on line \(earlier) and now has parent '\(up)'")
            }
            declare(child, line: number)
            declare(up, line: number)
            parent[child] = up
            edgeLine[child] = number
        }
        guard !nodes.isEmpty else { throw fail(nil, "no nodes: the file is empty or holds only comments") }

        // Cycles: follow each node's single parent; a chain that meets itself is a cycle.
        var depth: [String: Int] = [:]
        for start in nodes where depth[start] == nil {
            var chain: [String] = []
            var onChain: [String: Int] = [:]
            var node = start
            var base: Int
            while true {
                if let known = depth[node] { base = known; break }
                if let at = onChain[node] {
                    let loop = chain[at...] + [node]
                    let line = loop.dropLast().compactMap { edgeLine[$0] }.min() ?? 0
                    throw fail(line, "cycle: \(loop.joined(separator: " → "))")
                }
                onChain[node] = chain.count
                chain.append(node)
                guard let up = parent[node] else { base = -1; break }  // the chain ends at a root (depth 0)
                node = up
            }
            for item in chain.reversed() { base += 1; depth[item] = base }
        }
        if let deep = nodes.first(where: { depth[$0]! > Self.maxDepth }) {
            throw fail(edgeLine[deep], "'\(deep)' is at depth \(depth[deep]!), deeper than the \(Self.maxDepth) a hierarchy file may hold")
        }
        let roots = nodes.filter { parent[$0] == nil }
        guard roots.count == 1 else {
            let listed = roots.prefix(6).map { "'\($0)' (line \(declared[$0]!))" }.joined(separator: ", ") + (roots.count > 6 ? ", …" : "")
            throw fail(declared[roots[1]], "\(roots.count) roots: \(listed); a hierarchy needs one root: add a line 'ROOT' and put each of these under it")
        }
        if let levels {
            let inner = Set(parent.values)
            for node in nodes {
                let d = depth[node]!
                guard d < levels.count else {
                    throw fail(edgeLine[node], "'\(node)' is at depth \(d) but '# levels:' (line \(levelsLine)) names \(levels.count) levels, depth 0 to \(levels.count - 1)")
                }
                if !inner.contains(node), d != levels.count - 1 {
                    throw fail(edgeLine[node], "leaf '\(node)' is at depth \(d) (level '\(levels[d])'), not at the last level '\(levels.last!)': every leaf of a file with '# levels:' must be at the last level")
                }
            }
        }
        var byName: [String: [String]] = [:]
        for node in nodes { byName[normalizedName(node), default: []].append(node) }
        self.nodes = nodes
        self.root = roots[0]
        self.levelNames = levels
        parentOf = parent
        depthOf = depth
        nodesByName = byName
    }

    /// Nodes that are nobody's parent (e.g. the species).
    public var leaves: [String] {
        let inner = Set(parentOf.values)
        return nodes.filter { !inner.contains($0) }
    }

    public func contains(_ id: String) -> Bool { depthOf[id] != nil }

    public func parents(of id: String) throws -> [String] {
        guard contains(id) else { throw TaxonomyError.unknownID(id, source: source) }
        return parentOf[id].map { [$0] } ?? []
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

    /// The node's depth (the root is 0); in a tree the shortest and longest paths agree.
    public func level(of id: String) -> Int? { depthOf[id] }

    /// Nodes whose id is `text`, else whose id matches it in any case with spaces or underscores.
    public func nodeIDs(matching text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if contains(trimmed) { return [trimmed] }
        return nodesByName[normalizedName(trimmed)] ?? []
    }
}
