import Foundation
import Testing
@testable import Taxonomy

/// Expected member lists below were cross-checked with an independent Python reader of
/// data.noun using the same definitions (max-depth LCA, shortest path via a common ancestor).
@Suite struct SetRuleTests {
    let imagenet: ClassLookup = {
        do { return try ClassLookup(ids: ImageNet1k.wnids, hierarchy: systemWordNet) } catch { fatalError("\(error)") }
    }()
    let chesapeake = 209, thunder = 52

    @Test func parsing() throws {
        #expect(try SetRule(parsing: "siblings") == .siblings)
        #expect(try SetRule(parsing: " lca-depth>=8 ") == .lcaDepthAtLeast(8))
        #expect(try SetRule(parsing: "lca-depth<=3") == .lcaDepthAtMost(3))
        #expect(try SetRule(parsing: "path<=4") == .pathAtMost(4))
        #expect(try SetRule(parsing: "path>=10") == .pathAtLeast(10))
        #expect(try SetRule(parsing: "n02099267, golden retriever,208") == .explicit(["n02099267", "golden retriever", "208"]))
        #expect(try SetRule(parsing: "crane") == .explicit(["crane"]))
        for text in ["lca-depth>=8", "path>=10", "siblings", "a,b"] {
            #expect(try SetRule(parsing: text).description == text)
        }
        for bad in ["", "lca-depth>=x", "lca-depth>8", "path=3", "path>=-1", "a,,b", "depth<=3"] {
            #expect(throws: TaxonomyError.self, "\(bad)") { try SetRule(parsing: bad) }
        }
        var message = ""
        do { _ = try SetRule(parsing: "path=3") } catch { message = "\(error)" }
        #expect(message.hasPrefix("set rule: 'path=3': unknown comparison; expected siblings"))
    }

    @Test func namedRulesParseAndPrintBack() throws {
        #expect(try SetRule(parsing: "same:genus") == .sameAtLevel("genus"))
        #expect(try SetRule(parsing: " not-same: order ") == .notSameAtLevel("order"))
        #expect(try SetRule(parsing: "under:Icteridae") == .under("Icteridae"))
        #expect(try SetRule(parsing: "under:colubrid snake") == .under("colubrid snake"))
        #expect(try SetRule(parsing: "not-under:n02099029") == .notUnder("n02099029"))
        for text in ["same:genus", "not-same:order", "under:Icteridae", "not-under:n02099029"] {
            #expect(try SetRule(parsing: text).description == text)
        }
        for bad in ["same:", "under: ", "not-under:a,b", "same:genus,species"] {
            #expect(throws: TaxonomyError.self, "\(bad)") { try SetRule(parsing: bad) }
        }
    }

    /// under: works on WordNet by wnid or lemma; same: needs declared levels, which WordNet has not.
    @Test func namedRulesOnWordNet() throws {
        #expect(try SetRule.under("retriever").members(of: chesapeake, in: imagenet) == [205, 206, 207, 208])
        #expect(try SetRule.under("n01727646").members(of: thunder, in: imagenet) == Array(53...60))
        #expect(try SetRule.under("colubrid snake").members(of: thunder, in: imagenet) == Array(53...60))
        let notAnimals = try SetRule.notUnder("animal").members(of: chesapeake, in: imagenet)
        #expect(notAnimals.allSatisfy { $0 >= 398 } && notAnimals.count == 1000 - 398)
        #expect(try imagenet.indices(under: "retriever") == [205, 206, 207, 208, 209])
        #expect(throws: TaxonomyError.unknownLevel("genus", known: nil, source: "set rule 'same:genus'")) {
            try SetRule.sameAtLevel("genus").members(of: chesapeake, in: imagenet)
        }
        #expect(throws: TaxonomyError.self) { try SetRule.under("crane").members(of: chesapeake, in: imagenet) }  // a bird and a machine
        #expect(throws: TaxonomyError.unknownNode("qwertyuiop", source: "set rule 'under:qwertyuiop'")) {
            try SetRule.under("qwertyuiop").members(of: chesapeake, in: imagenet)
        }
    }

    @Test func siblingsOfRetrieverAndSnake() throws {
        #expect(try SetRule.siblings.members(of: chesapeake, in: imagenet) == [205, 206, 207, 208])
        // All nine ImageNet colubrids are direct children of colubrid snake.
        #expect(try SetRule.siblings.members(of: thunder, in: imagenet) == Array(53...60))
    }

    @Test func lcaDepthThresholds() throws {
        let close = try SetRule.lcaDepthAtLeast(12).members(of: chesapeake, in: imagenet)
        #expect(close.count == 129)
        #expect(close.first == 151 && close.last == 280)
        #expect(!close.contains(chesapeake))
        #expect(try SetRule.lcaDepthAtLeast(14).members(of: chesapeake, in: imagenet) == Array(159...208) + Array(210...221))
        #expect(try SetRule.lcaDepthAtLeast(14).members(of: thunder, in: imagenet) == [])
        #expect(try SetRule.lcaDepthAtMost(3).members(of: chesapeake, in: imagenet).count == 590)
    }

    @Test func pathThresholds() throws {
        #expect(try SetRule.pathAtMost(2).members(of: chesapeake, in: imagenet) == [205, 206, 207, 208])
        #expect(try SetRule.pathAtMost(4).members(of: chesapeake, in: imagenet)
                == [159, 205, 206, 207, 208, 210, 211, 212, 213, 214, 215, 216, 219, 220])
        #expect(try SetRule.pathAtMost(4).members(of: thunder, in: imagenet) == Array(53...60) + [65, 66])
        #expect(try SetRule.pathAtLeast(20).members(of: chesapeake, in: imagenet).count == 7)
        #expect(try SetRule.pathAtLeast(20).members(of: thunder, in: imagenet).count == 19)
    }

    @Test func explicitListsResolveEveryIDForm() throws {
        let rule = try SetRule(parsing: "n02099267,Curly-coated retriever,golden_retriever,208")
        #expect(try rule.members(of: chesapeake, in: imagenet) == [205, 206, 207, 208])
        #expect(throws: TaxonomyError.targetInOwnSet("n02099849")) {
            try SetRule.explicit(["n02099267", "209"]).members(of: chesapeake, in: imagenet)
        }
    }

    @Test func classLookupErrors() throws {
        #expect(try imagenet.index(of: "Chesapeake Bay retriever") == 209)
        #expect(try imagenet.index(of: "worm snake") == 52)  // any lemma of the synset
        #expect(try imagenet.index(of: "n01728572") == 52)
        #expect(try imagenet.index(of: "0") == 0)
        #expect(try imagenet.name(of: 209) == "Chesapeake Bay retriever")
        #expect(throws: TaxonomyError.indexOutOfRange(1000, count: 1000)) { try imagenet.index(of: "1000") }
        #expect(throws: TaxonomyError.notInClassList("n02084071", name: "dog")) { try imagenet.index(of: "n02084071") }
        #expect(throws: TaxonomyError.unknownName("n99999999", source: "class list")) { try imagenet.index(of: "n99999999") }
        #expect(throws: TaxonomyError.unknownName("xyzzy", source: "class list")) { try imagenet.index(of: "xyzzy") }
        let crane = TaxonomyError.ambiguousName(
            "crane", candidates: ["n02012849 (crane, index 134)", "n03126707 (crane, index 517)"], source: "class list")
        #expect(throws: crane) { try imagenet.index(of: "crane") }
        #expect(crane.description.contains("n02012849") && crane.description.contains("n03126707"))
        #expect(throws: TaxonomyError.self) { try imagenet.index(of: "grass snake") }  // green and garter snake
        #expect(throws: TaxonomyError.unknownID("n99999999", source: systemWordNet.dataPath)) {
            try ClassLookup(ids: ["n02099849", "n99999999"], hierarchy: systemWordNet)
        }
    }

    @Test func presets() throws {
        #expect(SetPreset.all.map(\.name) == ["retrievers", "snakes"])
        let retrievers = try SetPreset.named("retrievers")
        #expect(retrievers.entries.map(\.target) == ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849"])
        let resolved = try retrievers.resolved(in: imagenet)
        #expect(resolved.map(\.target) == [205, 206, 207, 208, 209])
        #expect(resolved[4].s1 == [205, 206, 207, 208])
        #expect(resolved[0].s1 == [206, 207, 208, 209])
        #expect(resolved.allSatisfy { $0.s2 == [52, 53, 54, 56, 58] })
        let snakes = try SetPreset.named("snakes").resolved(in: imagenet)
        #expect(snakes.map(\.target) == [52, 53, 54, 56, 58])
        #expect(snakes[0].s1 == [53, 54, 56, 58])
        #expect(snakes.allSatisfy { $0.s2 == [205, 206, 207, 208, 209] && !$0.s1.contains($0.target) })
        // The presets agree with WordNet: the retrievers are retriever's hyponyms, the snakes colubrids.
        for wnid in SetPreset.retrieverWnids { #expect(try systemWordNet.parents(of: wnid) == ["n02099029"]) }
        for wnid in SetPreset.snakeWnids { #expect(try systemWordNet.parents(of: wnid) == ["n01727646"]) }
        #expect(throws: TaxonomyError.unknownPreset("dogs", known: ["retrievers", "snakes"])) { try SetPreset.named("dogs") }
        // A dump without the snakes cannot use the preset.
        let small = try ClassLookup(ids: SetPreset.retrieverWnids, hierarchy: systemWordNet)
        #expect(throws: TaxonomyError.self) { try retrievers.resolved(in: small) }
    }
}

/// The rules answer as their per-pair definitions in ``Hierarchy`` do (lowest-common-ancestor
/// depth, path distance, shared parent), over a spread of ImageNet classes.
@Test func ruleMembersEqualPerPairDefinitions() throws {
    let wnids = ImageNet1k.wnids.enumerated().filter { $0.offset % 9 == 0 }.map(\.element)
        + SetPreset.retrieverWnids + SetPreset.snakeWnids
    let lookup = try ClassLookup(ids: wnids, hierarchy: systemWordNet)
    let hierarchy = lookup.hierarchy
    let rules: [(SetRule, (String, String) throws -> Bool)] = [
        (.siblings, { try hierarchy.areSiblings($0, $1) }),
        (.lcaDepthAtMost(8), { try hierarchy.lowestCommonAncestorDepth($0, $1).map { $0 <= 8 } ?? false }),
        (.lcaDepthAtLeast(9), { try hierarchy.lowestCommonAncestorDepth($0, $1).map { $0 >= 9 } ?? false }),
        (.pathAtMost(6), { try hierarchy.pathDistance($0, $1).map { $0 <= 6 } ?? false }),
        (.pathAtLeast(12), { try hierarchy.pathDistance($0, $1).map { $0 >= 12 } ?? false }),
    ]
    var nonEmpty = 0
    for (rule, holds) in rules {
        for target in stride(from: 0, to: wnids.count, by: 6) {
            let expected = try wnids.indices.filter { $0 != target && wnids[$0] != wnids[target] }
                .filter { try holds(wnids[target], wnids[$0]) }
            let members = try rule.members(of: target, in: lookup)
            #expect(members == expected, "\(rule) for \(wnids[target])")
            if !members.isEmpty { nonEmpty += 1 }
        }
    }
    #expect(nonEmpty > 20)
}
