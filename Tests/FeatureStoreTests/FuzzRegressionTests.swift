import FeatureStore
import Foundation
import Testing
import TestSupport

// Regressions found by Fuzz/ (FuzzDump): inputs that must end in a StoreError, not a trap.
@Suite struct FuzzRegressionTests {
    /// FuzzDump findings inside libhdf5 1.10.8 (Fuzz/regressions/): corrupt global heaps on which
    /// converting a variable-length string segfaults, loops forever, or allocates and fills 2.5 GB
    /// for a 21 KB file (`libhdf5-string-oom.h5`, a corrupt string length). The strings are read in
    /// a child process first (StringProbe), so the open ends in a one-line error instead.
    @Test(arguments: [("libhdf5-heap-crash-1.h5", "crashed (signal"), ("libhdf5-heap-crash-2.h5", "crashed (signal"),
                      ("libhdf5-heap-loop.h5", "did not finish"), ("libhdf5-string-oom.h5", "needed more than 1024 MiB")])
    func aCorruptStringHeapIsReportedNotFatal(file: String, expected: String) throws {
        let path = packageRoot + "/Fuzz/regressions/" + file
        let error = #expect(throws: StoreError.self) { try Dump.open(path) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.hasPrefix(path + ": string storage: libhdf5 "), "\(text)")
        #expect(text.contains(expected), "\(text)")
        #expect(!text.contains("\n"))
    }

    /// FuzzDump crash-81e581cb: a child of /splits that is a dataset, not a group, made
    /// SplitReader index an empty source list ("Index out of range").
    @Test func aSplitThatIsNotAGroupIsRefused() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
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

extension FuzzRegressionTests {
    /// FuzzDump crash-cd0b8c87: a string dataspace claiming ~5e11 entries made readStrings
    /// allocate terabytes and abort. A chunked, never-written dataset reproduces it legally.
    @Test func aClassListClaimingTrillionsOfEntriesIsRefused() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try python(#"""
            x, y = toy()
            def huge(f):
                del f["classes/wnid"]
                f.create_dataset("classes/wnid", shape=(10**12,), chunks=(1024,), dtype=h5py.string_dtype("utf-8"))
            write_dump("d.h5", x, y, extra=huge)
            """#, in: dir)
        let path = dir.appendingPathComponent("d.h5").path
        do {
            _ = try Dump.open(path)
            Issue.record("a class list of 10^12 entries was accepted")
        } catch {
            #expect("\(error)".hasPrefix("\(path): /classes/wnid: "))
            #expect("\(error)".contains("1000000000000 strings of 8 bytes each: too many to read"))
        }
    }
}
