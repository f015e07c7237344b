/// Bad input, located: which file, which object in it, what is wrong, and how to fix it. One line,
/// as every tool prints errors: `<file>: <object>: <what is wrong>[; <how to fix>]`.
///
/// The one type for that line across the package: FeatureStore throws it about the file format
/// (under its name ``StoreError``), and the workflows above (η, projection, accuracy table) throw it
/// about otherwise readable input that does not fit, or an option that does not fit the files.
/// It lives here, the lowest module that reads input, so both layers share it; the tools map it
/// to exit code 65 (PenultimateKit's `ExitCodes.swift`).
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or files, or the tool's name when no file is at fault).
    public var file: String
    /// The dataset, group, attribute, split, class or option at fault (e.g. "/splits/train/features"
    /// or "attribute format").
    public var object: String
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is a known fix.
    public var fix: String?

    /// An error about `object` in `file`, with an optional fix.
    public init(file: String, object: String, message: String, fix: String? = nil) {
        self.file = file
        self.object = object
        self.message = message
        self.fix = fix
    }

    /// One line: `<file>: <object>: <message>[; <fix>]`.
    public var description: String {
        "\(file): \(object): \(message)" + (fix.map { "; \($0)" } ?? "")
    }
}
