import ToolSupport

/// Bad input met by a PenultimateKit workflow (η, projection, accuracy table): a dump, a centroid or
/// projection file, or an option that does not fit them. One line, as every tool prints errors:
/// `<file>: <object>: <what is wrong>[; <how to fix>]`.
///
/// FeatureStore's `StoreError` has the same shape but is about the file format itself; this type is
/// for what the workflows find wrong with otherwise readable input, and maps to exit code 65.
public struct InputError: Error, BadInput, CustomStringConvertible, Equatable, Sendable {
    /// The file (or files, or the tool's name when no file is at fault).
    public var file: String
    /// The dataset, attribute, split, class or option at fault.
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

    /// One line for users and provenance.
    public var description: String {
        "\(file): \(object): \(message)" + (fix.map { "; \($0)" } ?? "")
    }
}
