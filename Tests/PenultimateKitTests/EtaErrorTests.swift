import Foundation
import Testing
import Penultimate
@testable import PenultimateKit
import TestSupport

/// Bad input: each error is one line that names the file, the object and what is wrong.
@Suite struct EtaErrorTests {
    @Test func nonFiniteRowsAreRefusedWithFileSplitAndCountOrSkippedAndCounted() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let path = try writeEtaDump(dir + "/nan.h5", temperature: 1, seed: 3, nanRows: 4)
        let dump = try Dump.open(path)
        let refused = etaErrorText { _ = try CentroidPass.run(dump: dump, split: "train") }
        #expect(refused == "\(path): /splits/train/features: 4 of 108 rows hold NaN or infinity; pass --skip-nonfinite to leave them out")
        let skipped = try CentroidPass.run(dump: dump, split: "train", invalidRows: .skip)
        #expect(skipped.skippedNonFinite == 4)
        #expect(skipped.counts.reduce(0, +) == 104)
        // The val split is clean: no complaint there.
        #expect(try CentroidPass.run(dump: dump, split: "val").counts.reduce(0, +) == 108)
    }

    @Test func blockRowsFollowTheEightMebibyteBudget() {
        #expect(CentroidPass.blockRows(dim: 2048) == 1024)
        #expect(CentroidPass.blockRows(dim: 512) == 4096)
        #expect(CentroidPass.blockRows(dim: 4 << 20) == 1)
    }

    @Test func dumpsOfDifferentClassesAreRefused() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)
        var swapped = etaTestWnids
        swapped.swapAt(0, 1)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 1, wnids: swapped)
        let t1 = try ModelInput(paths: [a]), t2 = try ModelInput(paths: [b])
        let text = etaErrorText {
            _ = try EtaReport.compute(t1: t1, t2: [t2], request: EtaRequest(), classes: try etaClasses(t1), showProgress: false)
        }
        #expect(text == "\(b): /classes/wnid: class 0 is n02099429, but in \(a) it is n02099267; both must list the same classes in the same order")
    }

    @Test func missingTargetUnknownWnidEmptySetAndClassWithoutRows() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        // Without the snakes, the snakes preset cannot be resolved.
        let retrieversOnly = Array(etaTestWnids.prefix(5)) + ["n02113712", "n04347754"]
        let small = try ModelInput(paths: [try writeEtaDump(dir + "/small.h5", temperature: 1, seed: 1, wnids: retrieversOnly)])
        let missing = etaErrorText { _ = try EtaRequest(targets: ["snakes"]).resolveTargets(in: try etaClasses(small)) }
        #expect(missing == "class list: n01728572 (thunder snake): not among the classes of this dump")
        let unknown = etaErrorText { _ = try EtaRequest(targets: ["n99999999"]).resolveTargets(in: try etaClasses(small)) }
        #expect(unknown == "class list: 'n99999999': no class has this name; use a wnid, a lemma as WordNet spells it, or a class index")
        // S2 of a retriever under lca-depth<=2 (object or above): nothing in this dump.
        let empty = etaErrorText {
            _ = try EtaRequest(targets: ["golden retriever"], s2: .lcaDepthAtMost(2)).resolveTargets(in: try etaClasses(small))
        }
        #expect(empty == "\(dir)/small.h5: S2 of target n02099601 (golden retriever): is empty under rule 'lca-depth<=2'; choose another --s2")
        // A class of S2 without rows.
        let a = try ModelInput(paths: [try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)])
        let b = try ModelInput(paths: [try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2, emptyClass: 7)])
        let noRows = etaErrorText {
            _ = try EtaReport.compute(t1: a, t2: [b], request: EtaRequest(splits: ["val"], targets: ["retrievers"]),
                                      classes: try etaClasses(a), showProgress: false)
        }
        #expect(noRows.hasPrefix("\(dir)/b.h5: /splits/val: class n01729322 (hognose snake) has no rows, so η of n02099267"))
        // Under --targets all the same gap skips targets instead of failing.
        let all = try EtaReport.compute(t1: a, t2: [b], request: EtaRequest(splits: ["val"], targets: ["all"]),
                                        classes: try etaClasses(a), showProgress: false)
        #expect(all.skipped.contains { $0.target == "n01729322" })
        #expect(all.rows.count + all.skipped.count == 12)
        #expect(all.summaries.count == 1 && all.summaries[0].targets == all.rows.count)
    }

    /// A class without rows that no target or set needs: η is computed, and every output says which
    /// classes had no rows and that the centroid-scale mean left them out.
    @Test func classesWithoutRowsAreReportedAndLeftOutOfTheScale() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let a = try ModelInput(paths: [try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)])
        let b = try ModelInput(paths: [try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2, emptyClass: 7)])
        let request = EtaRequest(splits: ["val"], targets: ["0"], s1: .explicit(["1"]), s2: .explicit(["2"]))
        let report = try EtaReport.compute(t1: a, t2: [b], request: request, classes: try etaClasses(a), showProgress: false)
        #expect(report.rows.count == 1)
        #expect(report.classesWithoutRows.map(\.path) == ["\(dir)/b.h5"])
        #expect(report.classesWithoutRows.map(\.split) == ["val"] && report.classesWithoutRows.map(\.classes) == [[7]])
        #expect(report.conventionLines.contains("classes without rows: \(dir)/b.h5, split val: n01729322 (hognose snake); no centroid, so left out of the centroid-scale mean (the mean over pairs of classes with rows)"))
        let json = try report.json(EtaRenderOptions(), provenance: nil)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let conventions = try #require(parsed["conventions"] as? [String: Any])
        let entries = try #require(conventions["classes_without_rows"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries.first?["path"] as? String == "\(dir)/b.h5" && entries.first?["split"] as? String == "val")
        #expect(entries.first?["classes"] as? [String] == ["n01729322"])
        #expect((entries.first?["effect"] as? String)?.contains("left out of the centroid-scale mean") == true)
        // The scale of b is the mean over the 11 classes with rows: η equals a hand computation.
        let c1 = try a.centroids(split: "val", rowNormalization: .none, invalidRows: .refuse).accumulator.centroids()
        let c2 = try b.centroids(split: "val", rowNormalization: .none, invalidRows: .refuse).accumulator.centroids()
        func d(_ c: Centroids, _ i: Int, _ j: Int) -> Double {
            (0..<c.dim).map { pow(c.values[i * c.dim + $0] - c.values[j * c.dim + $0], 2) }.reduce(0, +).squareRoot()
        }
        func scale(_ c: Centroids) -> Double {
            let present = (0..<c.classCount).filter { c.counts[$0] > 0 }
            var total = 0.0, pairs = 0.0
            for i in present.indices { for j in present.indices where j > i { total += d(c, present[i], present[j]); pairs += 1 } }
            return total / pairs
        }
        let expected = (d(c2, 0, 1) / scale(c2) - d(c1, 0, 1) / scale(c1)) / (d(c1, 0, 1) / scale(c1))
        #expect(close(report.rows[0].etaS1, expected))
        // No class without rows: the JSON field is an empty list and no conventions line appears.
        let plain = try EtaReport.compute(t1: a, t2: [a], request: request, classes: try etaClasses(a), showProgress: false)
        #expect(plain.classesWithoutRows.isEmpty && !plain.conventionLines.contains { $0.hasPrefix("classes without rows") })
        #expect(try plain.json(EtaRenderOptions(), provenance: nil).contains("\"classes_without_rows\": []"))
    }

    @Test func namesOnlyDumpsTakeExplicitListsButNotWordNetRules() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let names = (0..<12).map { "class\($0)" }
        let t1 = try ModelInput(paths: [try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1, wnids: nil, names: names)])
        let classes = try etaClasses(t1)
        let rule = etaErrorText { _ = try EtaRequest(targets: ["class0"]).resolveTargets(in: classes) }
        #expect(rule == "\(dir)/a.h5: /classes/wnid: missing, so the WordNet rule 'siblings' cannot be applied; give explicit class lists (names or indices) to --s1/--s2")
        let preset = etaErrorText { _ = try EtaRequest().resolveTargets(in: classes) }
        #expect(preset.contains("preset 'retrievers'"))
        let explicit = try EtaRequest(targets: ["class0"], s1: .explicit(["class1", "2"]), s2: .explicit(["11"])).resolveTargets(in: classes)
        #expect(explicit == [EtaTarget(target: 0, s1: [1, 2], s2: [11])])
    }

    /// Synthetic wnids (Benchmarks/make_dumps.py writes n00000000…) are not in WordNet: explicit
    /// lists still work over the dump's own ids, names and indices; rules and presets name the
    /// unknown wnids and the file.
    @Test func wnidsUnknownToWordNetTakeExplicitListsButNotWordNetRules() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let wnids = (0..<12).map { String(format: "n%08d", 1000 + $0) }
        let t1 = try ModelInput(paths: [try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1, wnids: wnids)])
        let classes = try etaClasses(t1)
        #expect(!classes.hasWordNet && classes.unknownWnids == wnids && classes.count == 12)
        let explicit = try EtaRequest(targets: ["0"], s1: .explicit(["n00001001", "2"]), s2: .explicit(["11"])).resolveTargets(in: classes)
        #expect(explicit == [EtaTarget(target: 0, s1: [1, 2], s2: [11])])
        #expect(classes.name(3) == "n00001003")
        let rule = etaErrorText { _ = try EtaRequest(targets: ["0"]).resolveTargets(in: classes) }
        #expect(rule.hasPrefix("\(dir)/a.h5: /classes/wnid: 12 wnid(s) are not in WordNet (n00001000, n00001001, n00001002, n00001003, n00001004, …), so the WordNet rule 'siblings' cannot be applied; "))
        let preset = etaErrorText { _ = try EtaRequest().resolveTargets(in: classes) }
        #expect(preset.hasPrefix("\(dir)/a.h5: /classes/wnid: 12 wnid(s) are not in WordNet") && preset.contains("preset 'retrievers'"))
        // One unknown wnid among real ones is enough to leave WordNet out, and is the one named.
        let mixed = Array(etaTestWnids.prefix(11)) + ["n00001000"]
        let t2 = try ModelInput(paths: [try writeEtaDump(dir + "/b.h5", temperature: 1, seed: 1, wnids: mixed)])
        let mixedClasses = try etaClasses(t2)
        #expect(mixedClasses.unknownWnids == ["n00001000"])
        let mixedRule = etaErrorText { _ = try EtaRequest(targets: ["0"]).resolveTargets(in: mixedClasses) }
        #expect(mixedRule.contains("1 wnid(s) are not in WordNet (n00001000)"))
    }

    @Test func centroidFilesOfOtherFormatsOrSplitsAreRefused() throws {
        let dir = try temporaryDirectory(prefix: "eta-tests")
        let dumpPath = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)
        let file = try CentroidFile.compute(dump: try Dump.open(dumpPath), split: "train", rowNormalization: .none, invalidRows: .refuse)
        try file.write(to: dir + "/c.h5", provenance: "{}")
        let mixed = etaErrorText { _ = try ModelInput(paths: [dir + "/c.h5", dumpPath]) }
        #expect(mixed.hasSuffix("input: mixes centroid files and feature dumps; give one kind per model"))
        let noVal = etaErrorText { _ = try ModelInput(paths: [dir + "/c.h5"]).centroids(split: "val", rowNormalization: .none, invalidRows: .refuse) }
        #expect(noVal == "\(dir)/c.h5: split val: no centroid file of this split; given: train; run `eta centroids DUMP --split val` first")
        let otherPath = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 1)
        try CentroidFile.compute(dump: try Dump.open(otherPath), split: "val", rowNormalization: .none, invalidRows: .refuse)
            .write(to: dir + "/d.h5", provenance: "{}")
        let twoModels = etaErrorText { _ = try ModelInput(paths: [dir + "/c.h5", dir + "/d.h5"]) }
        #expect(twoModels == "\(dir)/d.h5: source attributes: describe resnet18 (T = 3.0, α = 0.0, teacher α = 0.1), but \(dir)/c.h5 describes resnet18 (T = 1.0, α = 0.0, teacher α = 0.1); give the centroid files of one model per side")
        let notCentroids = etaErrorText { _ = try CentroidFile.read(dumpPath) }
        #expect(notCentroids == "\(dumpPath): attribute format: not a penultimate centroid file")
        // A feature dump whose format attribute claims centroids (corpus wrong_format).
        _ = try python(#"""
            import shutil; shutil.copy("a.h5", "claims.h5")
            with h5py.File("claims.h5", "r+") as f: f.attrs["format"] = "penultimate-centroids"
            """#, in: dir)
        let claims = etaErrorText { _ = try CentroidFile.read(dir + "/claims.h5") }
        #expect(claims == "\(dir)/claims.h5: attribute split: missing, so this is not a valid penultimate-centroids file although its format attribute says so; rebuild it with `eta centroids`, or, if it is a feature dump, set its format attribute to penultimate-features")
    }
}
