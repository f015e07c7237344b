import FeatureStore
import Foundation
import Testing

// Regressions found by Fuzz/ (FuzzDump): inputs that must end in a StoreError, not a trap.
@Suite struct FuzzRegressionTests {
    /// FuzzDump crash-81e581cb: a child of /splits that is a dataset, not a group, made
    /// SplitReader index an empty source list ("Index out of range").
    @Test func aSplitThatIsNotAGroupIsRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try python(#"""
            x, y = toy(); write_dump("d.h5", x, y, extra=lambda f: f.create_dataset("splits/val", data=np.zeros(3)))
            """#, in: dir)
        let path = dir.appendingPathComponent("d.h5").path
        #expect(throws: StoreError(file: path, object: "/splits/val",
                                   message: "is not a group (each split is a group holding features and labels)")) {
            try Dump.open(path)
        }
    }
}
