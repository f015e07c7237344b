import Foundation
import Penultimate

/// The dumps the project/plot end-to-end tests run the tools on.
enum ProjectPlotE2E {
    /// Writes a synthetic student dump with FeatureWriter: 6 ImageNet classes, dimension 12,
    /// `perClass` train rows and a third as many val rows per class. All dumps share one classifier
    /// (seed 99); features cluster around 2·w_k with a spread that grows with T and shrinks with LS,
    /// which is the picture the paper draws. `collinear` makes template 2 = 2·t1 − t0.
    static func writeDump(path: String, temperature: Double = 1, teacherAlpha: Double = 0, perClass: Int = 160,
                          emptyClassInVal: Int? = nil, collinear: Bool = false) throws {
        let classCount = 6, dim = 12
        var state: UInt64 = 99
        func unit() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        func normal() -> Double { (-2 * log(max(unit(), 1e-12))).squareRoot() * cos(2 * .pi * unit()) }
        var weight = (0..<(classCount * dim)).map { _ in Float(normal()) }
        var bias = (0..<classCount).map { _ in Float(normal()) }
        if collinear {
            // Exactly representable values (multiples of 1/8), so that t2 = 2·t1 − t0 holds in Float too.
            weight = weight.map { ($0 * 8).rounded() / 8 }
            bias = bias.map { ($0 * 8).rounded() / 8 }
            for j in 0..<dim { weight[2 * dim + j] = 2 * weight[dim + j] - weight[j] }
            bias[2] = 2 * bias[1] - bias[0]
        }
        state = UInt64(temperature * 1000 + teacherAlpha * 100) &+ 7
        let spread = (teacherAlpha > 0 ? 0.45 : 0.8) * (1 + 0.35 * (temperature - 1))
        let wnids = ["n02113712", "n02113799", "n04347754", "n02280649", "n02281406", "n01440764"]
        let attributes = DumpAttributes(model: "resnet18", role: .student, dataset: "synthetic", lsAlpha: 0,
                                        teacherModel: "resnet50", teacherLSAlpha: teacherAlpha, kdTemperature: temperature,
                                        seed: 0, epoch: 90)
        let writer = try FeatureWriter(path: path, attributes: attributes, classes: ClassList(wnids: wnids),
                                       weight: weight, bias: bias)
        for (split, n) in [("train", perClass), ("val", perClass / 3)] {
            var features: [Float] = [], labels: [Int32] = [], index: [Int64] = []
            for i in 0..<(n * classCount) {
                let c = i % classCount
                if split == "val", c == emptyClassInVal { continue }
                for j in 0..<dim { features.append(2 * weight[c * dim + j] + Float(spread * normal())) }
                labels.append(Int32(c))
                index.append(Int64(i))
            }
            try writer.append(split: split, features: features, labels: labels, sampleIndex: index)
        }
        try writer.finish()
    }
}
