/// Errors of the Taxonomy module. Each description is one line:
/// `<file or source>: <object>: <what is wrong>[; <how to fix>]`.
public enum TaxonomyError: Error, Equatable, CustomStringConvertible {
    /// The WordNet directory does not exist.
    case directoryMissing(path: String)
    /// A required file is missing from a directory.
    case fileMissing(path: String)
    /// A file exists but cannot be read.
    case unreadable(path: String, reason: String)
    /// A file is not in the expected format; `line` is 1-based.
    case corrupt(path: String, line: Int, problem: String)
    /// An id (wnid or custom node id) that the hierarchy does not know.
    case unknownID(String, source: String)
    /// A name (lemma) that matches nothing.
    case unknownName(String, source: String)
    /// A name that matches several classes; `candidates` lists their ids.
    case ambiguousName(String, candidates: [String], source: String)
    /// A class index outside `0..<count`.
    case indexOutOfRange(Int, count: Int)
    /// An id the hierarchy knows but that is not in the class list.
    case notInClassList(String, name: String?)
    /// A set rule string that does not parse.
    case badRule(String, reason: String)
    /// An explicit set that contains its own target.
    case targetInOwnSet(String)
    /// A preset name that does not exist.
    case unknownPreset(String, known: [String])
    /// A node that is its own ancestor: the parent links of a (corrupt) file loop.
    case cycle(String, source: String)
    /// A hierarchy file (`--hierarchy`) that cannot be used; `line` is 1-based, nil for the whole file.
    case hierarchyFile(path: String, line: Int?, problem: String)
    /// A rule names a level the hierarchy does not declare (`known` nil: it declares none).
    case unknownLevel(String, known: [String]?, source: String)
    /// A rule or target names an ancestor the hierarchy does not hold.
    case unknownNode(String, source: String)

    /// Whether the error is about a `--hierarchy` file: such an error is always reported, while a
    /// missing WordNet only matters when something needs it.
    public var isHierarchyFile: Bool {
        if case .hierarchyFile = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .directoryMissing(let path):
            return "\(path): WordNet directory not found; install wordnet-base, pass --wordnet DIR or set PENULTIMATE_WORDNET"
        case .fileMissing(let path):
            return "\(path): file not found; the WordNet 3.0 directory needs data.noun and index.noun"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .corrupt(let path, let line, let problem):
            return "\(path): line \(line): \(problem)"
        case .unknownID(let id, let source):
            return "\(source): \(id): no such synset or node"
        case .unknownName(let name, let source):
            return "\(source): '\(name)': no class has this name; use a wnid, a lemma as WordNet spells it, or a class index"
        case .ambiguousName(let name, let candidates, let source):
            return "\(source): '\(name)': ambiguous, matches \(candidates.joined(separator: ", ")); use one of these ids instead"
        case .indexOutOfRange(let index, let count):
            return "class list: index \(index): out of range 0..<\(count)"
        case .notInClassList(let id, let name):
            let label = name.map { " (\($0))" } ?? ""
            return "class list: \(id)\(label): not among the classes of this dump"
        case .badRule(let text, let reason):
            return "set rule: '\(text)': \(reason); expected siblings, lca-depth>=N, lca-depth<=N, path<=N, path>=N, same:LEVEL, not-same:LEVEL, under:NODE, not-under:NODE or a comma list of classes"
        case .targetInOwnSet(let id):
            return "set rule: \(id): the target cannot be a member of its own set"
        case .cycle(let id, let source):
            return "\(source): \(id): is its own ancestor (the parent links loop); the file is corrupt"
        case .hierarchyFile(let path, let line, let problem):
            return "\(path): \(line.map { "line \($0): " } ?? "")\(problem)"
        case .unknownLevel(let name, let known, let source):
            guard let known else {
                return "\(source): level '\(name)': the hierarchy declares no levels; same:/not-same: need a hierarchy file with a '# levels:' line (use lca-depth>=N or under:ANCESTOR instead)"
            }
            return "\(source): level '\(name)': not declared; levels: \(known.joined(separator: ", "))"
        case .unknownNode(let name, let source):
            return "\(source): '\(name)': no such node (give an id or name of the hierarchy)"
        case .unknownPreset(let name, let known):
            return "preset: '\(name)': unknown; known presets: \(known.joined(separator: ", "))"
        }
    }
}
