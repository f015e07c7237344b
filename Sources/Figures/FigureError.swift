/// What can go wrong when building or rendering a figure. Each description is one line:
/// `<file or "figure">: <object>: <what is wrong>[; <how to fix>]`.
public enum FigureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The grid has no cells.
    case emptyGrid(rows: Int, columns: Int)
    /// More panels than grid cells.
    case tooManyPanels(count: Int, cells: Int)
    /// A panel holds a NaN or infinite value.
    case nonFiniteValue(panel: Int, what: String)
    /// Parallel arrays of a panel differ in length, or a panel is otherwise malformed.
    case malformedPanel(panel: Int, what: String)
    /// Figure size, dpi or font size is unusable.
    case invalidSize(String)
    /// A provenance key cannot be stored (PNG text keys are 1–79 printable Latin-1 bytes).
    case invalidProvenanceKey(String)
    /// Cairo reported an error status.
    case cairo(stage: String, message: String)
    /// libpng reported an error while encoding or decoding.
    case png(source: String, message: String)
    /// A file extension that names no supported output format.
    case unknownFormat(String)

    public var description: String {
        switch self {
        case let .emptyGrid(rows, columns):
            return "figure: grid: \(rows)×\(columns) has no cells; use at least one row and one column"
        case let .tooManyPanels(count, cells):
            return "figure: grid: \(count) panels but only \(cells) cells; add rows or columns"
        case let .nonFiniteValue(panel, what):
            return "figure: panel \(panel): \(what) is not finite (NaN or infinity); drop or fix it"
        case let .malformedPanel(panel, what):
            return "figure: panel \(panel): \(what)"
        case let .invalidSize(what):
            return "figure: size: \(what)"
        case let .invalidProvenanceKey(key):
            return "figure: provenance key \"\(key)\": PNG text keys must be 1 to 79 printable Latin-1 characters"
        case let .cairo(stage, message):
            return "figure: cairo \(stage): \(message)"
        case let .png(source, message):
            return "\(source): PNG: \(message)"
        case let .unknownFormat(name):
            return "\(name): output format: unknown extension; use .png, .pdf or .svg"
        }
    }
}
