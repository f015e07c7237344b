import Foundation
import Penultimate
import Testing

/// A small deterministic generator for synthetic features (not the one under test).
struct FixtureRandom {
    var state: UInt64
    mutating func unit() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    mutating func normal() -> Double {
        let u = max(unit(), 1e-12), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Writes a real dump with FeatureWriter: `classCount` classes of dimension `dim`, splits train and
/// val with `perClass` rows per class, rows interleaved across classes, sample indices shuffled
/// (so "first N by sample_index" differs from file order). `valShift` moves every val row.
@discardableResult
func writeFixtureDump(path: String, classCount: Int = 6, dim: Int = 8, perClass: [String: Int] = ["train": 40, "val": 15],
                      seed: UInt64 = 1, classifierSeed: UInt64 = 99, valShift: Float = 0, kdTemperature: Double = 3,
                      teacherAlpha: Double = 0.1, spread: Double = 1, emptyClassInVal: Int? = nil,
                      weightOverride: [Float]? = nil, biasOverride: [Float]? = nil,
                      nonFiniteTrainRows: Set<Int> = [], wnids wnidOverride: [String]? = nil) throws -> (weight: [Float], bias: [Float]) {
    var crng = FixtureRandom(state: classifierSeed)
    let weight = weightOverride ?? (0..<(classCount * dim)).map { _ in Float(crng.normal()) }
    let bias = biasOverride ?? (0..<classCount).map { _ in Float(crng.normal()) }
    var rng = FixtureRandom(state: seed)
    let defaultWnids = ["n02113712", "n02113799", "n04347754", "n02280649", "n02281406", "n01440764",
                 "n01443537", "n01484850"].prefix(classCount)
    let wnids = wnidOverride ?? Array(defaultWnids)
    let attributes = DumpAttributes(model: "resnet18", role: .student, dataset: "synthetic", lsAlpha: 0,
                                    teacherModel: "resnet50", teacherLSAlpha: teacherAlpha, kdTemperature: kdTemperature,
                                    seed: 1, epoch: 1)
    let writer = try FeatureWriter(path: path, attributes: attributes, classes: ClassList(wnids: Array(wnids)),
                                   weight: weight, bias: bias)
    for split in ["train", "val"] {
        let n = perClass[split]!
        var features: [Float] = [], labels: [Int32] = [], sampleIndex: [Int64] = []
        let total = n * classCount
        // A fixed permutation of sample indices: i ↦ (i * 7919) mod total (7919 is prime, total small).
        for i in 0..<total {
            let c = i % classCount
            if split == "val", c == emptyClassInVal { continue }
            for j in 0..<dim {
                var x = 2 * weight[c * dim + j] + Float(spread * rng.normal())
                if split == "val" { x += valShift }
                // Poisoned rows: NaN in even ones, -infinity in odd ones (first feature only).
                if split == "train", j == 0, nonFiniteTrainRows.contains(i) { x = i % 2 == 0 ? .nan : -.infinity }
                features.append(x)
            }
            labels.append(Int32(c))
            sampleIndex.append(Int64((i * 7919) % total))
        }
        try writer.append(split: split, features: features, labels: labels, sampleIndex: sampleIndex)
    }
    try writer.finish()
    return (weight, bias)
}

/// Closeness for projected coordinates, which sit near 0: |a − b| ≤ tolerance · max(1, |a|, |b|)
/// (relative for large values, absolute near the origin; TestSupport's `close` is relative only).
func coordinatesClose(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}
