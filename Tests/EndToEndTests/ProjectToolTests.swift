import Foundation
import Penultimate
import Testing
import TestSupport

private typealias E2E = ProjectPlotE2E

@Test func projectWritesHDF5CSVAndJSONFromLemmas() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projplot-e2e")
    try E2E.writeDump(path: dir + "/d.h5")
    for ext in ["h5", "csv", "json"] {
        let r = try ToolRunner.run("project", [dir + "/d.h5", "--classes", "miniature poodle,standard poodle,submarine",
                                        "--method", "qr-pca", "--per-class", "30", "-o", dir + "/p." + ext])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("train: 90 points, val: 90 points"))
    }
    let file = try ProjectionFile.read(path: dir + "/p.h5")
    #expect(file.names == ["miniature poodle", "standard poodle", "submarine"])
    #expect(file.method == .qrPCA && file.source["kd_temperature"] == "1.0")
    #expect(file.provenance.contains("\"tool\": \"project\""))
    let csv = try String(contentsOfFile: dir + "/p.csv", encoding: .utf8)
    #expect(csv.hasPrefix("split,wnid,name,kind,sample_index,x,y\n"))
    #expect(try ProjectionFile.read(path: dir + "/p.json").splits.map(\.points.count) == [90, 90])
    // --split val still fits the PCA on train: the same val points as projecting both splits.
    let r = try ToolRunner.run("project", [dir + "/d.h5", "--classes", "0,1,2", "--method", "qr-pca", "--per-class", "30",
                                    "--split", "val", "-o", dir + "/val.h5"])
    #expect(r.status == 0)
    #expect(try ProjectionFile.read(path: dir + "/val.h5").split("val") == file.split("val"))
}

@Test func projectRefusesBadInputWithOneLineAndExit65() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projplot-e2e")
    try E2E.writeDump(path: dir + "/d.h5", emptyClassInVal: 2)
    try E2E.writeDump(path: dir + "/collinear.h5", collinear: true)
    let out = dir + "/out.h5"
    try "keep me".write(toFile: out, atomically: true, encoding: .utf8)
    let cases: [([String], String)] = [
        ([dir + "/d.h5", "--classes", "0,1,zebra"], "zebra"),
        ([dir + "/d.h5", "--classes", "0,1,n09999999"], "n09999999"),
        ([dir + "/d.h5", "--classes", "0,n02113712,2"], "same class"),
        ([dir + "/d.h5", "--classes", "0,1,2", "--split", "val"], "no rows"),
        ([dir + "/collinear.h5", "--classes", "0,1,2"], "/classifier"),
        ([dir + "/collinear.h5", "--classes", "0,1,2", "--method", "qr-pca"], "/classifier"),
    ]
    for (arguments, needle) in cases {
        let r = try ToolRunner.run("project", arguments + ["-o", out])
        #expect(r.status == 65, "\(arguments): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("project: ") && r.stderr.contains(needle), "\(r.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
    let usage = try ToolRunner.run("project", [dir + "/d.h5", "--classes", "0,1,2", "--method", "pca", "-o", out])
    #expect(usage.status == 64)
    // Counting the classes needs no input: the parser refuses a wrong count (64, one line).
    for classes in ["0,1", "0,1,2,3"] {
        let r = try ToolRunner.run("project", [dir + "/d.h5", "--classes", classes, "-o", out])
        #expect(r.status == 64 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("exactly 3"), "\(r.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
    }
    let help = try ToolRunner.run("project", ["--help"])
    #expect(help.status == 0 && help.stdout.contains("Example:"))
}

@Test func projectRefusesNonFiniteRowsUnlessToldToSkipThem() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projplot-e2e")
    try E2E.writeDump(path: dir + "/d.h5")
    // Poison the first train row (h5py edits the real file in place).
    _ = try python("""
        with h5py.File("d.h5", "r+") as f:
            x = f["splits/train/features"]; row = x[0]; row[1] = np.nan; x[0] = row
            label = int(f["splits/train/labels"][0])
        print(label)
        """, in: dir)
    let refused = try ToolRunner.run("project", [dir + "/d.h5", "--classes", "0,1,2", "-o", dir + "/p.h5"])
    #expect(refused.status == 65)
    #expect(refused.stderr == "project: \(dir)/d.h5: /splits/train/features: 1 row(s) of the three classes hold NaN or infinity; pass --skip-nonfinite to leave them out\n")
    #expect(!FileManager.default.fileExists(atPath: dir + "/p.h5"))
    let skipped = try ToolRunner.run("project", [dir + "/d.h5", "--classes", "0,1,2", "--skip-nonfinite", "-o", dir + "/p.h5"])
    #expect(skipped.status == 0, "\(skipped.stderr)")
    let file = try ProjectionFile.read(path: dir + "/p.h5")
    #expect(file.conventions.contains("per split: train: 1, val: 0"))
    #expect(file.provenance.contains("skip-nonfinite"))
}
