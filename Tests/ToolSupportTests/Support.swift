import Foundation

/// Files in `dir` whose names look like AtomicOutput temporaries.
func temporaryLeftovers(in dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") && $0.hasSuffix(".tmp") }
}
