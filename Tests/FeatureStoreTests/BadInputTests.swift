import Foundation
import FeatureStore
import Testing
import TestSupport

/// Each case: a Python snippet writing `d.h5` (using the prelude's `write_dump` and `toy`), and
/// fragments the one-line error must contain.
struct BadCase: CustomStringConvertible, Sendable {
    var name: String
    var script: String
    var fragments: [String]
    var description: String { name }
}

let badCases: [BadCase] = [
    BadCase(name: "not HDF5", script: #"open("d.h5", "w").write("label,feature\n1,2\n")"#,
            fragments: ["d.h5: file: not an HDF5 file"]),
    BadCase(name: "truncated", script: #"""
        x, y = toy(N=2000, D=64); write_dump("full.h5", x, y)
        data = open("full.h5", "rb").read(); open("d.h5", "wb").write(data[: len(data) // 2])
        """#, fragments: ["d.h5: file: the file is truncated (truncated file: eof = "]),
    BadCase(name: "missing labels", script: #"x, y = toy(); write_dump("d.h5", x, y, drop=("labels",))"#,
            fragments: ["d.h5: /splits/train/labels: missing dataset"]),
    BadCase(name: "missing format_version", script: #"x, y = toy(); write_dump("d.h5", x, y, drop=("format_version",))"#,
            fragments: ["d.h5: attribute format_version: missing"]),
    BadCase(name: "wrong format", script: #"x, y = toy(); write_dump("d.h5", x, y, attrs=dict(format="other"))"#,
            fragments: ["attribute format: is \"other\", expected \"penultimate-features\""]),
    BadCase(name: "future version", script: #"x, y = toy(); write_dump("d.h5", x, y, attrs=dict(format_version=np.int64(2)))"#,
            fragments: ["format_version: is 2; this reader understands version 1"]),
    BadCase(name: "no class list", script: #"x, y = toy(); write_dump("d.h5", x, y, drop=("wnid",))"#,
            fragments: ["/classes", "missing"]),
    BadCase(name: "features dim differs from classifier",
            script: #"x, y = toy(D=5); write_dump("d.h5", x, y, D=4)"#,
            fragments: ["/splits/train/features: has 5 columns but /classifier/weight has 4"]),
    BadCase(name: "features of rank 1", script: #"""
        x, y = toy()
        write_dump("d.h5", x, y, extra=lambda f: (f.__delitem__("splits/train/features"), f.create_dataset("splits/train/features", data=x[:, 0])))
        """#, fragments: ["/splits/train/features: has shape [10], expected (_, 4)"]),
    BadCase(name: "labels length differs", script: #"x, y = toy(); write_dump("d.h5", x, y[:7])"#,
            fragments: ["/splits/train/labels: has shape [7], expected (10,)"]),
    BadCase(name: "string labels", script: #"x, y = toy(); write_dump("d.h5", x, y, label_dtype="S")"#,
            fragments: ["/splits/train/labels: stored as string; expected integers"]),
    BadCase(name: "integer features", script: #"x, y = toy(); write_dump("d.h5", x, y, dtype="i4")"#,
            fragments: ["/splits/train/features: stored as int32; expected float16, float32 or float64"]),
    BadCase(name: "labels out of range", script: #"x, y = toy(); y[4] = 3; y[6] = -1; write_dump("d.h5", x, y)"#,
            fragments: ["/splits/train/labels: 2 label(s) outside 0..<3 (first: row 4 = 3)"]),
    BadCase(name: "stopped early: chunks never written", script: #"""
        x, y = toy(N=12)
        def preallocated(f):
            del f["splits/train/features"]
            f.create_dataset("splits/train/features", shape=x.shape, chunks=(4, 4), dtype="f4")[:4] = x[:4]
        write_dump("d.h5", x, y, extra=preallocated)
        """#, fragments: ["/splits/train/features: has 2 of 3 chunks never written (they would read as zeros)", "stopped early"]),
    BadCase(name: "labels never written", script: #"""
        x, y = toy()
        def empty(f):
            del f["splits/train/labels"]
            f.create_dataset("splits/train/labels", shape=y.shape, dtype="i8")
        write_dump("d.h5", x, y, extra=empty)
        """#, fragments: ["/splits/train/labels: was never written (no storage)"]),
    BadCase(name: "LZF", script: #"x, y = toy(); write_dump("d.h5", x, y, compression="lzf")"#,
            fragments: ["/splits/train/features: compressed with the LZF filter (id 32000)", "h5repack -f GZIP=4 in.h5 out.h5"]),
    BadCase(name: "blosc", script: #"x, y = toy(); write_dump("d.h5", x, y, compression="blosc")"#,
            fragments: ["Blosc filter (id 32001)", "h5repack -f GZIP=4"]),
    BadCase(name: "HDF5 2.0 libver latest with a filter",
            script: #"x, y = toy(); write_dump("d.h5", x, y, compression="gzip", libver="latest")"#,
            fragments: ["d.h5: /splits/train/features: libhdf5 1.10.8 cannot read this object (bad version number for layout message)",
                        "libver=\"latest\"", "libver=(\"earliest\", \"v110\")", "h5repack"]),
]

@Suite struct BadInputTests {
    @Test(arguments: badCases)
    func badInputGivesAOneLineErrorNamingTheProblem(_ c: BadCase) throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        try python(c.script, in: dir)
        let path = dir.appendingPathComponent("d.h5").path
        let error = #expect(throws: StoreError.self) { _ = try Dump.open(path).validate() }
        let text = error?.description ?? ""
        #expect(!text.contains("\n"))
        #expect(text.hasPrefix(path), "\(text)")
        for fragment in c.fragments {
            #expect(text.contains(fragment), "\(c.name): \(text)")
        }
    }

    @Test func missingFileSaysSo() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests")).appendingPathComponent("absent.h5").path
        let error = #expect(throws: StoreError.self) { try Dump.open(path) }
        #expect(error?.description == "\(path): file: no such file")
    }

    @Test func nanAndInfAreCountedNotFatal() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        try python(#"x, y = toy(); x[1, 2] = np.nan; x[7, 0] = np.nan; x[3, 3] = -np.inf; write_dump("d.h5", x, y, dtype="f2")"#, in: dir)
        let report = try Dump.open(dir.appendingPathComponent("d.h5").path).validate()
        #expect(report.problems.isEmpty)
        #expect(report.splits["train"]?.nanCount == 2)
        #expect(report.splits["train"]?.infCount == 1)
        #expect(!report.isValid)
        #expect(report.messages.contains { $0.contains("/splits/train/features: 2 NaN and 1 Inf values") })
    }

    @Test func shardsWithoutSampleIndexAreRefused() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        try python(#"""
        x, y = toy()
        for r in range(2): write_dump(f"d.rank{r}.h5", x, y, attrs=dict(shard_rank=np.int64(r), shard_count=np.int64(2)))
        """#, in: dir)
        let error = #expect(throws: StoreError.self) {
            try Dump.open([0, 1].map { dir.appendingPathComponent("d.rank\($0).h5").path })
        }
        #expect(error?.description.contains("/splits/train/sample_index: missing (required in shard files") == true)
        let missing = #expect(throws: StoreError.self) { try Dump.open([dir.appendingPathComponent("d.rank1.h5").path, dir.appendingPathComponent("d.rank0.h5").path, dir.appendingPathComponent("d.rank0.h5").path]) }
        #expect(missing?.description.contains("attribute shard_rank: rank 0 also in") == true)
    }

    @Test func writerRejectsMismatchedInput() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests")).appendingPathComponent("w.h5").path
        let writer = try FeatureWriter(path: path, attributes: toyAttributes, classes: ClassList(wnids: ["a", "b"]),
                                       weight: [1, 2, 3, 4], bias: [0, 0])
        let e1 = #expect(throws: StoreError.self) { try writer.append(split: "train", features: [1, 2, 3], labels: [0, 1]) }
        #expect(e1?.description == "\(path): /splits/train/features: 3 values for 2 rows of dim 2")
        let e2 = #expect(throws: StoreError.self) { try writer.append(split: "train", features: [1, 2], labels: [2]) }
        #expect(e2?.description == "\(path): /splits/train/labels: label 2 outside 0..<2")
        try writer.finish()
        #expect(throws: StoreError.self) { try writer.append(split: "train", features: [1, 2], labels: [1]) }
    }
}
