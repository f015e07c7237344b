import Foundation
import Testing
import TestSupport

/// Runs Tests/Python/fastpath_matrix.py: about a hundred layouts h5py can write (dtypes, byte
/// orders, chunk shapes, filter orders, links, external raw storage, virtual datasets), each read by
/// `eta centroids` with and without the raw fast path; the bits must agree with each other and
/// with numpy, or the file must be refused (exit 65, one line) for a reason the reference finds too.
@Suite struct FastPathMatrixTests {
    @Test func everyLayoutIsExactOrRefused() throws {
        let out = try temporaryDirectory(prefix: "fastpath-matrix")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let script = corpusPackageRoot.appendingPathComponent("Tests/Python/fastpath_matrix.py").path
        let bin = (try ToolRunner.path("eta") as NSString).deletingLastPathComponent
        let result = try runProcess("/usr/bin/env", ["python3", script, bin, out], timeout: 600)
        let failures = result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(result.status == 0 && failures.isEmpty, "\(failures.joined(separator: "\n"))\n\(result.stderr)")
        #expect(result.stdout.contains(" layouts pass"))
    }
}
