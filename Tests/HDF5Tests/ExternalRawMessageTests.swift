import Foundation
import HDF5
import TestSupport
import Testing

// P10: when libhdf5 cannot open an external raw file (its own message names none), the error says
// which file it looked for; and the path it looks for is the dump's folder, not the working folder.
@Suite("External raw storage: the path libhdf5 opens, and the message when it cannot")
struct ExternalRawMessageTests {
    /// Makes left/twin.h5 (features in left/raw/twin.bin) with Tests/Corpus/external_raw_folders.py.
    func made() throws -> URL {
        let root = URL(fileURLWithPath: try temporaryDirectory(prefix: "external-raw-message"))
        let script = URL(fileURLWithPath: packageRoot).appendingPathComponent("Tests/Corpus/external_raw_folders.py").path
        let run = try runProcess("/usr/bin/env", ["python3", script, "setup", root.path], timeout: 300)
        try #require(run.status == 0, "\(run)")
        return root
    }

    @Test func externalPathIsBesideTheFileAndAMissingFileIsNamed() throws {
        let root = try made()
        defer { try? FileManager.default.removeItem(at: root) }
        let dump = root.appendingPathComponent("left/twin.h5").path
        let file = try File(path: dump)
        let features = try file.root.dataset("splits/train/features")
        let external = try features.externalFiles()
        #expect(external.map(\.name) == ["raw/twin.bin"])
        let expected = root.appendingPathComponent("left/raw/twin.bin").path
        #expect(features.externalPath("raw/twin.bin") == expected)
        #expect(features.externalPath("/abs/x.bin") == "/abs/x.bin")
        var rows = [Float](repeating: 0, count: 16 * 8)
        try rows.withUnsafeMutableBufferPointer { try features.read(rows: 0..<16, into: $0) }
        #expect(rows.contains { $0 != 0 })
        try FileManager.default.removeItem(atPath: expected)
        do {
            try rows.withUnsafeMutableBufferPointer { try features.read(rows: 0..<16, into: $0) }
            Issue.record("read a missing external raw file")
        } catch let error as HDF5Error {
            #expect(error.innermost.contains("raw/twin.bin") && error.innermost.contains("libhdf5 looked for \(expected)"), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
