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
        let folder = NSTemporaryDirectory() + "minilab-e2e-\(UUID().uuidString)"
        let run = try ToolRunner.run("minilab", ["run", "--quick", "-o", folder, "--wordnet", folder + "/no-wordnet"])
        #expect(run.status == 65)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.hasPrefix("minilab: "))
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func missingOutputIsUsage() throws {
        #expect(try ToolRunner.run("minilab", ["run"]).status == 64)
    }
}

@Suite struct MiniLabQuickRunEndToEndTests {
    /// A quick run (about 30 s in a debug build): ten dumps whose val logits `accuracy` reads.
    @Test func quickRunWritesTenDumpsThatAccuracyReads() throws {
        let folder = NSTemporaryDirectory() + "minilab-e2e-\(UUID().uuidString)"
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
