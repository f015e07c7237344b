import Foundation
import Testing
import Penultimate
@testable import PenultimateKit
import TestSupport

/// `eta pairs`' workflow: numbers against the η machinery, the JSON document read back, refusals.
@Suite struct PairsReportTests {
    func report(_ a: String, _ b: String, _ request: PairsRequest) throws -> PairsReport {
        let t1 = try ModelInput(paths: [a]), t2 = try ModelInput(paths: [b])
        let classes = try etaClasses(t1)
        return try PairsReport.compute(t1: t1, t2: t2, request: request, classes: classes,
                                       hierarchy: try classes.hierarchyForRelatedness(), showProgress: false)
    }

    /// Each pair's change is η of one class against a one-member set (the same centroids and
    /// scales); groups hold the pairs of their LCA depth; the JSON decodes to the same numbers.
    @Test func pairChangesAreOneMemberEtaAndTheDocumentRoundTrips() throws {
        let dir = try temporaryDirectory(prefix: "pairs-tests")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2)
        let r = try report(a, b, PairsRequest(split: "val"))
        #expect(r.classes == Array(0..<12) && r.changes.count == 66)
        #expect(r.listsPairs)
        let t1 = try ModelInput(paths: [a]), t2 = try ModelInput(paths: [b])
        let eta = try EtaReport.compute(t1: t1, t2: [t2], request: EtaRequest(splits: ["val"], targets: ["0"], s1: .explicit(["1"]), s2: .explicit(["11"])),
                                        classes: try etaClasses(t1), showProgress: false)
        #expect(eta.rows[0].etaS1 == r.changes[0])   // pair (0, 1)
        #expect(eta.rows[0].etaS2 == r.changes[10])  // pair (0, 11)
        #expect(r.groups.map(\.pairs).reduce(0, +) == 66)
        for g in r.groups {
            let members = r.changes.indices.filter { r.lcaDepth[$0] == g.value }.map { r.changes[$0] }
            #expect(g.pairs == members.count)
            #expect(abs(g.mean - members.reduce(0, +) / Double(members.count)) < 1e-15)
        }
        // Retrievers among themselves meet at retriever: the deepest group holds their 10 pairs... or more.
        #expect(r.groups.last!.value! >= 12)
        let text = try r.json(provenance: nil)
        let path = dir + "/pairs.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let document = try PairsDocument.read(path: path)
        #expect(document.pair_count == 66 && document.pairs?.count == 66 && document.groups.count == r.groups.count)
        #expect(document.pairs![10].change == r.changes[10] && document.pairs![10].a == "n02099267")
        #expect(document.groups.map(\.mean_change) == r.groups.map { Optional($0.mean) })
        #expect(document.conventions.scale_t1 == r.scale1)
        #expect(document.t2.kdTemperature == 3)
    }

    /// `plot --pairs` reads documents through ``PairsDocument`` and refuses inconsistent ones,
    /// naming the key: every edit below of a valid document is one refusal.
    @Test func chartRefusesInconsistentDocuments() throws {
        let dir = try temporaryDirectory(prefix: "pairs-tests")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2)
        let valid = try report(a, b, PairsRequest(split: "val", bootstrapReplicates: 20)).json(provenance: nil)
        let path = dir + "/ok.json"
        try valid.write(toFile: path, atomically: true, encoding: .utf8)
        let figure = try pairsFigure([(path, try PairsDocument.read(path: path))])
        #expect(figure.panels.count == 1)
        typealias Edit = (inout [String: Any]) -> Void
        func groups(_ edit: @escaping (inout [[String: Any]]) -> Void) -> Edit {
            { object in var g = object["groups"] as! [[String: Any]]; edit(&g); object["groups"] = g }
        }
        let cases: [(String, Edit, String)] = [
            ("count", { $0["pair_count"] = 65 }, "pair_count: is 65, but the groups hold 66 pairs"),
            ("list", { $0["pairs"] = Array(($0["pairs"] as! [Any]).dropLast()) }, "pairs: lists 65 pairs"),
            ("null mean", groups { $0[0]["mean_change"] = NSNull() }, "groups[0].mean_change: is null"),
            ("reversed", groups { $0[0]["lower"] = 1.0; $0[0]["upper"] = 0.0 }, "groups[0].lower: 1.0 is above upper 0.0"),
            ("half", groups { $0[0]["upper"] = NSNull() }, "groups[0]: has one interval end without the other"),
            ("twice", groups { $0[1]["value"] = $0[0]["value"]! }, "groups[1].value:"),
            ("by", groups { $0[0]["by"] = "path" }, "groups[0].by: is \"path\""),
            ("empty", groups { $0[0]["pairs"] = 0 }, "pair_count"),
            ("missing", { $0["conventions"] = ["unit": "fraction"] }, "conventions.normalize: missing"),
            ("unknown by", { object in
                var c = object["conventions"] as! [String: Any]; c["by"] = "depth"; object["conventions"] = c
            }, "conventions.by: is \"depth\"; expected \"lca-depth\" or \"path\""),
            ("type", { $0["pair_count"] = "66" }, "pair_count: expected a number"),
        ]
        for (name, edit, expected) in cases {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(valid.utf8)) as? [String: Any])
            edit(&object)
            let bad = dir + "/\(name).json"
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: bad))
            let text = etaErrorText { _ = try pairsFigure([(bad, try PairsDocument.read(path: bad))]) }
            #expect(text.hasPrefix("\(bad): ") && text.contains(expected), "\(name): \(text)")
        }
    }

    @Test func bootstrapIsReproducibleAndCoversTheEstimate() throws {
        let dir = try temporaryDirectory(prefix: "pairs-tests")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1, rowsPerClass: 20)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2, rowsPerClass: 20)
        let request = PairsRequest(split: "train", bootstrapReplicates: 60, seed: 4)
        let one = try report(a, b, request), two = try report(a, b, request)
        #expect(one.groups == two.groups)
        for g in one.groups {
            let interval = try #require(g.interval)
            #expect(interval.lowerBound <= interval.upperBound)
        }
        var other = request
        other.seed = 5
        #expect(try report(a, b, other).groups != one.groups)
        // The plan's bound: ImageNet-size replicate centroids fit 1 GiB in blocks; a huge dim does not.
        let plan = try PairsRequest.plan(replicates: 1000, classes: 1000, dim: 512, groups: 20)
        #expect(plan.blockReplicates == (1 << 30) / (2 * 1000 * 513 * 8) && plan.blocks == 8)
        let refused = etaErrorText { _ = try PairsRequest.plan(replicates: 10, classes: 1000, dim: 100_000, groups: 20) }
        #expect(refused.hasPrefix("eta pairs: --bootstrap: one replicate of 1000 classes × 100000 needs"))
    }

    /// Students with features of different lengths (ResNet-18 against ResNet-50, say): distances
    /// are taken within each model, so pairs compare them, with and without a bootstrap.
    @Test func studentsMayHaveDifferentFeatureLengths() throws {
        let dir = try temporaryDirectory(prefix: "pairs-tests")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1, dim: 6)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2, dim: 9)
        let r = try report(a, b, PairsRequest(split: "val", bootstrapReplicates: 20))
        #expect(r.changes.count == 66 && r.groups.allSatisfy { $0.interval != nil })
        let c1 = try ModelInput(paths: [a]).centroids(split: "val", rowNormalization: .none, invalidRows: .refuse).accumulator.centroids()
        let c2 = try ModelInput(paths: [b]).centroids(split: "val", rowNormalization: .none, invalidRows: .refuse).accumulator.centroids()
        let d1 = try c1.distance(0, 1) / c1.meanPairwiseCentroidDistance(), d2 = try c2.distance(0, 1) / c2.meanPairwiseCentroidDistance()
        #expect(abs(r.changes[0] - (d2 - d1) / d1) < 1e-14)
    }

    @Test func classesWithoutRowsAreLeftOutAndReported() throws {
        let dir = try temporaryDirectory(prefix: "pairs-tests")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 2, emptyClass: 4)
        let r = try report(a, b, PairsRequest(split: "val"))
        #expect(r.classes == [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11] && r.changes.count == 55)
        #expect(r.classesWithoutRows.count == 1 && r.classesWithoutRows[0].path == b && r.classesWithoutRows[0].classes == [4])
        #expect(r.conventionLines.contains("classes without rows: \(b), split val: n02099849; left out of every pair"))
    }

    @Test func badInputsAreRefusedInOneLine() throws {
        let dir = try temporaryDirectory(prefix: "pairs-tests")
        let a = try writeEtaDump(dir + "/a.h5", temperature: 1, seed: 1)
        var swapped = etaTestWnids
        swapped.swapAt(0, 1)
        let b = try writeEtaDump(dir + "/b.h5", temperature: 3, seed: 1, wnids: swapped)
        #expect(etaErrorText { _ = try report(a, b, PairsRequest(split: "val")) }
                == "\(b): /classes/wnid: class 0 is n02099429, but in \(a) it is n02099267; both must list the same classes in the same order")
        // One class only.
        let one1 = try writeEtaDump(dir + "/one1.h5", temperature: 1, seed: 1, wnids: ["n02099601"])
        let one2 = try writeEtaDump(dir + "/one2.h5", temperature: 3, seed: 2, wnids: ["n02099601"])
        #expect(etaErrorText { _ = try report(one1, one2, PairsRequest(split: "val")) }
                == "\(one1): /classes: holds 1 class; pairs need at least two")
        // Names only: no hierarchy to group by.
        let named1 = try writeEtaDump(dir + "/n1.h5", temperature: 1, seed: 1, wnids: nil, names: ["a", "b", "c"])
        let t1 = try ModelInput(paths: [named1])
        #expect(etaErrorText { _ = try etaClasses(t1).hierarchyForRelatedness() }
                == "\(named1): /classes/wnid: missing, so how related two classes are cannot be measured; dump the classes with their wnids")
        // A missing split; coincident centroids (the same rows twice give distance 0 in no pair, so use a copy).
        let c = try writeEtaDump(dir + "/c.h5", temperature: 3, seed: 2)
        #expect(etaErrorText { _ = try report(a, c, PairsRequest(split: "test")) }.contains("/splits/test: no such split"))
        // Centroid files cannot be resampled.
        let centroid = dir + "/a.train.h5"
        let dump = try Dump.open(a)
        let file = try CentroidFile.compute(dump: dump, split: "train", rowNormalization: .none, invalidRows: .refuse)
        try file.write(to: centroid, provenance: "{}")
        #expect(etaErrorText { _ = try report(centroid, c, PairsRequest(split: "train", bootstrapReplicates: 10)) }
                == "\(centroid): input: centroid files hold no rows to resample; give the feature dumps for --bootstrap")
        // Paired resampling needs sample_index (these dumps store none).
        #expect(etaErrorText { _ = try report(a, c, PairsRequest(split: "train", bootstrapReplicates: 10, paired: true)) }
                == "\(a): split train/sample_index: missing: paired resampling matches rows by sample_index; drop --paired, or dump both models with sample_index")
        // Without a bootstrap, centroid files are fine and give the dump's numbers.
        let fromFile = try report(centroid, c, PairsRequest(split: "train"))
        let fromDump = try report(a, c, PairsRequest(split: "train"))
        #expect(fromFile.changes == fromDump.changes)
    }
}
