import Foundation
import Penultimate
import Testing
import TestSupport

private typealias E2E = ProjectPlotE2E

/// Where the paper-style figure of the end-to-end test is copied for people to look at.
let paperFigureCopy = NSTemporaryDirectory() + "penultimate-projplot/paper_2x4.png"

@Test func plotDrawsThePaperStyleGridFromEightProjections() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projplot-e2e")
    var arguments: [String] = []
    for t in [1.0, 3.0] {
        for alpha in [0.0, 0.1] {
            let name = "T\(Int(t))_a\(alpha)"
            try E2E.writeDump(path: "\(dir)/\(name).h5", temperature: t, teacherAlpha: alpha)
            let r = try ToolRunner.run("project", ["\(dir)/\(name).h5", "--classes", "n02113712,n02113799,n04347754",
                                            "--method", "qr-pca", "--per-class", "150", "-o", "\(dir)/\(name).proj.h5"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        // Columns: train w/o LS, train w/ LS, val w/o LS, val w/ LS.
        arguments += ["train", "val"].flatMap { s in [0.0, 0.1].map { "\(dir)/T\(Int(t))_a\($0).proj.h5:\(s)" } }
    }
    let png = dir + "/fig.png"
    let r = try ToolRunner.run("plot", arguments + ["--grid", "2x4", "-o", png])
    #expect(r.status == 0, "\(r.stderr)")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
    let image = try PNGImage.decode([UInt8](bytes))
    #expect(image.width == 12 * 200 + 60 && image.height == Int(((2 * 2.8 + 0.45 + 0.25) * 200).rounded()))
    #expect(abs((image.dpi ?? 0) - 200) <= 0.0127)
    let provenance = try #require(image.text("provenance"))
    #expect(provenance.contains("\"tool\": \"plot\"") && provenance.contains("T1_a0.1.proj.h5"))
    // A second run of the same command (provenance records the command line) gives the same bytes.
    let again = try ToolRunner.run("plot", arguments + ["--grid", "2x4", "-o", png])
    #expect(again.status == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: png)) == bytes)
    for ext in ["pdf", "svg"] {
        #expect(try ToolRunner.run("plot", arguments + ["--grid", "2x4", "-o", dir + "/fig." + ext]).status == 0)
    }
    try? FileManager.default.createDirectory(atPath: (paperFigureCopy as NSString).deletingLastPathComponent,
                                             withIntermediateDirectories: true)
    try? FileManager.default.removeItem(atPath: paperFigureCopy)
    try? FileManager.default.copyItem(atPath: png, toPath: paperFigureCopy)
}

@Test func plotRefusesFutureProjectionVersionsAndKeepsTheOutput() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projplot-e2e")
    try E2E.writeDump(path: dir + "/d.h5", perClass: 30)
    #expect(try ToolRunner.run("project", [dir + "/d.h5", "--classes", "0,1,2", "-o", dir + "/p.json"]).status == 0)
    let text = try String(contentsOfFile: dir + "/p.json", encoding: .utf8)
        .replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2")
    try text.write(toFile: dir + "/future.json", atomically: true, encoding: .utf8)
    let out = dir + "/fig.png"
    try "keep me".write(toFile: out, atomically: true, encoding: .utf8)
    for arguments in [[dir + "/future.json"], [dir + "/p.json:test"], ["--eta", dir + "/p.json"]] {
        let r = try ToolRunner.run("plot", arguments + ["-o", out])
        #expect(r.status == 65, "\(arguments): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("plot: "), "\(r.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
    }
    #expect(try ToolRunner.run("plot", [dir + "/p.json", "-o", out]).status == 0)
    #expect(try ToolRunner.run("plot", [dir + "/p.json", "--eta", dir + "/p.json", "-o", out]).status == 64)
    let help = try ToolRunner.run("plot", ["--help"])
    #expect(help.status == 0 && help.stdout.contains("Example:"))
}

@Test func plotDrawsEtaAndAccuracyReports() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projplot-e2e")
    let eta = """
    {"format": "penultimate-eta", "format_version": 1, "conventions": {"unit": "fraction"}, "rows": [
     {"target": "n02099849", "target_name": "Chesapeake Bay retriever", "split": "train", "t1": 1, "t2": 3, "eta_s1": -0.004, "eta_s2": 0.0016, "ci_s1": null, "ci_s2": null},
     {"target": "n01728572", "target_name": "thunder snake", "split": "train", "t1": 1, "t2": 3, "eta_s1": -0.023, "eta_s2": 0.0038, "ci_s1": null, "ci_s2": null}]}
    """
    try eta.write(toFile: dir + "/eta.json", atomically: true, encoding: .utf8)
    let r = try ToolRunner.run("plot", ["--eta", dir + "/eta.json", "-o", dir + "/eta.png"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try PNGImage.decode(path: dir + "/eta.png").text("provenance")?.contains("eta.json") == true)
    let accuracy = """
    {"format": "penultimate-accuracy", "format_version": 1, "provenance": {}, "rows": [
     {"role": "teacher", "ls_alpha": 0.1, "split": "val", "top1": 76.2, "top5": 93.1},
     {"role": "student", "ls_alpha": 0, "teacher_ls_alpha": 0.1, "kd_temperature": 1, "split": "val", "top1": 71.6, "top5": 90.2},
     {"role": "student", "ls_alpha": 0, "teacher_ls_alpha": 0.1, "kd_temperature": 3, "split": "val", "top1": 66.6, "top5": 88.6}]}
    """
    try accuracy.write(toFile: dir + "/acc.json", atomically: true, encoding: .utf8)
    let a = try ToolRunner.run("plot", ["--accuracy", dir + "/acc.json", "--top5", "-o", dir + "/acc.svg"])
    #expect(a.status == 0, "\(a.stderr)")
    #expect(try String(contentsOfFile: dir + "/acc.svg", encoding: .utf8).contains("<svg"))
}
