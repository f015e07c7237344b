import Foundation
import Testing
import Penultimate
import TestSupport

/// `eta` as a user runs it: tables, JSON, exit codes, one stderr line, atomic `-o`.
@Suite(.serialized) struct EtaEndToEndTests {
    let dir: String
    let t1: String
    let t3: String

    init() throws {
        dir = try temporaryDirectory(prefix: "e2e")
        t1 = try EtaFixture.writeDump(dir + "/t1.h5", temperature: 1, seed: 1)
        t3 = try EtaFixture.writeDump(dir + "/t3.h5", temperature: 3, seed: 2)
    }

    @Test func markdownTableHasThePapersLayout() throws {
        let r = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--percent"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("| target") })
        let titles = header.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(titles == ["target", "Train: S1", "Train: S2", "Val: S1", "Val: S2", "diffusion (train/val)"])
        let body = lines.filter { $0.hasPrefix("|") }.dropFirst(2)
        #expect(body.count == 10)
        #expect(body.first?.contains("flat-coated retriever") == true)
        #expect(r.stdout.contains("unit: percent"))
        #expect(r.stdout.contains("normalization: centroid-scale"))
        #expect(r.stdout.contains("S1: preset: the other four classes of the target's family"))
        #expect(r.stdout.contains("T1: \(t1) (resnet18, T = 1, teacher α = 0.1, α = 0)"))
    }

    /// `--normalize centroidScale` (the old output spelling) is still accepted, and prints the new one.
    @Test func normalizeAcceptsTheOldSpellingAsAnAlias() throws {
        for spelling in ["centroid-scale", "centroidScale"] {
            let r = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--split", "val", "--normalize", spelling])
            #expect(r.status == 0, "\(spelling): \(r.stderr)")
            #expect(r.stdout.contains("normalization: centroid-scale ("))
        }
        let bad = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--normalize", "centroid_scale"])
        #expect(bad.status == 64 && bad.stderr.contains("--normalize") && bad.stderr.contains("'none', 'unit' or 'centroid-scale'"), "\(bad)")
    }

    @Test func jsonFollowsTheSchema() throws {
        let r = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--format", "json", "--split", "val",
                                           "--targets", "n02099601", "--bootstrap", "20", "--seed", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "penultimate-eta")
        #expect(object["format_version"] as? Int == 1)
        #expect(object["tool"] as? String == "eta")
        #expect(object["provenance"] is [String: Any])
        let conventions = try #require(object["conventions"] as? [String: Any])
        #expect(conventions["normalize"] as? String == "centroid-scale")
        #expect(conventions["unit"] as? String == "fraction")
        #expect(conventions["s1_rule"] as? String == "siblings")
        #expect(conventions["s2_rule"] as? String == "lca-depth<=8")
        #expect(conventions["split"] as? String == "val")
        let bootstrap = try #require(conventions["bootstrap"] as? [String: Any])
        #expect(bootstrap["replicates"] as? Int == 20 && bootstrap["seed"] as? Int == 3 && bootstrap["level"] as? Double == 0.95)
        let m1 = try #require(object["t1"] as? [String: Any])
        #expect(m1["path"] as? String == t1 && m1["model"] as? String == "resnet18")
        #expect(m1["kd_temperature"] as? Double == 1 && m1["teacher_ls_alpha"] as? Double == 0.1)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row["target"] as? String == "n02099601" && row["target_name"] as? String == "golden retriever")
        #expect(row["split"] as? String == "val" && row["t1"] as? Double == 1 && row["t2"] as? Double == 3)
        let eta1 = try #require(row["eta_s1"] as? Double), eta2 = try #require(row["eta_s2"] as? Double)
        #expect((row["ci_s1"] as? [Double])?.count == 2 && (row["ci_s2"] as? [Double])?.count == 2)
        #expect(row["s1"] as? [String] == ["n02099267", "n02099429", "n02099712", "n02099849"])
        #expect((row["s2"] as? [String])?.contains("n04347754") == true)
        #expect(row["diffusion"] as? Bool == (eta1 < 0 && eta2 > 0))
    }

    @Test func badInputExits65WithOneStderrLine() throws {
        let r = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--targets", "n99999999"])
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderrLines == ["eta: class list: 'n99999999': no class has this name; use a wnid, a lemma as WordNet spells it, or a class index"])
        let swapped = try ToolRunner.run("eta", ["--t1", t3, "--t2", t1])
        #expect(swapped.status == 65 && swapped.stderrLines.count == 1)
        #expect(swapped.stderr.contains("swap --t1 and --t2"))
        let usage = try ToolRunner.run("eta", ["--t1", t1])
        #expect(usage.status == 64)
    }

    @Test func pairedBootstrapIsRecordedAndChecked() throws {
        let paired = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--format", "json", "--split", "val",
                                                "--targets", "n02099601", "--bootstrap", "20", "--paired"])
        #expect(paired.status == 0, "\(paired.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(paired.stdout.utf8)) as? [String: Any])
        let bootstrap = (object["conventions"] as? [String: Any])?["bootstrap"] as? [String: Any]
        #expect(bootstrap?["paired"] as? Bool == true && bootstrap?["weights"] as? String == "poisson")
        let text = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--split", "val", "--targets", "n02099601", "--bootstrap", "20"])
        #expect(text.stdout.contains("Poisson(1) weights per sample (unpaired)"))
        let alone = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--paired"])
        #expect(alone.status == 64 && alone.stderr.contains("--paired needs --bootstrap"))
        let many = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--bootstrap", "100001"])
        #expect(many.status == 64 && many.stderr.contains("at most 100000 replicates"))
    }

    @Test func nonFiniteRowsAreRefusedOrSkipped() throws {
        let bad = try EtaFixture.writeDump(dir + "/bad.h5", temperature: 3, seed: 4, nanRows: 2)
        let refused = try ToolRunner.run("eta", ["--t1", t1, "--t2", bad, "--split", "train"])
        #expect(refused.status == 65)
        #expect(refused.stderrLines == ["eta: \(bad): /splits/train/features: 2 of 72 rows hold NaN or infinity; pass --skip-nonfinite to leave them out"])
        let skipped = try ToolRunner.run("eta", ["--t1", t1, "--t2", bad, "--split", "train", "--skip-nonfinite"])
        #expect(skipped.status == 0)
        #expect(skipped.stdout.contains("skipped rows: \(bad): 2"))
    }

    @Test func outputFileIsAtomicAndStdoutStaysClean() throws {
        let out = dir + "/eta.md"
        try "previous\n".write(toFile: out, atomically: true, encoding: .utf8)
        let failed = try ToolRunner.run("eta", ["--t1", t1, "--t2", dir + "/missing.h5", "-o", out])
        #expect(failed.status == 65)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous\n")
        let ok = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "-o", out, "--format", "csv"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.isEmpty)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.hasPrefix("# eta: η(T1, T2; π, S)"))
        #expect(written.contains("# provenance: {\"tool\": \"eta\""))
        #expect(written.contains("target,Train: S1,Train: S2,Val: S1,Val: S2,diffusion (train/val)"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func centroidFilesOfShardsGiveTheSameEtaAsTheDumps() throws {
        for (dump, name) in [(t1, "c1"), (t3, "c3")] {
            for split in ["train", "val"] {
                let r = try ToolRunner.run("eta", ["centroids", dump, "--split", split, "-o", dir + "/\(name).\(split).h5"])
                #expect(r.status == 0, "\(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
        }
        let fromDumps = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--format", "json"])
        let fromFiles = try ToolRunner.run("eta", ["--t1", dir + "/c1.train.h5", "--t1", dir + "/c1.val.h5",
                                                   "--t2", dir + "/c3.train.h5", "--t2", dir + "/c3.val.h5", "--format", "json"])
        #expect(fromFiles.status == 0, "\(fromFiles.stderr)")
        func etas(_ text: String) throws -> [Double] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return (object["rows"] as? [[String: Any]] ?? []).flatMap { [$0["eta_s1"] as! Double, $0["eta_s2"] as! Double] }
        }
        let a = try etas(fromDumps.stdout), b = try etas(fromFiles.stdout)
        #expect(a.count == 40 && a == b)
    }

    /// Two students (T = 1, 3) written as 2-rank DDP shard sets over `n` samples, as
    /// DistributedSampler deals them (an odd `n` pads rank 1 with sample 0), with `sample_count`.
    func writeDDPRuns(_ n: Int, prefix: String) throws -> (t1: [String], t3: [String]) {
        try python("""
        import numpy as np, h5py
        n, C, D = \(n), 4, 5
        padded = list(range(n)) + list(range(-(-n // 2) * 2 - n))
        for T, seed in ((1.0, 1), (3.0, 2)):
            r = np.random.default_rng(seed)
            y = (np.arange(n) // 2) % C  # every class in each rank
            x = (np.eye(C, D)[y] * (4 + T) + r.standard_normal((n, D))).astype("f4")
            for rank in range(2):
                idx = np.array(padded[rank::2])
                with h5py.File(f"\(prefix)T{int(T)}.rank{rank}.h5", "w", libver=("earliest", "v110")) as f:
                    for k, v in dict(format="penultimate-features", format_version=np.int64(1), model="resnet18",
                                     role="student", dataset="toy", ls_alpha=0.0, teacher_model="resnet50",
                                     teacher_ls_alpha=0.1, kd_temperature=T, shard_rank=np.int64(rank),
                                     shard_count=np.int64(2)).items():
                        f.attrs[k] = v
                    f["classes/wnid"] = np.array([f"n{i:08d}" for i in range(C)], dtype=h5py.string_dtype())
                    f["classifier/weight"] = np.ones((C, D), "f4"); f["classifier/bias"] = np.zeros(C, "f4")
                    g = f.create_group("splits/train"); g.attrs["sample_count"] = np.int64(n)
                    g["features"] = x[idx]; g["labels"] = y[idx].astype("i8"); g["sample_index"] = idx.astype("i8")
        """, in: dir)
        let files = { (t: Int) in (0..<2).map { "\(self.dir)/\(prefix)T\(t).rank\($0).h5" } }
        return (files(1), files(3))
    }

    @Test func perShardCentroidFilesRefusePaddingCountedTwice() throws {
        let classes = ["--targets", "0", "--s1", "1", "--s2", "2", "--split", "train"]
        func centroids(_ shards: [String], _ name: String) throws -> [String] {
            try shards.enumerated().map { rank, shard in
                let out = "\(dir)/\(name).rank\(rank).centroids.h5"
                let r = try ToolRunner.run("eta", ["centroids", shard, "--split", "train", "-o", out])
                #expect(r.status == 0, "\(r.stderr)")  // one shard is this command's normal input
                return out
            }
        }
        func json(_ r: ProcessResult) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        // 41 samples: rank 1's last row repeats sample 0.
        let padded = try writeDDPRuns(41, prefix: "pad")
        let c1 = try centroids(padded.t1, "padT1"), c3 = try centroids(padded.t3, "padT3")
        let refused = try ToolRunner.run("eta", ["--t1"] + c1 + ["--t2"] + c3 + classes)
        #expect(refused.status == 65 && refused.stdout.isEmpty)
        #expect(refused.stderrLines.count == 1 && refused.stderr.contains("\(c1[1]): /coverage/sample_ranges: shares samples with \(c1[0]) (first: sample_index 0)"))
        // The shard files themselves: the repeat is dropped, and the output says so.
        let whole = try ToolRunner.run("eta", ["--t1"] + padded.t1 + ["--t2"] + padded.t3 + classes + ["--format", "json"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let conventions = try #require(try json(whole)["conventions"] as? [String: Any])
        let coverage = try #require(conventions["coverage"] as? [[String: Any]])
        #expect(coverage.count == 2)
        #expect((coverage[0]["summary"] as? String) == "shards: ranks 0, 1 of 2; 41 rows; 1 repeated sample_index row(s) dropped; 41 of sample_count 41 samples; whole split")
        #expect(whole.stdout.contains("\"coverage \(padded.t1.joined(separator: ", ")) train\""))  // in the provenance too
        // A lone shard is refused, and read with --partial, saying so.
        let lone = try ToolRunner.run("eta", ["--t1", padded.t1[0], "--t2", padded.t3[0]] + classes)
        #expect(lone.status == 65 && lone.stderrLines == ["eta: \(padded.t1[0]): attribute shard_count: is shard 0 of 2; pass all 2 shards (or the manifest), or --partial to read one part"])
        let part = try ToolRunner.run("eta", ["--t1", padded.t1[0], "--t2", padded.t3[0], "--partial"] + classes)
        #expect(part.status == 0 && part.stdout.contains("coverage: \(padded.t1[0]), split train: shards: rank 0 of 2; 21 rows; 0 repeated sample_index row(s) dropped; 21 of sample_count 41 samples; PARTIAL"))
        // 40 samples, no padding: per-shard files then merge give the η of the shard files, exactly.
        let even = try writeDDPRuns(40, prefix: "even")
        let e1 = try centroids(even.t1, "evenT1"), e3 = try centroids(even.t3, "evenT3")
        let merged = try ToolRunner.run("eta", ["--t1", e1[1], e1[0], "--t2"] + e3 + classes + ["--format", "json"])
        let direct = try ToolRunner.run("eta", ["--t1"] + even.t1 + ["--t2"] + even.t3 + classes + ["--format", "json"])
        #expect(merged.status == 0 && direct.status == 0, "\(merged.stderr) \(direct.stderr)")
        let rowsOf = { (r: ProcessResult) throws -> [Double] in
            let rows = try #require(try json(r)["rows"] as? [[String: Any]])
            return rows.flatMap { [$0["eta_s1"] as! Double, $0["eta_s2"] as! Double] }
        }
        let a = try rowsOf(merged), b = try rowsOf(direct)
        #expect(a.count == 2 && a == b)
    }

    @Test func sweepReportsEveryHigherTemperatureAgainstTheLowest() throws {
        let t2 = try EtaFixture.writeDump(dir + "/t2.h5", temperature: 2, seed: 3)
        let r = try ToolRunner.run("eta", ["sweep", t3, t1, t2, "--split", "val", "--targets", "retrievers", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(rows.first == "target,T2,Val: S1,Val: S2,diffusion")
        #expect(rows.count == 11)
        #expect(rows.filter { $0.contains(",2,") }.count == 5 && rows.filter { $0.contains(",3,") }.count == 5)
        #expect(r.stdout.contains("# T1: \(t1) "))
        // Each higher temperature is measured against the lowest: its rows are exactly what
        // `eta --t1 <T = 1> --t2 <that student>` prints (the T2 column left out).
        for (temperature, dump) in [("2", t2), ("3", t3)] {
            let single = try ToolRunner.run("eta", ["--t1", t1, "--t2", dump, "--split", "val", "--targets", "retrievers", "--format", "csv"])
            #expect(single.status == 0, "\(single)")
            let expected = single.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.dropFirst()
            let swept = rows.dropFirst().compactMap { row -> String? in
                var cells = row.split(separator: ",", omittingEmptySubsequences: false)
                guard cells.count > 1, cells[1] == temperature else { return nil }
                cells.remove(at: 1)
                return cells.joined(separator: ",")
            }
            #expect(swept == expected.map(String.init), "T2 = \(temperature)")
            #expect(swept.count == 5)
        }
    }

    /// A job array's outputs (one centroid file per model and split, in any order) given to
    /// `eta sweep` at once: files of one kd_temperature are one student, summed.
    @Test func sweepGroupsCentroidFilesByTemperature() throws {
        let t2 = try EtaFixture.writeDump(dir + "/t2.h5", temperature: 2, seed: 3)
        var files: [String] = []
        for (name, dump) in [("s1", t1), ("s2", t2), ("s3", t3)] {
            for split in ["train", "val"] {
                let out = dir + "/\(name).\(split).h5"
                let r = try ToolRunner.run("eta", ["centroids", dump, "--split", split, "-o", out])
                #expect(r.status == 0, "\(r.stderr)")
                files.append(out)
            }
        }
        func etas(_ arguments: [String]) throws -> [Double] {
            let r = try ToolRunner.run("eta", ["sweep"] + arguments + ["--format", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return (object["rows"] as? [[String: Any]] ?? []).flatMap { [$0["eta_s1"] as! Double, $0["eta_s2"] as! Double] }
        }
        let fromDumps = try etas([t3, t1, t2])
        let fromFiles = try etas([files[5], files[0], files[3], files[1], files[4], files[2]])
        #expect(fromDumps.count == 80 && fromFiles == fromDumps)

        // One student's files alone are not a sweep.
        let alone = try ToolRunner.run("eta", ["sweep", files[0], files[1]])
        #expect(alone.status == 65)
        #expect(alone.stderr.contains("attribute kd_temperature") && alone.stderr.contains("two or more temperatures"))
        #expect(alone.stderr.split(separator: "\n").count == 1)
    }

    @Test func allTargetsPrintsASummary() throws {
        let r = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--targets", "all", "--split", "val"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| split | targets | diffusion | median η(S1) | median η(S2) | skipped |"))
        let full = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--targets", "all", "--split", "val", "--list-all", "--list-members"])
        #expect(full.stdout.contains("S1 members"))
        #expect(full.stdout.contains("submarine"))
    }

    @Test func percentScalesEveryValueByAHundredAndSaysSo() throws {
        func rows(_ extra: [String]) throws -> (unit: String, values: [Double]) {
            let r = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--format", "json", "--targets", "snakes"] + extra)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let unit = try #require((object["conventions"] as? [String: Any])?["unit"] as? String)
            let values = (object["rows"] as? [[String: Any]] ?? []).flatMap { [$0["eta_s1"] as! Double, $0["eta_s2"] as! Double] }
            return (unit, values)
        }
        let fraction = try rows([]), percent = try rows(["--percent"])
        #expect(fraction.unit == "fraction" && percent.unit == "percent")
        #expect(fraction.values.count == 20)
        #expect(zip(fraction.values, percent.values).allSatisfy { abs($0 * 100 - $1) <= 1e-12 * max(1, abs($1)) })
    }

    @Test func wordnetLookupPrintsTheChainWithDepths() throws {
        let r = try ToolRunner.run("eta", ["wordnet", "--lookup", "n02099849"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("n02099849 Chesapeake Bay retriever:") == true)
        #expect(lines.contains { $0.contains("n02099029  retriever") })
        #expect(lines.last == "  depth 0  n00001740  entity")
        let unknown = try ToolRunner.run("eta", ["wordnet", "--lookup", "no such thing"])
        #expect(unknown.status == 65 && unknown.stderrLines.count == 1)
    }
}
