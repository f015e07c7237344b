import Foundation
import Testing
import TestSupport
import Penultimate
@testable import PenultimateKit

/// The twelve classes of the test dumps: the five retrievers, the five snakes of the presets,
/// miniature poodle and submarine (real wnids, so WordNet rules apply).
let etaTestWnids = SetPreset.retrieverWnids + SetPreset.snakeWnids + ["n02113712", "n04347754"]

/// Writes a student dump with train and val splits: class means drawn once per `structureSeed`
/// (so students share a geometry), each family (classes 0–4, 5–9) pulled towards its own mean as T
/// grows, plus per-row noise from `seed`. The first `nanRows` rows of train get a NaN.
@discardableResult
func writeEtaDump(_ path: String, temperature: Double, seed: UInt64, wnids: [String]? = etaTestWnids,
                  names: [String]? = nil, dim: Int = 6, rowsPerClass: Int = 9, nanRows: Int = 0,
                  emptyClass: Int? = nil, structureSeed: UInt64 = 99, splits: [String] = ["train", "val"]) throws -> String {
    let classCount = wnids?.count ?? names!.count
    var structure = Xoshiro256StarStar(seed: structureSeed)
    var means = gaussian(classCount * dim, &structure).map { Double($0) * 4 }
    for family in [0..<min(5, classCount), min(5, classCount)..<min(10, classCount)] where !family.isEmpty {
        for j in 0..<dim {
            let center = family.map { means[$0 * dim + j] }.reduce(0, +) / Double(family.count)
            for k in family { means[k * dim + j] += (center - means[k * dim + j]) * (1 - 1 / temperature) * 0.5 }
        }
    }
    var noise = Xoshiro256StarStar(seed: seed)
    var attributes = DumpAttributes(model: "resnet18", role: .student, dataset: "imagenet-test", lsAlpha: 0)
    attributes.teacherModel = "resnet50"
    attributes.teacherLSAlpha = 0.1
    attributes.kdTemperature = temperature
    let writer = try FeatureWriter(path: path, attributes: attributes, classes: ClassList(wnids: wnids, names: names),
                                   weight: [Float](repeating: 0.5, count: classCount * dim),
                                   bias: [Float](repeating: 0, count: classCount),
                                   options: .init(chunkRows: 4))
    for split in splits {
        var features: [Float] = []
        var labels: [Int32] = []
        for _ in 0..<rowsPerClass {
            for k in 0..<classCount where k != emptyClass {
                let row = gaussian(dim, &noise)
                features += (0..<dim).map { Float(means[k * dim + $0] * (1 + temperature / 10)) + row[$0] }
                labels.append(Int32(k))
            }
        }
        if split == "train" {
            for i in 0..<nanRows { features[(i * 3) * dim + 1] = .nan }
        }
        try writer.append(split: split, features: features, labels: labels)
    }
    try writer.finish()
    return path
}

/// The description of the error `body` throws ("" when it does not throw).
func etaErrorText(_ body: () throws -> Void) -> String {
    do { try body(); return "" } catch { return String(describing: error) }
}

/// WordNet from the system (wordnet-base), shared by the tests.
let etaWordNet: WordNet = try! WordNet()

/// The resolution of the test classes over WordNet.
func etaClasses(_ input: ModelInput) throws -> ClassResolution {
    try ClassResolution(classes: input.classes, file: input.label, wordNet: etaWordNet)
}
