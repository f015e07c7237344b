import Foundation
import Penultimate
import Testing
import TestSupport

/// `--hierarchy FILE` as a user runs it: the CUB-style fixture (Fixtures/hierarchies, classes
/// matched by name) through `eta`, `eta sweep` and `project`; a dump matched by wnid; and every
/// kind of bad file refused with exit 65 and one line naming the file and the line.
/// (Every rule and preset against hand-computed members and numpy: Tests/Python/test_hierarchy.py.)
@Suite(.serialized) struct HierarchyEndToEndTests {
    let t1 = "Fixtures/hierarchies/cub-T1.h5"
    let t3 = "Fixtures/hierarchies/cub-T3.h5"
    let file = "Fixtures/hierarchies/cub-style.txt"

    func eta(_ arguments: [String]) throws -> ProcessResult {
        try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--hierarchy", file] + arguments, currentDirectory: packageRoot)
    }

    func json(_ r: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func levelAndAncestorRulesOnTheCUBFixture() throws {
        let r = try eta(["--targets", "Baltimore_Oriole", "--split", "val", "--s1", "same:genus", "--s2", "not-same:order", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try json(r)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows[0]["target"] as? String == "Baltimore Oriole")
        #expect(rows[0]["s1"] as? [String] == ["Hooded Oriole", "Scott Oriole"])
        #expect(rows[0]["s2"] as? [String] == ["Black footed Albatross", "Laysan Albatross", "Northern Fulmar", "California Gull",
                                              "Herring Gull", "Western Gull", "Common Tern", "Arctic Tern"])
        // The fixture draws congeners together from T1 to T3.
        #expect(try #require(rows[0]["eta_s1"] as? Double) < 0)
        let provenance = try #require(object["provenance"] as? [String: Any])
        let conventions = try #require(provenance["conventions"] as? [String: Any])
        let digest = SHA256.hexDigest(try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/" + file)))
        #expect(conventions["hierarchy"] as? String == "\(file) (sha256 \(digest))")
        #expect(conventions["s2_rule"] as? String == "not-same:order")

        // The text table names the rules; under: as targets; defaults are siblings and the root.
        let table = try eta(["--targets", "under:Laridae", "--split", "train", "--list-members"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("S1: siblings") && table.stdout.contains("S2: lca-depth<=0"))
        let targets = table.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") }
            .map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }
        #expect(targets.dropFirst(2) == ["California Gull", "Herring Gull", "Western Gull", "Common Tern", "Arctic Tern"])
    }

    /// Every rule on the fixture for Baltimore Oriole (class 4), members worked out by hand from
    /// cub-style.txt (the table in Tests/Python/test_hierarchy.py, which also checks η with numpy).
    @Test func everyRuleHasItsHandComputedMembers() throws {
        let seabirds: Set<Int> = [0, 1, 2, 13, 14, 15, 16, 17], every = Set(0..<18)
        let icteridae: Set<Int> = [3, 5, 6, 7, 8], passerines: Set<Int> = [3, 5, 6, 7, 8, 9, 10, 11, 12]
        let expected: [(String, Set<Int>)] = [
            ("siblings", [5, 6]), ("same:genus", [5, 6]), ("same:family", icteridae), ("same:order", passerines),
            ("same:class", every.subtracting([4])), ("not-same:genus", every.subtracting([4, 5, 6])),
            ("not-same:order", seabirds), ("lca-depth>=3", [5, 6]), ("lca-depth>=2", icteridae),
            ("lca-depth<=1", seabirds.union([9, 10, 11, 12])), ("lca-depth<=0", seabirds), ("path<=2", [5, 6]),
            ("path<=4", icteridae), ("path>=6", seabirds.union([9, 10, 11, 12])), ("path>=8", seabirds),
            ("under:Icteridae", icteridae), ("under:passeriformes", passerines), ("not-under:Passeriformes", seabirds),
            ("not-under:Icterus", every.subtracting([4, 5, 6])), ("Hooded Oriole,scott_oriole,7", [5, 6, 7]),
        ]
        let names = ["Black footed Albatross", "Laysan Albatross", "Northern Fulmar", "Red winged Blackbird",
                     "Baltimore Oriole", "Hooded Oriole", "Scott Oriole", "Rusty Blackbird", "Brewer Blackbird",
                     "Yellow Warbler", "Cape May Warbler", "Pine Warbler", "Common Yellowthroat", "California Gull",
                     "Herring Gull", "Western Gull", "Common Tern", "Arctic Tern"]
        for (rule, members) in expected {
            let r = try eta(["--targets", "4", "--split", "val", "--s1", rule, "--s2", "same:genus", "--format", "json"])
            #expect(r.status == 0, "\(rule): \(r.stderr)")
            let row = try #require((try json(r)["rows"] as? [[String: Any]])?.first)
            let got = Set((row["s1"] as? [String] ?? []).compactMap { names.firstIndex(of: $0) })
            #expect(got == members, "\(rule)")
        }
    }

    @Test func sweepAndProjectTakeTheHierarchyToo() throws {
        let sweep = try ToolRunner.run("eta", ["sweep", t1, t3, "--hierarchy", file, "--targets", "under:Icterus",
                                               "--s1", "same:genus", "--format", "json"], currentDirectory: packageRoot)
        #expect(sweep.status == 0, "\(sweep.stderr)")
        #expect((try json(sweep)["rows"] as? [[String: Any]])?.count == 6)  // 3 targets × 2 splits

        let dir = try temporaryDirectory(prefix: "hierarchy-e2e")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/p.json"
        let project = try ToolRunner.run("project", [t1, "--classes", "baltimore oriole,Hooded_Oriole,Laysan Albatross",
                                                     "--hierarchy", file, "-o", out], currentDirectory: packageRoot)
        #expect(project.status == 0, "\(project.stderr)")
        let projection = try ProjectionFile.read(path: out)
        #expect(projection.names == ["Baltimore Oriole", "Hooded Oriole", "Laysan Albatross"])
        #expect(projection.provenance.contains("\"hierarchy\":\"\(file) (sha256 "))
    }

    /// A dump with wnids is matched by them (ids win over names): a file over the eta fixture's wnids.
    @Test func wnidsMatchAHierarchyFileOfWnids() throws {
        let dir = try temporaryDirectory(prefix: "hierarchy-e2e")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try EtaFixture.writeDump(dir + "/t1.h5", temperature: 1, seed: 1)
        let b = try EtaFixture.writeDump(dir + "/t3.h5", temperature: 3, seed: 2)
        var lines = ["# levels: root group class", "all", "retrievers\tall", "snakes\tall", "others\tall"]
        lines += SetPreset.retrieverWnids.map { "\($0)\tretrievers" } + SetPreset.snakeWnids.map { "\($0)\tsnakes" }
        lines += ["n02113712\tothers", "n04347754\tothers"]
        try lines.joined(separator: "\n").write(toFile: dir + "/h.txt", atomically: true, encoding: .utf8)
        let r = try ToolRunner.run("eta", ["--t1", a, "--t2", b, "--hierarchy", dir + "/h.txt", "--targets", "n02099601",
                                           "--s1", "same:group", "--s2", "under:snakes", "--split", "val", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require((try json(r)["rows"] as? [[String: Any]])?.first)
        #expect(row["s1"] as? [String] == ["n02099267", "n02099429", "n02099712", "n02099849"])
        #expect(row["s2"] as? [String] == SetPreset.snakeWnids)
        // The same sets as WordNet's preset gives: the same η.
        let preset = try ToolRunner.run("eta", ["--t1", a, "--t2", b, "--targets", "retrievers", "--split", "val", "--format", "json"])
        let presetRow = try #require((try json(preset)["rows"] as? [[String: Any]])?.first { $0["target"] as? String == "n02099601" })
        #expect(row["eta_s1"] as? Double == presetRow["eta_s1"] as? Double)
        #expect(row["eta_s2"] as? Double == presetRow["eta_s2"] as? Double)
    }

    @Test func badHierarchyFilesExit65WithOneLine() throws {
        let dir = try temporaryDirectory(prefix: "hierarchy-e2e")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try String(contentsOfFile: packageRoot + "/" + file, encoding: .utf8)
        let cases: [(name: String, text: String, message: String)] = [
            ("rerooted", good + "Aves\tArctic_Tern\n", "'Aves' was declared a root on line 5 and now has parent 'Arctic_Tern'"),
            ("loop", good.replacingOccurrences(of: "Sterna\tLaridae", with: "Sterna\tCommon_Tern"), "cycle: Sterna → Common_Tern → Sterna"),
            ("roots", good.replacingOccurrences(of: "Charadriiformes\tAves", with: "Charadriiformes"), "2 roots: 'Aves' (line 5), 'Charadriiformes' (line 10)"),
            ("missing", good.replacingOccurrences(of: "Arctic_Tern\tSterna\n", with: ""), "cub-T1.h5: /classes/name: class 17 'Arctic Tern' is not a node of the hierarchy"),
            ("empty", "", "no nodes: the file is empty or holds only comments"),
            ("duplicate", good + "Arctic_Tern\tSterna\n", "duplicate edge 'Arctic_Tern' → 'Sterna'"),
            ("ragged", good + "Solo\tLaridae\n", "leaf 'Solo' is at depth 3 (level 'genus'), not at the last level 'species'"),
        ]
        for c in cases {
            let path = "\(dir)/\(c.name).txt"
            try c.text.write(toFile: path, atomically: true, encoding: .utf8)
            for tool in ["eta", "project"] {
                let arguments = tool == "eta"
                    ? ["--t1", t1, "--t2", t3, "--hierarchy", path, "--targets", "0", "--s1", "1", "--s2", "2"]
                    : [t1, "--classes", "0,1,2", "--hierarchy", path, "-o", dir + "/p.h5"]
                let r = try ToolRunner.run(tool, arguments, currentDirectory: packageRoot)
                #expect(r.status == 65, "\(tool) \(c.name): \(r)")
                #expect(r.stderrLines.count == 1 && r.stderr.contains(c.message), "\(tool) \(c.name): \(r.stderr)")
                #expect(c.name == "missing" || r.stderr.contains(path), "\(tool) \(c.name): \(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
        }
        try Data([0x41, 0x76, 0x65, 0x73, 0x0A, 0xFF, 0x09, 0x41, 0x0A]).write(to: URL(fileURLWithPath: dir + "/latin.txt"))
        let notUTF8 = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--hierarchy", dir + "/latin.txt", "--targets", "0", "--s1", "1", "--s2", "2"],
                                         currentDirectory: packageRoot)
        #expect(notUTF8.status == 65 && notUTF8.stderrLines == ["eta: \(dir)/latin.txt: line 2: not UTF-8 text"], "\(notUTF8.stderr)")
    }

    @Test func wordnetAndHierarchyAreExclusive() throws {
        for tool in ["eta", "project"] {
            let arguments = tool == "eta" ? ["--t1", t1, "--t2", t3, "--wordnet", "/usr/share/wordnet", "--hierarchy", file]
                                          : [t1, "--classes", "0,1,2", "-o", "x.h5", "--wordnet", "/usr/share/wordnet", "--hierarchy", file]
            let r = try ToolRunner.run(tool, arguments, currentDirectory: packageRoot)
            #expect(r.status == 64 && r.stderrLines == ["\(tool): --wordnet and --hierarchy: give one hierarchy, not both"], "\(r.stderr)")
        }
        let missing = try ToolRunner.run("eta", ["--t1", t1, "--t2", t3, "--hierarchy", "no/such.txt", "--targets", "0", "--s1", "1", "--s2", "2"],
                                         currentDirectory: packageRoot)
        #expect(missing.status == 65 && missing.stderrLines == ["eta: no/such.txt: file not found"], "\(missing.stderr)")
    }

    /// `eta pairs` groups by the file's LCA depth (and path), `geometry` resolves `--classes` in it.
    /// Counts by hand from cub-style.txt (genera of 2, 1, 1, 3, 2, 3, 1, 3, 2 species; orders of 3,
    /// 10 and 5): same genus 12 pairs, same family 20, same order 26, only the root 95 (of 153).
    @Test func pairsAndGeometryTakeTheHierarchyToo() throws {
        for (by, values) in [("lca-depth", [0, 1, 2, 3]), ("path", [8, 6, 4, 2])] {
            let r = try ToolRunner.run("eta", ["pairs", "--t1", t1, "--t2", t3, "--hierarchy", file, "--split", "val",
                                               "--by", by, "--format", "json"], currentDirectory: packageRoot)
            #expect(r.status == 0, "\(r.stderr)")
            let object = try json(r)
            #expect(object["pair_count"] as? Int == 153)
            let groups = try #require(object["groups"] as? [[String: Any]])
            let counts = Dictionary(uniqueKeysWithValues: groups.map { ($0["value"] as? Int ?? -1, $0["pairs"] as? Int ?? -1) })
            #expect(counts == [values[0]: 95, values[1]: 26, values[2]: 20, values[3]: 12], "\(by)")
            let conventions = try #require((object["provenance"] as? [String: Any])?["conventions"] as? [String: Any])
            #expect((conventions["hierarchy"] as? String)?.hasPrefix("\(file) (sha256 ") == true)
        }
        let g = try ToolRunner.run("geometry", [t1, "--hierarchy", file, "--split", "val", "--format", "json",
                                                "--classes", "laysan albatross,Baltimore_Oriole,Herring_Gull"],
                                   currentDirectory: packageRoot)
        #expect(g.status == 0, "\(g.stderr)")
        let models = try #require(try json(g)["models"] as? [[String: Any]])
        let classes = try #require(models.first?["classes"] as? [[String: Any]])
        #expect(classes.count == 3)
        let unknown = try ToolRunner.run("geometry", [t1, "--hierarchy", file, "--split", "val", "--classes", "Dodo,Herring_Gull"],
                                         currentDirectory: packageRoot)
        #expect(unknown.status == 65 && unknown.stderrLines.count == 1, "\(unknown.stderr)")
    }
}
