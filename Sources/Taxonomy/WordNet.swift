import Foundation

/// One WordNet noun synset, parsed from its line in `data.noun`.
public struct Synset: Sendable, Hashable {
    /// ImageNet-style id: `n` followed by the 8-digit offset, e.g. `n02099849`.
    public let wnid: String
    /// Byte offset of the synset's line in `data.noun`.
    public let offset: Int
    /// The lemmas as WordNet spells them (underscores for spaces, original case).
    public let lemmas: [String]
    /// The definition and examples after the `|`.
    public let gloss: String
    /// Direct hypernyms (`@` pointers), as wnids, in file order.
    public let hypernyms: [String]
    /// Instance hypernyms (`@i` pointers), as wnids.
    public let instanceHypernyms: [String]
    /// Hyponyms and instance hyponyms (`~`, `~i` pointers), as wnids.
    public let hyponyms: [String]

    /// Hypernyms followed by instance hypernyms: the parents in the ``Hierarchy`` sense.
    public var parents: [String] { hypernyms + instanceHypernyms }

    /// The first lemma with underscores shown as spaces, e.g. "Chesapeake Bay retriever".
    public var displayName: String { lemmas.first.map(WordNet.displayForm) ?? wnid }
}

/// The WordNet 3.0 noun database (`data.noun`, `index.noun`, e.g. from Debian's `wordnet-base`).
///
/// Loading opens `data.noun` and checks its first synset line; synsets are read and parsed on demand
/// (a wnid's offset *is* the byte offset of its line) and cached, so opening costs a few
/// milliseconds. `index.noun` is read on the first lookup by lemma. Thread-safe.
public final class WordNet: Hierarchy, @unchecked Sendable {
    /// The default directory when neither an argument nor `PENULTIMATE_WORDNET` is given.
    public static let defaultDirectory = "/usr/share/wordnet"
    /// The environment variable that names the WordNet directory.
    public static let environmentVariable = "PENULTIMATE_WORDNET"

    /// The directory the database was read from.
    public let directory: String
    /// Path of `data.noun`.
    public let dataPath: String
    /// Path of `index.noun`.
    public let indexPath: String

    private let data: LineFile
    private let lock = NSLock()
    private var synsetCache: [Int: Synset] = [:]
    private var indexData: Data?

    /// The directory to use: `explicit` if given, else `$PENULTIMATE_WORDNET`, else `/usr/share/wordnet`.
    public static func resolveDirectory(_ explicit: String? = nil,
                                        environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultDirectory
    }

    /// Opens the noun database in `directory` (see ``resolveDirectory(_:environment:)``).
    /// Throws ``TaxonomyError`` for a missing directory, missing files or a `data.noun` that does
    /// not look like WordNet.
    public init(directory: String? = nil) throws {
        let dir = WordNet.resolveDirectory(directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TaxonomyError.directoryMissing(path: dir)
        }
        self.directory = dir
        dataPath = (dir as NSString).appendingPathComponent("data.noun")
        indexPath = (dir as NSString).appendingPathComponent("index.noun")
        for path in [dataPath, indexPath] where !FileManager.default.fileExists(atPath: path) {
            throw TaxonomyError.fileMissing(path: path)
        }
        do {
            data = try LineFile(path: dataPath)
        } catch {
            throw TaxonomyError.unreadable(path: dataPath, reason: "\(error)")
        }
        try checkFirstSynsetLine()
    }

    // MARK: Lookup

    /// The synset with this wnid (`n` + 8 digits). Throws ``TaxonomyError/unknownID(_:source:)``
    /// if no synset line starts at that offset, ``TaxonomyError/corrupt(path:line:problem:)`` if it
    /// does but cannot be parsed.
    public func synset(_ wnid: String) throws -> Synset {
        guard let offset = WordNet.offset(ofWnid: wnid) else {
            throw TaxonomyError.unknownID(wnid, source: dataPath)
        }
        return try synset(atOffset: offset, asked: wnid)
    }

    /// Whether a synset line starts at this wnid's offset.
    public func contains(_ id: String) -> Bool {
        guard let offset = WordNet.offset(ofWnid: id) else { return false }
        return (try? synsetLine(startingAt: offset)) != nil
    }

    /// The synsets whose lemmas include `lemma` (spaces or underscores, any case), most frequent
    /// sense first (the order of `index.noun`). Empty if the lemma is unknown.
    public func synsets(lemma: String) throws -> [Synset] {
        let offsets = try lemmaOffsets(normalizedName(lemma))
        return try offsets.map { try synset(atOffset: $0, asked: WordNet.wnid(offset: $0)) }
    }

    /// Parents in the ``Hierarchy`` sense: hypernyms and instance hypernyms.
    public func parents(of id: String) throws -> [String] { try synset(id).parents }

    /// Hyponyms and instance hyponyms of `id`.
    public func children(of id: String) throws -> [String] { try synset(id).hyponyms }

    /// The display name (first lemma, underscores as spaces).
    public func name(of id: String) throws -> String { try synset(id).displayName }

    /// All lemmas of `id`, as WordNet spells them.
    public func aliases(of id: String) throws -> [String] { try synset(id).lemmas }

    /// A wnid WordNet holds, else the synsets of the lemma (spaces or underscores, any case).
    public func nodeIDs(matching text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if contains(trimmed) { return [trimmed] }
        return ((try? synsets(lemma: trimmed)) ?? []).map(\.wnid)
    }

    /// Parses every synset line of `data.noun` and `index.noun`, throwing on the first defect.
    /// Returns the number of noun synsets. For checks and timing; lookups do not need it.
    @discardableResult
    public func validateAll() throws -> Int {
        var count = 0
        var lineNumber = 0
        var start = 0
        let bytes = try readable { try data.all() }
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if bytes[start] != UInt8(ascii: " ") {
                let line = String(decoding: bytes[start..<end], as: UTF8.self)
                do {
                    _ = try WordNet.parseLine(line, offset: start)
                } catch let problem as LineProblem {
                    throw TaxonomyError.corrupt(path: dataPath, line: lineNumber, problem: problem.text)
                }
                count += 1
            }
            start = end + 1
        }
        _ = try lemmaOffsets(nil)
        return count
    }

    // MARK: Names

    /// `offset` as a wnid: `n` + 8 zero-padded digits.
    public static func wnid(offset: Int) -> String {
        let digits = String(offset)
        return "n" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The offset in a wnid, or `nil` if `wnid` is not `n` + 8 digits.
    public static func offset(ofWnid wnid: String) -> Int? {
        let utf8 = Array(wnid.utf8)
        guard utf8.count == 9, utf8[0] == UInt8(ascii: "n"),
              utf8.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(wnid.dropFirst())
    }

    /// Whether `text` has the shape of a wnid.
    public static func isWnid(_ text: String) -> Bool { offset(ofWnid: text) != nil }

    /// A lemma as shown to people: underscores as spaces.
    public static func displayForm(_ lemma: String) -> String {
        String(lemma.map { $0 == "_" ? " " : $0 })
    }

    // MARK: Parsing

    private func synset(atOffset offset: Int, asked: String) throws -> Synset {
        lock.lock()
        let cached = synsetCache[offset]
        lock.unlock()
        if let cached { return cached }
        guard let bytes = try synsetLine(startingAt: offset) else {
            throw TaxonomyError.unknownID(asked, source: dataPath)
        }
        let line = String(decoding: bytes, as: UTF8.self)
        let parsed: Synset
        do {
            parsed = try WordNet.parseLine(line, offset: offset)
        } catch let problem as LineProblem {
            throw TaxonomyError.corrupt(path: dataPath, line: data.lineNumber(at: offset), problem: problem.text)
        }
        lock.lock()
        synsetCache[offset] = parsed
        lock.unlock()
        return parsed
    }

    /// The bytes of the line that starts exactly at `offset` (without its newline), or `nil` if
    /// `offset` is not the start of a synset line.
    /// Throws ``TaxonomyError/unreadable(path:reason:)`` when the file cannot be read there.
    private func synsetLine(startingAt offset: Int) throws -> [UInt8]? {
        guard offset >= 0, offset < data.count else { return nil }
        if offset > 0, try readable({ try data.byte(at: offset - 1) }) != UInt8(ascii: "\n") { return nil }
        guard let line = try readable({ try data.line(startingAt: offset) }) else { return nil }
        if line.first == UInt8(ascii: " ") { return nil }  // licence header
        return line
    }

    /// `read`'s result, its failure as ``TaxonomyError/unreadable(path:reason:)`` of `data.noun`.
    private func readable<T>(_ read: () throws -> T) throws -> T {
        do { return try read() } catch { throw TaxonomyError.unreadable(path: dataPath, reason: "\(error)") }
    }

    private func checkFirstSynsetLine() throws {
        var start = 0
        var lineNumber = 1
        // The licence header: lines that start with a space.
        while start < data.count, try readable({ try data.byte(at: start) }) == UInt8(ascii: " ") {
            guard let header = try readable({ try data.line(startingAt: start) }), start + header.count < data.count else { break }
            start += header.count + 1
            lineNumber += 1
        }
        guard start < data.count else {
            throw TaxonomyError.corrupt(path: dataPath, line: lineNumber, problem: "no synset lines (empty or truncated file)")
        }
        guard let bytes = try synsetLine(startingAt: start) else {
            throw TaxonomyError.corrupt(path: dataPath, line: lineNumber, problem: "no synset lines")
        }
        let line = String(decoding: bytes, as: UTF8.self)
        do {
            _ = try WordNet.parseLine(line, offset: start)
        } catch let problem as LineProblem {
            throw TaxonomyError.corrupt(path: dataPath, line: lineNumber, problem: problem.text)
        }
    }

    struct LineProblem: Error { let text: String }

    /// Parses one `data.noun` line:
    /// `offset lex_filenum ss_type w_cnt (word lex_id)* p_cnt (symbol offset pos src/tgt)* | gloss`.
    static func parseLine(_ line: String, offset: Int) throws -> Synset {
        // Lemmas never contain '|', so the first one starts the gloss.
        let utf8 = line.utf8
        let bar = utf8.firstIndex(of: UInt8(ascii: "|"))
        let head = bar.map { Substring(line[..<$0]) } ?? Substring(line)
        var gloss = bar.map { Substring(line[line.utf8.index(after: $0)...]) } ?? ""
        while gloss.first == " " { gloss.removeFirst() }
        while gloss.last == " " { gloss.removeLast() }
        let fields = head.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 4 else { throw LineProblem(text: "too few fields for a synset line") }
        guard fields[0].count == 8, let stated = Int(fields[0]) else {
            throw LineProblem(text: "'\(fields[0])' is not an 8-digit synset offset")
        }
        guard stated == offset else {
            throw LineProblem(text: "synset offset \(fields[0]) differs from the line's byte offset \(offset)")
        }
        guard fields[2] == "n" else { throw LineProblem(text: "synset type '\(fields[2])' is not a noun ('n')") }
        guard let wordCount = Int(fields[3], radix: 16), wordCount >= 0 else {
            throw LineProblem(text: "word count '\(fields[3])' is not hexadecimal")
        }
        var cursor = 4
        var lemmas: [String] = []
        for _ in 0..<wordCount {
            guard cursor + 1 < fields.count else { throw LineProblem(text: "line ends inside the word list") }
            lemmas.append(String(fields[cursor]))
            cursor += 2
        }
        guard cursor < fields.count, let pointerCount = Int(fields[cursor]) else {
            throw LineProblem(text: "missing or non-numeric pointer count")
        }
        guard pointerCount >= 0 else { throw LineProblem(text: "pointer count \(pointerCount) is negative") }
        cursor += 1
        var hypernyms: [String] = [], instanceHypernyms: [String] = [], hyponyms: [String] = []
        for _ in 0..<pointerCount {
            guard cursor + 3 < fields.count else { throw LineProblem(text: "line ends inside the pointer list") }
            let symbol = fields[cursor], target = fields[cursor + 1], pos = fields[cursor + 2]
            guard target.count == 8, Int(target) != nil else {
                throw LineProblem(text: "pointer target '\(target)' is not an 8-digit offset")
            }
            cursor += 4
            guard pos == "n" else { continue }
            let wnid = "n" + target
            switch symbol {
            case "@": hypernyms.append(wnid)
            case "@i": instanceHypernyms.append(wnid)
            case "~", "~i": hyponyms.append(wnid)
            default: break
            }
        }
        return Synset(wnid: wnid(offset: offset), offset: offset, lemmas: lemmas, gloss: String(gloss),
                      hypernyms: hypernyms, instanceHypernyms: instanceHypernyms, hyponyms: hyponyms)
    }

    /// The mapped `index.noun`, read on first use.
    private func indexBytes() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let indexData { return indexData }
        do {
            let loaded = try Data(contentsOf: URL(fileURLWithPath: indexPath), options: .alwaysMapped)
            indexData = loaded
            return loaded
        } catch {
            throw TaxonomyError.unreadable(path: indexPath, reason: error.localizedDescription)
        }
    }

    /// The offsets listed for `key` (normalised) in `index.noun`, or for every line when `key` is
    /// nil (a full check). A linear scan of the mapped file: a few milliseconds, no index to build.
    private func lemmaOffsets(_ key: String?) throws -> [Int] {
        let bytes = try indexBytes()
        let keyBytes = key.map { Array($0.utf8) }
        return try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Int] in
            let text = raw.bindMemory(to: UInt8.self)
            var start = 0, lineNumber = 0
            var all: [Int] = []
            while start < text.count {
                lineNumber += 1
                var end = start
                while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
                defer { start = end + 1 }
                if end == start || text[start] == UInt8(ascii: " ") { continue }
                if let keyBytes {
                    guard end - start > keyBytes.count, text[start + keyBytes.count] == UInt8(ascii: " ") else { continue }
                    var same = true
                    for i in 0..<keyBytes.count where text[start + i] != keyBytes[i] { same = false; break }
                    guard same else { continue }
                }
                let line = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
                let offsets = try parseIndexLine(line, lineNumber: lineNumber)
                if keyBytes != nil { return offsets }
                all += offsets
            }
            return all
        }
    }

    /// `index.noun`: `lemma pos synset_cnt p_cnt ptr_symbol* sense_cnt tagsense_cnt offset*`.
    private func parseIndexLine(_ line: String, lineNumber: Int) throws -> [Int] {
        let fields = line.split(separator: " ")
        func corrupt(_ problem: String) -> TaxonomyError {
            .corrupt(path: indexPath, line: lineNumber, problem: problem)
        }
        guard fields.count >= 6, let synsetCount = Int(fields[2]), let pointerCount = Int(fields[3]),
              synsetCount >= 0, pointerCount >= 0 else {
            throw corrupt("not an index line (lemma pos synset_cnt p_cnt ...)")
        }
        let first = 4 + pointerCount + 2
        guard fields.count == first + synsetCount else {
            throw corrupt("expected \(synsetCount) synset offsets, found \(fields.count - first)")
        }
        return try fields[first...].map { field in
            guard field.count == 8, let value = Int(field) else { throw corrupt("'\(field)' is not an 8-digit offset") }
            return value
        }
    }
}
