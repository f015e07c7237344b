import FeatureStore
import Foundation
import Penultimate
import Taxonomy
import Testing
import TestSupport

/// A dump with real wnids and the dump's own names, one of which ("toy poodle") is not WordNet's
/// lemma for its class, and two classes that share a name ("tench"), as ImageNet's list has "crane".
private func writeNamedDump(path: String) throws {
    let wnids = ["n02113712", "n02113799", "n04347754", "n02280649", "n01440764", "n01443537"]
    let names = ["toy poodle", "standard poodle", "submarine", "cabbage butterfly", "tench", "tench"]
    let dim = 4
    let weight = (0..<(wnids.count * dim)).map { Float(($0 * 7) % 11) - 5 + Float($0 / dim) }
    let bias = (0..<wnids.count).map { Float($0) * 0.25 }
    let attributes = DumpAttributes(model: "resnet18", role: .student, dataset: "synthetic", lsAlpha: 0,
                                    teacherModel: "resnet50", teacherLSAlpha: 0.1, kdTemperature: 3, seed: 1, epoch: 1)
    let writer = try FeatureWriter(path: path, attributes: attributes, classes: ClassList(wnids: wnids, names: names),
                                   weight: weight, bias: bias)
    var features: [Float] = [], labels: [Int32] = []
    for i in 0..<(wnids.count * 5) {
        let c = i % wnids.count
        features += (0..<dim).map { j in 2 * weight[c * dim + j] + Float((i * 13 + j * 5) % 7) * 0.1 }
        labels.append(Int32(c))
    }
    try writer.append(split: "train", features: features, labels: labels)
    try writer.finish()
}

/// `eta` (targets and explicit sets) and `project` (`--classes`) turn the same text into the same
/// class, or both refuse it: one resolution path (``ClassResolution``), not two.
@Test func etaAndProjectResolveTheSameClassTextTheSameWay() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-resolution")
    let path = dir + "/named.h5"
    try writeNamedDump(path: path)
    let dump = try Dump.open(path)
    let classes = try ClassResolution(classes: dump.classes, file: path, wordNet: etaWordNet)

    /// eta: the text as the only target, with S1 and S2 given explicitly (classes 2 and 3).
    func eta(_ text: String) -> Int? {
        try? EtaRequest(splits: ["train"], targets: [text], s1: .explicit(["2"]), s2: .explicit(["3"]))
            .resolveTargets(in: classes).first?.target
    }
    /// eta: the text in S1 of target 2.
    func etaSet(_ text: String) -> Int? {
        try? EtaRequest(splits: ["train"], targets: ["2"], s1: .explicit([text]), s2: .explicit(["3"]))
            .resolveTargets(in: classes).first?.s1.first
    }
    /// project: the text as the first of three classes (the others are 2 and 3).
    func project(_ text: String) -> Int? {
        try? ProjectionRequest(dumpPaths: [path], classes: [text, "2", "3"], splits: ["train"])
            .run(provenance: Provenance(tool: "test")).classIndices.first
    }
    let expected: [(String, Int?)] = [
        ("0", 0), (" 1 ", 1),                           // class indices
        ("n02113799", 1),                               // a wnid of the dump
        ("toy poodle", 0), ("Toy_Poodle", 0),           // the dump's own name, any case, _ for space
        ("miniature poodle", 0),                        // WordNet's lemma of the same wnid
        ("standard poodle", 1),
        ("n04347754", nil), ("submarine", nil),         // class 2: taken by the other two classes in both tools
        ("tench", nil),                                 // two classes have this name: refused, not guessed
        ("n01440764", 4),                               // ... but each is reachable by its wnid
        ("zebra", nil), ("n09999999", nil), ("6", nil), ("", nil),
    ]
    for (text, index) in expected {
        let viaEta = eta(text), viaProject = project(text)
        #expect(viaEta == viaProject, "'\(text)': eta \(String(describing: viaEta)), project \(String(describing: viaProject))")
        if text != "n04347754" && text != "submarine" {
            #expect(viaProject == index, "'\(text)'")
            #expect(etaSet(text) == index, "'\(text)' in S1")
        }
    }
    // The names come out the same way too: the dump's own name, in project's file and eta's table.
    let file = try ProjectionRequest(dumpPaths: [path], classes: ["miniature poodle", "2", "3"], splits: ["train"])
        .run(provenance: Provenance(tool: "test"))
    #expect(file.names == [classes.name(0), classes.name(2), classes.name(3)] && file.names[0] == "toy poodle")
}

/// Without a readable WordNet, both tools still resolve indices, ids and the dump's names; a WordNet
/// lemma or rule then fails with WordNet's own error (exit 65), not before it is needed.
@Test func aMissingWordNetStopsOnlyWhatNeedsIt() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-resolution")
    let path = dir + "/named.h5"
    try writeNamedDump(path: path)
    let dump = try Dump.open(path)
    let missing = dir + "/no-wordnet"
    let classes = try ClassResolution(classes: dump.classes, file: path, wordNet: try WordNet(directory: missing))
    #expect(try classes.index(of: "toy poodle") == 0 && classes.index(of: "n02113799") == 1)
    #expect(throws: TaxonomyError.directoryMissing(path: missing)) { try classes.index(of: "miniature poodle") }
    #expect(throws: TaxonomyError.directoryMissing(path: missing)) { try classes.members(of: .siblings, target: 0) }
    let file = try ProjectionRequest(dumpPaths: [path], classes: ["toy poodle", "1", "n04347754"], splits: ["train"],
                                     wordnetDirectory: missing).run(provenance: Provenance(tool: "test"))
    #expect(file.classIndices == [0, 1, 2])
    let error = #expect(throws: InputError.self) {
        _ = try ProjectionRequest(dumpPaths: [path], classes: ["miniature poodle", "1", "2"], splits: ["train"],
                                  wordnetDirectory: missing).run(provenance: Provenance(tool: "test"))
    }
    #expect(error?.description.contains("WordNet directory not found") == true)
}

/// A hierarchy file (`--hierarchy`): ids win when the file holds any of the dump's wnids, names
/// otherwise; a class found neither way, or a name matching two nodes, is refused at once.
@Test func classesMatchAHierarchyFileByWnidThenName() throws {
    let file = try CustomHierarchy(text: "# levels: root family leaf\nall\nf1\tall\nf2\tall\nn00000001\tf1\nn00000002\tf1\nn00000003\tf2\nBlue_Jay\tf2\nblue_jay\tf1\n", source: "h.txt")
    func resolve(_ classes: ClassList) throws -> ClassResolution {
        try ClassResolution(classes: classes, file: "d.h5", wordNet: file)
    }
    func message(_ classes: ClassList) -> String {
        do { _ = try resolve(classes); return "accepted" } catch { return "\(error)" }
    }
    // Ids win over names that would match other nodes.
    let byID = try resolve(ClassList(wnids: ["n00000001", "n00000002", "n00000003"], names: ["a", "b", "c"]))
    #expect(byID.lookup.ids == ["n00000001", "n00000002", "n00000003"])
    #expect(byID.customHierarchy != nil && byID.hasWordNet)
    #expect(try byID.members(of: .sameAtLevel("family"), target: 0) == [1])
    #expect(try byID.members(of: .lcaDepthAtMost(0), target: 0) == [2])
    // No wnid in the file: names, exactly or in any case with spaces.
    let byName = try resolve(ClassList(wnids: ["n09999991", "n09999992"], names: ["Blue_Jay", "n00000003"]))
    #expect(byName.lookup.ids == ["Blue_Jay", "n00000003"])
    #expect(try byName.members(of: .siblings, target: 0) == [1])
    #expect(message(ClassList(wnids: ["n00000001", "n09999999"])) ==
            "d.h5: /classes/wnid: class 1 'n09999999' is not a node of the hierarchy h.txt (which holds other wnids of the dump); add it to the hierarchy file, or give the hierarchy the dump was made for")
    #expect(message(ClassList(names: ["n00000001", "Steller's jay"])) ==
            "d.h5: /classes/name: class 1 'Steller's jay' is not a node of the hierarchy h.txt; add it to the hierarchy file, or give the hierarchy the dump was made for")
    #expect(message(ClassList(names: ["blue jay"])) ==
            "d.h5: /classes/name: class 0 'blue jay' matches several nodes of the hierarchy h.txt: Blue_Jay, blue_jay")
    #expect(message(ClassList(names: ["Blue_Jay", "n00000001", "n00000001 "])) ==
            "d.h5: /classes/name: classes 1 'n00000001' and 2 'n00000001 ' match the same node 'n00000001' of the hierarchy h.txt; give each class its own node")
    // The WordNet presets are refused with a file.
    #expect(throws: (any Error).self) { try byID.resolve(SetPreset.retrievers) }
}
