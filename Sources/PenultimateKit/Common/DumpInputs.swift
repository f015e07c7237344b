import FeatureStore
import ToolSupport

extension Dump {
    /// Opens a dump that a tool reads, and protects its files (a manifest's shards included)
    /// from this process's outputs (``OutputTarget/protectInputs(_:)``): `-o` naming any of them
    /// is refused instead of destroying the input.
    public static func openInput(_ paths: [String], partial: Bool = false) throws -> Dump {
        let dump = try Dump.open(paths, partial: partial)
        OutputTarget.protectInputs(dump.memberFiles)
        return dump
    }
}
