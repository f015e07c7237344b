import Foundation
import Testing
import Penultimate
import TestSupport

/// `eta pairs` and `plot --pairs` as a user runs them: formats, exit codes, one stderr line, PNG.
@Suite(.serialized) struct PairsEndToEndTests {
    let dir: String
    let t1: String
    let t2: String
    let t3: String

    init() throws {
        dir = try temporaryDirectory(prefix: "pairs-e2e")
        t1 = try EtaFixture.writeDump(dir + "/t1.h5", temperature: 1, seed: 1)
        t2 = try EtaFixture.writeDump(dir + "/t2.h5", temperature: 2, seed: 3)
        t3 = try EtaFixture.writeDump(dir + "/t3.h5", temperature: 3, seed: 2)
    }

    @Test func formatsCarryTheConventionsAndTheGroupTable() throws {
        for format in ["markdown", "csv", "latex"] {
            let r = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t3, "--split", "val", "--format", format])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("LCA depth") && r.stdout.contains("mean change") && r.stdout.contains("normalization: centroid-scale"))
            #expect(r.stderr.isEmpty)
        }
        let path = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t3, "--by", "path", "--pairs-list"])
        #expect(path.status == 0 && path.stdout.contains("path length") && path.stdout.contains("Every pair"), "\(path.stderr)")
        let json = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t3, "--format", "json", "--split", "val"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "penultimate-pairs" && object["pair_count"] as? Int == 66)
        #expect((object["pairs"] as? [Any])?.count == 66)
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.allSatisfy { $0["by"] as? String == "lca-depth" && $0["lower"] is NSNull })
    }

    @Test func badInputAndUsage() throws {
        // Usage: 64, one line.
        for arguments in [["pairs", "--t1", t1], ["pairs", "--t1", t1, "--t2", t3, "--by", "depth"],
                          ["pairs", "--t1", t1, "--t2", t3, "--paired"], ["pairs", "--t1", t1, "--t2", t3, "--bootstrap", "1"],
                          ["pairs", "--t1", t1, "--t2", t3, "--split", "train,val"]] {
            let r = try ToolRunner.run("eta", arguments)
            #expect(r.status == 64 && r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r)")
        }
        // Bad input: 65, one line naming the file.
        let swapped = try ToolRunner.run("eta", ["pairs", "--t1", t3, "--t2", t1])
        #expect(swapped.status == 65 && swapped.stderr.contains("kd_temperature") && swapped.stderr.split(separator: "\n").count == 1)
        let split = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t3, "--split", "test"])
        #expect(split.status == 65 && split.stderr.contains("/splits/test"), "\(split)")
        let missing = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", dir + "/none.h5"])
        #expect(missing.status == 65 && missing.stderr.split(separator: "\n").count == 1, "\(missing)")
        // -o naming an input is refused before anything is read.
        let clobber = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t3, "-o", t1])
        #expect(clobber.status == 64, "\(clobber)")
    }

    @Test func plotDrawsOneLinePerFileAndRefusesBadDocuments() throws {
        var files: [String] = []
        for (name, t) in [("p12", t2), ("p13", t3)] {
            let out = dir + "/\(name).json"
            let r = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t, "--split", "val", "--bootstrap", "30",
                                               "--format", "json", "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            files.append(out)
        }
        let png = dir + "/pairs.png"
        let r = try ToolRunner.run("plot", ["--pairs"] + files + ["-o", png, "--dpi", "100"])
        #expect(r.status == 0, "\(r.stderr)")
        let image = try PNGImage.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: png))))
        #expect(image.width == 550 && image.height == 360)
        let provenance = try #require(image.text("provenance"))
        #expect(provenance.contains("p12.json") && provenance.contains("p13.json"))
        // Another kind of document, a different grouping, a future version: 65, the output kept.
        try "keep me".write(toFile: png, atomically: true, encoding: .utf8)
        let eta = dir + "/eta.json"
        #expect(try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--format", "json", "-o", eta]).status == 0)
        let byPath = dir + "/path.json"
        #expect(try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t3, "--by", "path", "--format", "json", "-o", byPath]).status == 0)
        let future = dir + "/future.json"
        try String(contentsOfFile: files[0], encoding: .utf8).replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2")
            .write(toFile: future, atomically: true, encoding: .utf8)
        for (arguments, expected) in [([eta], "format: is \"penultimate-eta\", not \"penultimate-pairs\""),
                                      ([files[0], byPath], "conventions.by: is \"path\""),
                                      ([future], "format_version")] {
            let bad = try ToolRunner.run("plot", ["--pairs"] + arguments + ["-o", png])
            #expect(bad.status == 65 && bad.stderr.contains(expected) && bad.stderr.split(separator: "\n").count == 1, "\(bad)")
            #expect(try String(contentsOfFile: png, encoding: .utf8) == "keep me")
        }
        let both = try ToolRunner.run("plot", ["--pairs", files[0], "--eta", eta, "-o", png])
        #expect(both.status == 64, "\(both)")
    }
}
