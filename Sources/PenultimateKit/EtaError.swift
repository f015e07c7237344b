import ToolSupport

/// Bad input met by the η workflow (centroid passes, centroid files, class resolution), one line:
/// `<file>: <object>: <what is wrong>[; <how to fix>]`.
public struct EtaError: Error, BadInput, CustomStringConvertible, Equatable, Sendable {
    /// The file (or files, or "eta" when no file is at fault).
    public var file: String
    /// The dataset, split, class or option at fault.
    public var object: String
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is an obvious way.
    public var fix: String?

    /// An error naming `file`, `object` and the problem.
    public init(file: String, object: String, message: String, fix: String? = nil) {
        self.file = file
        self.object = object
        self.message = message
        self.fix = fix
    }

    public var description: String {
        "\(file): \(object): \(message)" + (fix.map { "; \($0)" } ?? "")
    }
}
