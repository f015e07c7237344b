import Foundation
import PlainText

/// What produced an output: tool, version, command line, inputs, options and conventions.
/// Rendered as one JSON object wherever an output carries it (a JSON member, one comment line of a
/// text table, an HDF5 attribute, a PNG text chunk): the policy is in the <doc:ProvenancePolicy> article.
/// Key order is the order of insertion, so renderings are deterministic.
public struct Provenance: Sendable, Equatable {
    /// One input file.
    public struct Input: Sendable, Equatable {
        /// The path as given.
        public var path: String
        /// Size in bytes.
        public var size: Int64
        /// Last modification time, ISO 8601 UTC (e.g. "2026-11-27T05:20:00Z"), recorded only for
        /// files too large to fingerprint: a checkout's times change, its contents do not, so a
        /// rerun on the same inputs must give the same record.
        public var modified: String?
        /// SHA-256 of the contents, for files up to ``Provenance/digestSizeLimit`` bytes.
        public var sha256: String?
    }

    /// Files up to this size get a SHA-256 fingerprint; larger ones only size and time.
    public static let digestSizeLimit: Int64 = 16 << 20

    /// The tool's name, e.g. "eta".
    public var tool: String
    /// ``PenultimateVersion/string`` unless told otherwise.
    public var version: String
    /// The arguments the tool was started with (argv).
    public var commandLine: [String]
    /// Input files, in the order added.
    public var inputs: [Input] = []
    /// Options as name/value pairs, in the order set.
    public private(set) var options: [(name: String, value: String)] = []
    /// Conventions (normalisation, set rules, units...) as name/value pairs.
    public private(set) var conventions: [(name: String, value: String)] = []

    /// A record for `tool`, by default with this process's command line.
    /// The first argument is reduced to the tool's file name: where the binary was built is
    /// not part of what produced the output.
    public init(tool: String, version: String = PenultimateVersion.string,
                commandLine: [String] = CommandLine.arguments) {
        self.tool = tool
        self.version = version
        var arguments = commandLine
        if let first = arguments.first { arguments[0] = (first as NSString).lastPathComponent }
        self.commandLine = arguments
    }

    /// Records the input file at `path` (size, mtime, and SHA-256 when small).
    public mutating func addInput(path: String) throws {
        inputs.append(try Provenance.describe(path: path))
    }

    /// Sets option `name` (replacing an earlier value, keeping its position).
    public mutating func setOption(_ name: String, _ value: String) { Provenance.set(&options, name, value) }

    /// Sets convention `name` (replacing an earlier value, keeping its position).
    public mutating func setConvention(_ name: String, _ value: String) { Provenance.set(&conventions, name, value) }

    /// Stats (and, if small, hashes) a file.
    public static func describe(path: String) throws -> Input {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ToolError.badInput("\(path): cannot read file attributes: \(error.localizedDescription)")
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let date = (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
        var digest: String?
        if size <= digestSizeLimit {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ToolError.badInput("\(path): cannot read file")
            }
            digest = SHA256.hexDigest(data)
        }
        return Input(path: path, size: size,
                     modified: digest == nil ? iso8601UTC(date) : nil, sha256: digest)
    }

    /// `date` in UTC to the second, as `ISO8601DateFormatter` writes it (`2026-11-30T09:19:04Z`),
    /// without that formatter: it loads ICU's calendars, time zones and locale data, 3 MiB of a
    /// 61 MiB `eta` run, for one timestamp.
    static func iso8601UTC(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        _ = gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-" + padded(parts.tm_mday, 2)
            + "T" + padded(parts.tm_hour, 2) + ":" + padded(parts.tm_min, 2) + ":" + padded(parts.tm_sec, 2) + "Z"
    }

    /// The record as one JSON object (keys: tool, version, command_line, inputs, options, conventions).
    public func json() -> String {
        let inputItems = inputs.map { input in
            JSONText.object([
                ("path", JSONText.string(input.path)), ("size", String(input.size)),
                ("modified", input.modified.map(JSONText.string) ?? "null"),
                ("sha256", input.sha256.map(JSONText.string) ?? "null"),
            ])
        }
        return JSONText.object([
            ("tool", JSONText.string(tool)),
            ("version", JSONText.string(version)),
            ("command_line", JSONText.array(commandLine.map(JSONText.string))),
            ("inputs", JSONText.array(inputItems)),
            ("options", JSONText.object(options.map { ($0.name, JSONText.string($0.value)) })),
            ("conventions", JSONText.object(conventions.map { ($0.name, JSONText.string($0.value)) })),
        ])
    }

    private static func set(_ list: inout [(name: String, value: String)], _ name: String, _ value: String) {
        if let index = list.firstIndex(where: { $0.name == name }) { list[index].value = value } else { list.append((name, value)) }
    }

    public static func == (lhs: Provenance, rhs: Provenance) -> Bool {
        lhs.json() == rhs.json()
    }
}
