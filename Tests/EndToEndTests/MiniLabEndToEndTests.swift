import Foundation
import Testing
import TestSupport

@Suite struct MiniLabEndToEndTests {
    @Test func helpHasAnExample() throws {
        for arguments in [["--help"], ["run", "--help"]] {
            let run = try ToolRunner.run("minilab", arguments)
            #expect(run.status == 0)
            #expect(run.stdout.contains("Example:"))
        }
    }

    @Test func missingWordNetIsBadInputAndWritesNothing() throws {
        let folder = (try temporaryDirectory(prefix: "minilab-e2e") as NSString).appendingPathComponent("out")
        let run = try ToolRunner.run("minilab", ["run", "--quick", "-o", folder, "--wordnet", folder + "/no-wordnet"])
        #expect(run.status == 65)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.hasPrefix("minilab: "))
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func missingOutputIsUsage() throws {
        #expect(try ToolRunner.run("minilab", ["run"]).status == 64)
    }

    /// `minilab tune` (the tuning harness that used to be a test): the knobs reach the run (one
    /// epoch, five rows per class), every model's accuracy is printed, the ten dumps are written
    /// with the knobs in their config, and a bad knob is a usage error.
    @Test func tuneTrainsWithTheKnobsAndDumps() throws {
        let folder = (try temporaryDirectory(prefix: "minilab-tune") as NSString).appendingPathComponent("out")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try ToolRunner.run("minilab", ["tune", "-o", folder, "--epochs", "1", "--train-per-class", "5", "--seed", "3"])
        #expect(run.status == 0, "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(" train accuracy ") && $0.contains(" val accuracy ") }.count == 10, "\(run)")
        let dumps = lines.filter { $0.hasSuffix(".h5") }
        #expect(dumps.count == 10)
        let counts = try python("""
            with h5py.File(sys.argv[1], "r") as f:
                print(f["splits/train/labels"].shape[0], len(f["classes/wnid"]))
            """, arguments: [folder + "/student-ls0.1-T64.h5"])
        #expect(counts == "200 40\n")  // 5 rows × 40 classes
        for bad in [["--epochs", "0"], ["--noise", "-1"], ["--train-per-class", "0"]] {
            let refused = try ToolRunner.run("minilab", ["tune", "-o", folder + "-bad"] + bad)
            #expect(refused.status == 64 && refused.stderrLines.count == 1, "\(refused)")
        }
    }
}

@Suite struct MiniLabQuickRunEndToEndTests {
    /// A quick run (about 30 s in a debug build): ten dumps whose val logits `accuracy` reads.
    @Test func quickRunWritesTenDumpsThatAccuracyReads() throws {
        let folder = (try temporaryDirectory(prefix: "minilab-e2e") as NSString).appendingPathComponent("out")
        let run = try ToolRunner.run("minilab", ["run", "--quick", "-o", folder])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)  // not a terminal: no progress
        let written = run.stdout.split(separator: "\n").map(String.init)
        #expect(written.map { ($0 as NSString).lastPathComponent } == [
            "teacher-ls0.0.h5", "teacher-ls0.1.h5",
            "student-ls0.0-T1.h5", "student-ls0.0-T2.h5", "student-ls0.0-T3.h5", "student-ls0.0-T64.h5",
            "student-ls0.1-T1.h5", "student-ls0.1-T2.h5", "student-ls0.1-T3.h5", "student-ls0.1-T64.h5",
        ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 10)
        let accuracy = try ToolRunner.run("accuracy", written + ["--split", "train", "--format", "csv"])
        let csv = accuracy.stdout
        #expect(accuracy.status == 0)
        let rows = csv.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count == 6)
        #expect(rows.dropFirst().map { String($0.split(separator: ",")[0]) } == ["teacher", "T = 1", "T = 2", "T = 3", "T = 64"])
    }
}
