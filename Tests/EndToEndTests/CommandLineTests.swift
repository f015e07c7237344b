import Foundation
import Testing
import Penultimate
import TestSupport

// The command line as swift-argument-parser means it, and the one provenance policy, seen from
// outside: --help lists every fixed vocabulary; --split all means every split in the file in every
// tool; every text output (stdout or -o) carries the provenance as exactly one comment line and
// JSON as its member, with the parsed options recorded.

@Suite struct CommandLineTests {
    /// Every fixed-choice option lists its values and default in --help (from the enum, not by hand).
    @Test(arguments: [
        (["eta", "compare", "--help"], "(values: none, unit, centroid-scale; default: centroid-scale)"),
        (["eta", "compare", "--help"], "(values: markdown, csv, latex, json; default: markdown)"),
        (["eta", "centroids", "--help"], "(values: none, unit, centroid-scale; default: centroid-scale)"),
        // --method's default depends on --compat (muller, or qr-pca with paper-code), so its help says it in words.
        (["project", "--help"], "(default: muller; qr-pca with --compat paper-code). (values: muller, qr-pca)"),
        (["project", "--help"], "(values: paper-code)"),
        (["accuracy", "--help"], "(values: markdown, csv, latex, json; default: markdown)"),
    ])
    func helpListsTheValues(_ command: [String], _ listing: String) throws {
        let r = try ToolRunner.run(command[0], Array(command.dropFirst()))
        #expect(r.status == 0)
        let flat = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains(listing), "\(command): \(r.stdout)")
    }

    /// The old spelling of centroid-scale is still read, and means the same.
    @Test func normalizeKeepsItsAlias() throws {
        let dir = try temporaryDirectory(prefix: "cli-e2e")
        let a = try EtaFixture.writeDump(dir + "/a.h5", temperature: 1, seed: 1)
        let b = try EtaFixture.writeDump(dir + "/b.h5", temperature: 3, seed: 2)
        let runs = try ["centroid-scale", "centroidScale"].map {
            try ToolRunner.run("eta", ["--t1", a, "--t2", b, "--split", "val", "--normalize", $0, "--format", "csv"])
        }
        #expect(runs.allSatisfy { $0.status == 0 })
        let tables = runs.map { $0.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") } }
        #expect(tables[0] == tables[1] && tables[0].count > 10)
    }

    /// `--split all` (eta's default) is every split in the file, in the file's order, not train+val;
    /// a list keeps its order.
    @Test func splitAllIsEverySplitInTheFile() throws {
        let dir = try temporaryDirectory(prefix: "cli-e2e")
        let splits = ["test", "train", "val"]
        let a = try EtaFixture.writeDump(dir + "/a.h5", temperature: 1, seed: 1, splits: splits)
        let b = try EtaFixture.writeDump(dir + "/b.h5", temperature: 3, seed: 2, splits: splits)
        func header(_ extra: [String]) throws -> [String] {
            let r = try ToolRunner.run("eta", ["--t1", a, "--t2", b, "--targets", "retrievers"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("| target") })
            return line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(try header([]) == ["target", "Test: S1", "Test: S2", "Train: S1", "Train: S2", "Val: S1", "Val: S2", "diffusion (test/train/val)"])
        #expect(try header(["--split", "all"]) == header([]))
        #expect(try header(["--split", "val,test"]) == ["target", "Val: S1", "Val: S2", "Test: S1", "Test: S2", "diffusion (val/test)"])
        // A split T2 lacks is T2's problem: exit 65, one line, naming the file.
        let c = try EtaFixture.writeDump(dir + "/c.h5", temperature: 3, seed: 2)
        let r = try ToolRunner.run("eta", ["--t1", a, "--t2", c, "--targets", "retrievers"])
        #expect(r.status == 65 && r.stderrLines.count == 1 && r.stderr.contains("c.h5") && r.stderr.contains("test"), "\(r)")
    }

    /// `project --split` takes the same values: a list of splits, or all of them.
    @Test func projectTakesASplitList() throws {
        let dir = try temporaryDirectory(prefix: "cli-e2e")
        try ProjectPlotE2E.writeDump(path: dir + "/d.h5")
        for (split, expected) in [("all", ["train", "val"]), ("val,train", ["val", "train"]), ("val", ["val"])] {
            let r = try ToolRunner.run("project", [dir + "/d.h5", "--classes", "0,1,2", "--split", split, "--per-class", "5", "-o", dir + "/p.h5"])
            #expect(r.status == 0, "\(r.stderr)")
            let file = try ProjectionFile.read(path: dir + "/p.h5")
            #expect(file.splits.map(\.name) == expected)
            let options = try #require(try Self.object(file.provenance)["options"] as? [String: String])
            #expect(options["split"] == split && options["method"] == "muller" && options["classes"] == "0,1,2")
        }
    }

    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// The one provenance line of a text output, parsed.
    static func provenance(in text: String, format: String) throws -> [String: Any] {
        let (open, close) = format == "markdown" ? ("<!-- provenance: ", " -->") : (format == "csv" ? "# provenance: " : "% provenance: ", "")
        let lines = text.split(separator: "\n").filter { $0.hasPrefix(open) }
        try #require(lines.count == 1, "\(format): \(text)")
        #expect(!text.contains("\(format == "csv" ? "#" : "%") tool: "), "no second rendering of the record")
        return try object(String(lines[0].dropFirst(open.count).dropLast(close.count)))
    }

    /// Every tool that prints a table carries the provenance in every format, to stdout as to -o,
    /// as one line (JSON: its member), with the parsed options (defaults included).
    @Test(arguments: ["markdown", "csv", "latex", "json"])
    func everyTextOutputCarriesTheProvenanceOnce(_ format: String) throws {
        let dir = try temporaryDirectory(prefix: "cli-e2e")
        let a = try EtaFixture.writeDump(dir + "/a.h5", temperature: 1, seed: 1)
        let b = try EtaFixture.writeDump(dir + "/b.h5", temperature: 3, seed: 2)
        let runs: [(tool: String, arguments: [String], options: [String: String])] = [
            ("eta", ["--t1", a, "--t2", b], ["split": "all", "targets": "retrievers,snakes"]),
            ("eta", ["sweep", a, b, "--split", "val", "--bootstrap", "5"], ["split": "val", "targets": "retrievers,snakes", "bootstrap": "5", "seed": "0"]),
            ("accuracy", ["Fixtures/minilab/student-ls0.1-T1.h5", "Fixtures/minilab/teacher-ls0.1.h5"], ["split": "val"]),
        ]
        for run in runs {
            let stdout = try ToolRunner.run(run.tool, run.arguments + ["--format", format], currentDirectory: packageRoot)
            #expect(stdout.status == 0, "\(stdout.stderr)")
            let file = dir + "/out." + format
            let written = try ToolRunner.run(run.tool, run.arguments + ["--format", format, "-o", file], currentDirectory: packageRoot)
            #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for output in [stdout.stdout, text] {
                let record = format == "json"
                    ? try #require(try Self.object(output)["provenance"] as? [String: Any])
                    : try Self.provenance(in: output, format: format)
                #expect(record["tool"] as? String == run.tool)
                #expect(record["options"] as? [String: String] == run.options, "\(run.tool) \(format)")
            }
            // The same text either way, but for the command line the record holds.
            func withoutRecord(_ s: String) -> String {
                s.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("provenance") }.joined(separator: "\n")
            }
            if format != "json" { #expect(withoutRecord(stdout.stdout) == withoutRecord(text)) }
        }
    }
}
