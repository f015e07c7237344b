import Foundation
import Testing
@testable import Taxonomy
import TestSupport

@Suite struct WordNetTests {
    let wn = systemWordNet

    @Test func synsetByWnidParsesLemmasPointersAndGloss() throws {
        let chesapeake = try wn.synset("n02099849")
        #expect(chesapeake.wnid == "n02099849")
        #expect(chesapeake.offset == 2_099_849)
        #expect(chesapeake.lemmas == ["Chesapeake_Bay_retriever"])
        #expect(chesapeake.displayName == "Chesapeake Bay retriever")
        #expect(chesapeake.hypernyms == ["n02099029"])
        #expect(chesapeake.gloss.hasPrefix("American breed having a short thick oily coat"))
        let retriever = try wn.synset("n02099029")
        #expect(Set(retriever.hyponyms) == Set(SetPreset.retrieverWnids))
    }

    @Test func chesapeakeChainReachesEntity() throws {
        #expect(try chainNames("n02099849") == [
            "Chesapeake Bay retriever", "retriever", "sporting dog", "hunting dog", "dog", "canine",
            "carnivore", "placental", "mammal", "vertebrate", "chordate", "animal", "organism",
            "living thing", "whole", "object", "physical entity", "entity",
        ])
        // dog also sits under domestic animal, which gives a shorter way up.
        #expect(try wn.depth(of: "n02099849") == Depth(min: 12, max: 17))
        #expect(try wn.depth(of: "n00001740") == Depth(min: 0, max: 0))
        #expect(try wn.ancestors(of: "n02099849").contains("n01317541"))  // domestic animal
    }

    @Test func thunderSnakeChain() throws {
        #expect(try chainNames("n01728572") == [
            "thunder snake", "colubrid snake", "snake", "diapsid", "reptile", "vertebrate", "chordate",
            "animal", "organism", "living thing", "whole", "object", "physical entity", "entity",
        ])
        #expect(try wn.depth(of: "n01728572") == Depth(min: 13, max: 13))
    }

    @Test func dogHasTwoParents() throws {
        #expect(try wn.parents(of: "n02084071") == ["n02083346", "n01317541"])
        #expect(try wn.name(of: "n02083346") == "canine")
        #expect(try wn.name(of: "n01317541") == "domestic animal")
        #expect(try wn.aliases(of: "n02084071") == ["dog", "domestic_dog", "Canis_familiaris"])
    }

    @Test func instanceHypernymsAreParents() throws {
        let hegira = try wn.synset("n00060548")
        #expect(hegira.hypernyms.isEmpty)
        #expect(hegira.instanceHypernyms == ["n00058743"])
        #expect(try wn.parents(of: "n00060548") == ["n00058743"])
    }

    @Test func lowestCommonAncestors() throws {
        #expect(try wn.lowestCommonAncestors("n02113712", "n02113799") == ["n02113335"])  // poodle
        #expect(try wn.name(of: "n02113335") == "poodle")
        // Miniature poodle vs submarine: living things and artefacts meet at "whole".
        #expect(try wn.lowestCommonAncestors("n02113712", "n04347754") == ["n00003553"])
        #expect(try wn.name(of: "n00003553") == "whole")
        #expect(try wn.lowestCommonAncestorDepth("n02113712", "n04347754") == 3)
        // retriever vs snake: both are vertebrates (our notes said "animal"; WordNet says vertebrate).
        #expect(try wn.lowestCommonAncestors("n02099029", "n01726692") == ["n01471682"])
        #expect(try wn.name(of: "n01471682") == "vertebrate")
        #expect(try wn.lowestCommonAncestors("n02280649", "n02281406") == ["n02274259"])
        #expect(try wn.name(of: "n02274259") == "butterfly")
        // A node is its own ancestor.
        #expect(try wn.lowestCommonAncestors("n02099029", "n02099849") == ["n02099029"])
    }

    @Test func pathDistances() throws {
        #expect(try wn.pathDistance("n02113712", "n02113799") == 2)
        #expect(try wn.pathDistance("n02099849", "n02099267") == 2)
        #expect(try wn.pathDistance("n02099849", "n02099849") == 0)
        #expect(try wn.pathDistance("n02099849", "n02099029") == 1)
        // Via vertebrate it is 9 + 5 = 14; via dog → domestic animal → animal it is 6 + 7 = 13.
        #expect(try wn.pathDistance("n02099849", "n01728572") == 13)
        #expect(try wn.pathDistance("n02113712", "n04347754") == 15)
    }

    @Test func lookupByLemma() throws {
        #expect(try wn.synsets(lemma: "Chesapeake Bay retriever").map(\.wnid) == ["n02099849"])
        #expect(try wn.synsets(lemma: "chesapeake_bay_retriever").map(\.wnid) == ["n02099849"])
        // index.noun order: most frequent sense first.
        #expect(try wn.synsets(lemma: "crane").map(\.wnid)
                == ["n10914447", "n10914331", "n09295455", "n03126707", "n02012849"])
        #expect(try wn.synsets(lemma: "no such lemma xyzzy").isEmpty)
    }

    @Test func unknownWnids() throws {
        #expect(!wn.contains("n99999999"))
        #expect(!wn.contains("n00000005"))  // inside the licence header
        #expect(!wn.contains("n02099850"))  // inside a synset line
        #expect(!wn.contains("dog"))
        #expect(throws: TaxonomyError.unknownID("n02099850", source: wn.dataPath)) { try wn.synset("n02099850") }
        #expect(throws: TaxonomyError.self) { try wn.depth(of: "n99999999") }
    }

    @Test func wnidFormatting() {
        #expect(WordNet.wnid(offset: 1740) == "n00001740")
        #expect(WordNet.offset(ofWnid: "n02099849") == 2_099_849)
        #expect(WordNet.offset(ofWnid: "n0209984") == nil)
        #expect(WordNet.offset(ofWnid: "x02099849") == nil)
        #expect(WordNet.offset(ofWnid: "n0209984a") == nil)
    }

    @Test func directoryResolution() {
        #expect(WordNet.resolveDirectory("/a", environment: ["PENULTIMATE_WORDNET": "/b"]) == "/a")
        #expect(WordNet.resolveDirectory(nil, environment: ["PENULTIMATE_WORDNET": "/b"]) == "/b")
        #expect(WordNet.resolveDirectory(nil, environment: [:]) == "/usr/share/wordnet")
    }

    @Test func everyImageNetClassResolves() throws {
        #expect(ImageNet1k.wnids.count == 1000)
        #expect(ImageNet1k.wnids[52] == "n01728572")
        #expect(ImageNet1k.wnids[209] == "n02099849")
        #expect(ImageNet1k.wnids == ImageNet1k.wnids.sorted())
        #expect(ImageNet1k.index(of: "n02099849") == 209)
        #expect(ImageNet1k.index(of: "n02084071") == nil)  // dog itself is not a class
        var twoParents = 0
        for wnid in ImageNet1k.wnids {
            let synset = try wn.synset(wnid)
            #expect(synset.instanceHypernyms.isEmpty)
            if synset.parents.count > 1 { twoParents += 1 }
        }
        #expect(twoParents == 38)
    }

    @Test func fullParseAndTiming() throws {
        let clock = ContinuousClock()
        var opened: WordNet?
        let openTime = try clock.measure { opened = try WordNet() }
        let wordNet = try #require(opened)
        let chainTime = try clock.measure { _ = try wordNet.depth(of: "n02099849") }
        let classesTime = try clock.measure { _ = try ClassLookup(ids: ImageNet1k.wnids, hierarchy: wordNet) }
        let lemmaTime = try clock.measure { _ = try wordNet.synsets(lemma: "dog") }
        var count = 0
        let scanTime = try clock.measure { count = try wordNet.validateAll() }
        #expect(count == 82_115)
        print("WordNet open: \(openTime); depth of one class: \(chainTime); lookup over 1000 ImageNet classes: \(classesTime); "
              + "lemma lookup (scans index.noun): \(lemmaTime); parse every line of data.noun: \(scanTime)")
    }
}

@Suite struct WordNetErrorTests {
    @Test func missingDirectory() throws {
        let missing = "/nonexistent/wordnet-\(UUID().uuidString)"
        #expect(throws: TaxonomyError.directoryMissing(path: missing)) { try WordNet(directory: missing) }
        let message = TaxonomyError.directoryMissing(path: missing).description
        #expect(message.hasPrefix(missing + ": WordNet directory not found"))
        #expect(!message.contains("\n"))
    }

    @Test func missingFiles() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TaxonomyError.fileMissing(path: dir + "/data.noun")) { try WordNet(directory: dir) }
        try "x".write(toFile: dir + "/data.noun", atomically: true, encoding: .utf8)
        #expect(throws: TaxonomyError.fileMissing(path: dir + "/index.noun")) { try WordNet(directory: dir) }
    }

    @Test func environmentVariableIsHonouredByResolution() throws {
        // The environment is read at init; resolveDirectory is the single place it is consulted.
        #expect(WordNet.resolveDirectory(nil, environment: ["PENULTIMATE_WORDNET": ""]) == WordNet.defaultDirectory)
    }

    /// Writes a tiny WordNet-shaped database whose offsets match byte positions.
    private func writeDatabase(lines: [String], index: String, in dir: String) throws {
        var text = "  1 licence header line\n"
        for line in lines {
            let offset = String(format: "%08d", text.utf8.count)
            text += line.replacingOccurrences(of: "OFFSET", with: offset) + "\n"
        }
        try text.write(toFile: dir + "/data.noun", atomically: true, encoding: .utf8)
        try index.write(toFile: dir + "/index.noun", atomically: true, encoding: .utf8)
    }

    @Test func tinyDatabaseRoundTrip() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Line 2 (offset 24) is the root; line 3 points to it.
        try writeDatabase(lines: [
            "OFFSET 03 n 01 thing 0 000 | a root",
            "OFFSET 03 n 02 widget 0 gadget 0 001 @ 00000024 n 0000 | a child",
        ], index: "thing n 1 0 1 0 00000024  \n", in: dir)
        let wn = try WordNet(directory: dir)
        #expect(try wn.parents(of: "n00000062") == ["n00000024"])
        #expect(try wn.name(of: "n00000062") == "widget")
        #expect(try wn.synsets(lemma: "Thing").map(\.wnid) == ["n00000024"])
        #expect(try wn.validateAll() == 2)
    }

    @Test func corruptDataLineNamesFileAndLine() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeDatabase(lines: [
            "OFFSET 03 n 01 thing 0 000 | a root",
            "OFFSET 03 n 02 widget 0 gadget 0 0x1 @ 00000024 n 0000 | bad pointer count",
        ], index: "thing n 1 0 1 0 00000024  \n", in: dir)
        let wn = try WordNet(directory: dir)
        let expected = TaxonomyError.corrupt(path: dir + "/data.noun", line: 3,
                                             problem: "missing or non-numeric pointer count")
        #expect(throws: expected) { try wn.synset("n00000062") }
        #expect(throws: expected) { try wn.validateAll() }
        #expect(expected.description == "\(dir)/data.noun: line 3: missing or non-numeric pointer count")
    }

    @Test func garbageDataFileFailsAtOpen() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "hello world of nouns\n".write(toFile: dir + "/data.noun", atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/index.noun", atomically: true, encoding: .utf8)
        #expect(throws: TaxonomyError.corrupt(path: dir + "/data.noun", line: 1,
                                              problem: "'hello' is not an 8-digit synset offset")) {
            try WordNet(directory: dir)
        }
        try "".write(toFile: dir + "/data.noun", atomically: true, encoding: .utf8)
        #expect(throws: TaxonomyError.self) { try WordNet(directory: dir) }
    }

    @Test func corruptIndexLine() throws {
        let dir = try temporaryDirectory(prefix: "taxonomy-tests")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeDatabase(lines: ["OFFSET 03 n 01 thing 0 000 | a root"],
                          index: "thing n 1 0 1 0 00000024  \nwidget n 2 0 1 0 00000024  \n", in: dir)
        let wn = try WordNet(directory: dir)
        #expect(throws: TaxonomyError.corrupt(path: dir + "/index.noun", line: 2,
                                              problem: "expected 2 synset offsets, found 1")) {
            try wn.synsets(lemma: "widget")
        }
        #expect(try wn.synsets(lemma: "thing").map(\.wnid) == ["n00000024"])
        #expect(throws: TaxonomyError.self) { try wn.validateAll() }
    }
}
