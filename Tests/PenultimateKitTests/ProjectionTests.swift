import Foundation
import HDF5
import Penultimate
import Testing
import TestSupport

/// An independent numpy implementation of both projections, reading the dump with h5py.
/// Prints JSON: {split: {"points": [[x, y]], "sample_index": [...], "centroids": [[x, y]] x3}}.
private let numpyProjection = #"""
import sys, json, h5py, numpy as np
path, classes, method, per_class, splits = sys.argv[1], [int(c) for c in sys.argv[2].split(",")], sys.argv[3], int(sys.argv[4]), sys.argv[5].split(",")
f = h5py.File(path, "r")
W = f["classifier/weight"][()].astype(np.float64); b = f["classifier/bias"][()].astype(np.float64)
T = np.hstack([W[classes], b[classes][:, None]])
def rows(split):
    X = f[f"splits/{split}/features"][()].astype(np.float64); y = f[f"splits/{split}/labels"][()]; s = f[f"splits/{split}/sample_index"][()]
    chosen, idx, cents = [], [], []
    for c in classes:
        m = np.nonzero(y == c)[0]
        order = m[np.argsort(s[m], kind="stable")]
        if per_class > 0: order = order[:per_class]
        chosen.append(X[order]); idx += s[order].tolist(); cents.append(X[m].mean(axis=0))
    aug = lambda A: np.hstack([A, np.ones((A.shape[0], 1))])
    return aug(np.vstack(chosen)), idx, aug(np.array(cents))
out = {}
if method == "muller":
    o = T.mean(axis=0)
    u1 = T[1] - T[0]; u1 /= np.linalg.norm(u1)
    e2 = T[2] - T[0]; u2 = e2 - (e2 @ u1) * u1; u2 /= np.linalg.norm(u2)
    U = np.stack([u1, u2], axis=1)
    for split in splits:
        X, idx, C = rows(split)
        out[split] = {"points": ((X - o) @ U).tolist(), "sample_index": idx, "centroids": ((C - o) @ U).tolist()}
else:
    Q, R = np.linalg.qr(T.T)
    Q = Q * np.sign(np.diag(R))
    X, _, C = rows("train")
    P = np.vstack([X @ Q, C @ Q])
    mean = P.mean(axis=0)
    vals, vecs = np.linalg.eigh(np.cov(P.T))
    V = vecs[:, np.argsort(vals)[::-1][:2]]
    for k in range(2):
        i = int(np.argmax(np.abs(V[:, k])))
        if V[i, k] < 0: V[:, k] = -V[:, k]
    for split in splits:
        X, idx, C = rows(split)
        out[split] = {"points": ((X @ Q - mean) @ V).tolist(), "sample_index": idx, "centroids": ((C @ Q - mean) @ V).tolist()}
print(json.dumps(out))
"""#

private func compareWithNumpy(method: ProjectionMethod, perClass: Int?) throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/dump.h5"
    try writeFixtureDump(path: dump)
    let classes = [2, 0, 4]
    let request = ProjectionRequest(dumpPaths: [dump], classes: classes.map(String.init), method: method,
                                    splits: ["train", "val"], selection: perClass.map { .firstPerClass($0) } ?? .all)
    let file = try request.run(provenance: Provenance(tool: "test"))
    let output = try python(numpyProjection, arguments: [dump, classes.map(String.init).joined(separator: ","), method.rawValue,
                                                 String(perClass ?? 0), "train,val"])
    let reference = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: Any]])
    for split in file.splits {
        let expected = try #require(reference[split.name])
        let points = try #require(expected["points"] as? [[Double]])
        let indices = try #require(expected["sample_index"] as? [Int])
        let centroids = try #require(expected["centroids"] as? [[Double]])
        #expect(split.points.count == points.count)
        #expect(split.sampleIndex.map { Int($0) } == indices)
        if let perClass { #expect(split.points.count == 3 * perClass) }
        let scale = points.flatMap { $0.map(abs) }.max() ?? 1
        for (p, q) in zip(split.points, points) {
            #expect(coordinatesClose(p.x / scale, q[0] / scale) && coordinatesClose(p.y / scale, q[1] / scale), "\(method) \(split.name): \(p) vs \(q)")
        }
        for (p, q) in zip(split.centroids, centroids) {
            #expect(coordinatesClose(p.x / scale, q[0] / scale) && coordinatesClose(p.y / scale, q[1] / scale), "\(method) \(split.name) centroid: \(p) vs \(q)")
        }
    }
}

@Test func mullerMatchesNumpyOnARealDump() throws {
    try compareWithNumpy(method: .muller, perClass: nil)
    try compareWithNumpy(method: .muller, perClass: 10)
}

@Test func qrPCAMatchesNumpyOnARealDump() throws {
    try compareWithNumpy(method: .qrPCA, perClass: nil)
    try compareWithNumpy(method: .qrPCA, perClass: 10)
}

@Test func mullerMapsTemplatesToACongruentTriangle() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/dump.h5"
    let (weight, bias) = try writeFixtureDump(path: dump, dim: 8)
    let file = try ProjectionRequest(dumpPaths: [dump], classes: ["1", "3", "5"], method: .muller, splits: ["train"])
        .run(provenance: Provenance(tool: "test"))
    let projection = try MullerProjection(weight: weight, bias: bias, dim: 8, classes: [1, 3, 5])
    let templates = try augmentedTemplates(weight: weight, bias: bias, dim: 8, classes: [1, 3, 5])
    let projected = templates.map { projection.project(augmented: $0) }
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let full = zip(templates[i], templates[j]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        let plane = ((projected[i] - projected[j]) * (projected[i] - projected[j])).sum().squareRoot()
        #expect(coordinatesClose(full, plane, 1e-12))
    }
    // The stored basis is the projection's, and template 3 lies on the positive side of axis 2.
    #expect(file.basis == projection.axes)
    #expect(projected[2].y > projected[0].y)
    #expect(coordinatesClose(projected[0].y, projected[1].y, 1e-12))
    #expect(projected[1].x > projected[0].x)
    // Origin at the templates' centroid.
    #expect(abs((projected[0] + projected[1] + projected[2]).sum()) < 1e-12)
}

@Test func qrPCAIsFittedOnTrainingRowsOnly() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let a = dir + "/a.h5", b = dir + "/b.h5"
    try writeFixtureDump(path: a)
    try writeFixtureDump(path: b, valShift: 3)
    func run(_ path: String) throws -> ProjectionFile {
        try ProjectionRequest(dumpPaths: [path], classes: ["0", "1", "2"], method: .qrPCA, splits: ["train", "val"],
                              selection: .firstPerClass(20)).run(provenance: Provenance(tool: "test"))
    }
    let p = try run(a), q = try run(b)
    #expect(p.split("train") == q.split("train"))
    #expect(p.basis == q.basis && p.pcaMean == q.pcaMean && p.pcaAxes == q.pcaAxes)
    #expect(p.split("val")!.points != q.split("val")!.points)
    // --split val alone still fits on train: the same val coordinates as with both splits.
    let valOnly = try ProjectionRequest(dumpPaths: [a], classes: ["0", "1", "2"], method: .qrPCA, splits: ["val"],
                                        selection: .firstPerClass(20)).run(provenance: Provenance(tool: "test"))
    #expect(valOnly.split("val") == p.split("val"))
    // Paper layout (val has 15 rows per class here): val panels with 5 per class share the PCA of train panels with 20 per class.
    let val5 = try ProjectionRequest(dumpPaths: [a], classes: ["0", "1", "2"], method: .qrPCA, splits: ["val"],
                                     selection: .firstPerClass(5), fitSelection: .firstPerClass(20))
        .run(provenance: Provenance(tool: "test"))
    #expect(val5.pcaAxes == p.pcaAxes && val5.pcaMean == p.pcaMean)
    #expect(val5.split("val")!.points == Array(p.split("val")!.points.enumerated().filter { $0.offset % 15 < 5 }.map(\.element)))
}

@Test func randomSelectionTakesNPerClassReproducibly() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/dump.h5"
    try writeFixtureDump(path: dump)
    func run(_ seed: UInt64) throws -> ProjectedSplit {
        try ProjectionRequest(dumpPaths: [dump], classes: ["0", "1", "2"], splits: ["train"],
                              selection: .randomPerClass(7, seed: seed)).run(provenance: Provenance(tool: "test")).splits[0]
    }
    let s = try run(5)
    #expect((0..<3).map { c in s.classes.filter { $0 == c }.count } == [7, 7, 7])
    #expect(try run(5) == s)
    #expect(try run(6).sampleIndex != s.sampleIndex)
    // Within each class the chosen rows are listed in sample_index order.
    for c in 0..<3 {
        let idx = s.sampleIndex.indices.filter { s.classes[$0] == c }.map { s.sampleIndex[$0] }
        #expect(idx == idx.sorted())
    }
}

@Test func badRequestsThrowOneLineErrors() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/dump.h5"
    try writeFixtureDump(path: dump, emptyClassInVal: 2)
    func message(_ classes: [String], split: String = "train", method: ProjectionMethod = .muller) -> String? {
        do {
            _ = try ProjectionRequest(dumpPaths: [dump], classes: classes, method: method, splits: [split])
                .run(provenance: Provenance(tool: "test"))
            return nil
        } catch { return String(describing: error) }
    }
    #expect(message(["0", "1"])?.contains("exactly 3") == true)
    #expect(message(["0", "1", "1"])?.contains("same class") == true)
    #expect(message(["0", "1", "n09999999"]) != nil)
    #expect(message(["0", "1", "17"])?.contains("out of range") == true)
    #expect(message(["0", "1", "2"], split: "val")?.contains("no rows") == true)
    #expect(message(["0", "1", "2"], split: "test")?.contains("no such split") == true)
    for text in [message(["0", "1", "1"]), message(["0", "1", "2"], split: "val")] {
        #expect(text?.contains("\n") == false)
        #expect(text?.hasPrefix(dump) == true)
    }
}

/// Rows holding NaN/Inf: refused naming the file, the split's features and the count (only rows of
/// the three classes count); with `skipNonFinite` left out, counted in the conventions.
@Test func nonFiniteRowsAreRefusedOrSkippedAndCounted() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/dump.h5"
    // Rows 0 (class 0, NaN), 7 (class 1, -inf), 3 (class 3: not projected).
    try writeFixtureDump(path: dump, nonFiniteTrainRows: [0, 7, 3])
    let refused = #expect(throws: (any Error).self) {
        _ = try ProjectionRequest(dumpPaths: [dump], classes: ["0", "1", "2"], splits: ["train"]).run(provenance: Provenance(tool: "test"))
    }
    #expect(refused.map { "\($0)" } == "\(dump): /splits/train/features: 2 row(s) of the three classes hold NaN or infinity; pass --skip-nonfinite to leave them out")
    let file = try ProjectionRequest(dumpPaths: [dump], classes: ["0", "1", "2"], splits: ["train", "val"], skipNonFinite: true)
        .run(provenance: Provenance(tool: "test"))
    let train = file.splits[0]
    #expect((0..<3).map { c in train.classes.filter { $0 == c }.count } == [39, 39, 40])
    #expect(train.points.allSatisfy { $0.x.isFinite && $0.y.isFinite })
    #expect(train.centroids.allSatisfy { $0.x.isFinite && $0.y.isFinite })
    #expect(file.splits[1].points.count == 45)
    #expect(file.conventions.contains("per split: train: 2, val: 0"))
    #expect(file.provenance.contains("per split: train: 2, val: 0"))
}

@Test func collinearTemplatesAreRefused() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/dump.h5"
    // Template 2 = 2·template 1 − template 0 (bias included): the three are collinear.
    var weight: [Float] = (0..<16).map { Float($0 % 5) - 1.5 }
    var bias: [Float] = [0.5, -1, 2, 0]
    for j in 0..<4 { weight[2 * 4 + j] = 2 * weight[4 + j] - weight[j] }
    bias[2] = 2 * bias[1] - bias[0]
    try writeFixtureDump(path: dump, classCount: 4, dim: 4, weightOverride: weight, biasOverride: bias)
    #expect(throws: InputError.self) {
        _ = try ProjectionRequest(dumpPaths: [dump], classes: ["0", "1", "2"], splits: ["train"]).run(provenance: Provenance(tool: "test"))
    }
}

// MARK: - Projection file round trips

private func sampleFile(dir: String) throws -> ProjectionFile {
    let dump = dir + "/dump.h5"
    try writeFixtureDump(path: dump)
    return try ProjectionRequest(dumpPaths: [dump], classes: ["0", "2", "4"], method: .qrPCA, splits: ["train", "val"],
                                 selection: .firstPerClass(5)).run(provenance: Provenance(tool: "test"))
}

@Test func projectionFileRoundTripsThroughHDF5AndJSON() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let file = try sampleFile(dir: dir)
    try file.write(to: dir + "/p.h5")
    let h5 = try ProjectionFile.read(path: dir + "/p.h5")
    #expect(h5 == file)
    #expect(h5.source["kd_temperature"] == "3.0" && h5.source["teacher_ls_alpha"] == "0.1")
    try file.write(to: dir + "/p.json")
    var json = try ProjectionFile.read(path: dir + "/p.json")
    // The JSON reader re-serialises the two embedded objects with sorted keys; compare them as objects.
    func object(_ text: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }
    #expect(try object(json.conventions) == object(file.conventions))
    #expect(try object(json.provenance) == object(file.provenance))
    json.conventions = file.conventions
    json.provenance = file.provenance
    #expect(json == file)
    // Spec layout seen through the plain HDF5 module.
    let raw = try File(path: dir + "/p.h5")
    #expect(try raw.root.dataset("basis").shape == [9, 3])
    #expect(try raw.root.dataset("pca/axes").shape == [2, 3])
    #expect(try raw.root.dataset("splits/val/centroids").shape == [3, 2])
    #expect(try raw.root.readStringAttribute("source_model") == "resnet18")
}

@Test func projectionCSVHasTheSpecHeaderAndOneRowPerPointAndCentroid() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let file = try sampleFile(dir: dir)
    try file.write(to: dir + "/p.csv")
    let lines = try String(contentsOfFile: dir + "/p.csv", encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "split,wnid,name,kind,sample_index,x,y")
    #expect(lines.count == 1 + 2 * (15 + 3))
    #expect(lines.filter { $0.contains(",centroid,") }.count == 6)
    let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
    #expect(first[0] == "train" && first[1] == "n02113712" && first[3] == "sample")
    #expect(Double(first[5]) == file.splits[0].points[0].x)
}

@Test func otherFormatVersionsAreRefused() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let file = try sampleFile(dir: dir)
    try file.write(to: dir + "/p.h5")
    try File(path: dir + "/p.h5", mode: .readWrite).root.writeAttribute("format_version", Int64(2))
    #expect { _ = try ProjectionFile.read(path: dir + "/p.h5") } throws: { error in
        "\(error)".contains("format_version") && "\(error)".contains("is 2")
    }
    try file.write(to: dir + "/p.json")
    let text = try String(contentsOfFile: dir + "/p.json", encoding: .utf8)
        .replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 7")
    try text.write(toFile: dir + "/future.json", atomically: true, encoding: .utf8)
    #expect(throws: InputError.self) { _ = try ProjectionFile.read(path: dir + "/future.json") }
    // JSON has one number type: 1.5 is not truncated to 1; 1.0 is the number 1.
    for (name, version, accepted) in [("v15.json", "1.5", false), ("vtrue.json", "true", false), ("v10.json", "1.0", true)] {
        try text.replacingOccurrences(of: "\"format_version\": 7", with: "\"format_version\": \(version)")
            .write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        if accepted {
            #expect(try ProjectionFile.read(path: dir + "/" + name).splits == file.splits)
        } else {
            #expect(throws: InputError.self) { _ = try ProjectionFile.read(path: dir + "/" + name) }
        }
    }
    // HDF5: format_version must be an integer type (a float 1.0 is refused, as 1.5 is).
    try file.write(to: dir + "/f.h5")
    try File(path: dir + "/f.h5", mode: .readWrite).root.writeAttribute("format_version", 1.0)
    #expect { _ = try ProjectionFile.read(path: dir + "/f.h5") } throws: { error in
        "\(error)".contains("format_version") && "\(error)".contains("stored as float64")
    }
    // A feature dump is not a projection file.
    #expect(throws: InputError.self) { _ = try ProjectionFile.read(path: dir + "/dump.h5") }
}

/// Wnids WordNet lacks (synthetic n00001000…): indices and the dump's ids still resolve; a lemma
/// cannot, and the error names the file, /classes/wnid and the unknown wnids.
@Test func unknownWnidsResolveByIndexOrIDButNotByLemma() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/u.h5"
    try writeFixtureDump(path: dump, wnids: (0..<6).map { String(format: "n%08d", 1000 + $0) })
    let file = try ProjectionRequest(dumpPaths: [dump], classes: ["0", "n00001001", "2"], splits: ["train"])
        .run(provenance: Provenance(tool: "test"))
    #expect(file.classIndices == [0, 1, 2] && file.names == ["n00001000", "n00001001", "n00001002"])
    let error = #expect(throws: (any Error).self) {
        _ = try ProjectionRequest(dumpPaths: [dump], classes: ["0", "1", "golden retriever"], splits: ["train"])
            .run(provenance: Provenance(tool: "test"))
    }
    #expect(error.map { "\($0)" }?.hasPrefix("\(dump): /classes/wnid: \"golden retriever\" is not a class index, id or name of the dump, and WordNet names cannot be looked up: 6 wnid(s) are not in WordNet (n00001000, ") == true)
}

/// An empty split list projects every split of the dump, in the dump's order.
@Test func emptySplitListMeansEverySplit() throws {
    let dir = try temporaryDirectory(prefix: "penultimate-projection")
    let dump = dir + "/dump.h5"
    try writeFixtureDump(path: dump)
    let file = try ProjectionRequest(dumpPaths: [dump], classes: ["0", "2", "4"], splits: [])
        .run(provenance: Provenance(tool: "test"))
    #expect(file.splits.map(\.name) == (try Dump.open(dump).splitNames))
    #expect(file.splits.count == 2)
}
