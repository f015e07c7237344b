import ToolSupport

/// A problem with a projection request or a projection file, in one line:
/// `<file>: <object>: <what is wrong>[; <how to fix>]`.
public struct ProjectionError: Error, CustomStringConvertible, Equatable, Sendable, BadInput {
    /// The file concerned (a dump, a projection file, a JSON report).
    public var file: String
    /// The object within it (a dataset, an attribute, an option such as `--classes`).
    public var object: String
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is an obvious way.
    public var fix: String?

    /// An error from its parts.
    public init(file: String, object: String, message: String, fix: String? = nil) {
        self.file = file
        self.object = object
        self.message = message
        self.fix = fix
    }

    /// One line for users and provenance.
    public var description: String {
        "\(file): \(object): \(message)" + (fix.map { "; \($0)" } ?? "")
    }
}
