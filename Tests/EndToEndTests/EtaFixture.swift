import Foundation
import Penultimate

/// The dumps the eta end-to-end tests run the tool on.
enum EtaFixture {
    /// The ten preset classes, miniature poodle and submarine.
    static let wnids = SetPreset.retrieverWnids + SetPreset.snakeWnids + ["n02113712", "n04347754"]

    /// Writes a small student dump (`splits`, by default train and val; 12 classes, dim 4) at
    /// `temperature`, whose families draw together as T grows. `nanRows` train rows get a NaN.
    @discardableResult
    static func writeDump(_ path: String, temperature: Double, seed: UInt64, nanRows: Int = 0,
                          splits: [String] = ["train", "val"]) throws -> String {
        let dim = 4, classes = wnids.count
        var structure = Xoshiro256StarStar(seed: 11)
        var noise = Xoshiro256StarStar(seed: seed)
        func normal(_ g: inout Xoshiro256StarStar) -> Double {
            let u = (Double(g.next() >> 11) + 0.5) / 9_007_199_254_740_992
            let v = Double(g.next() >> 11) / 9_007_199_254_740_992
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        var means = (0..<(classes * dim)).map { _ in normal(&structure) * 4 }
        for family in [0..<5, 5..<10] {
            for j in 0..<dim {
                let center = family.map { means[$0 * dim + j] }.reduce(0, +) / 5
                for k in family { means[k * dim + j] += (center - means[k * dim + j]) * (1 - 1 / temperature) * 0.5 }
            }
        }
        var attributes = DumpAttributes(model: "resnet18", role: .student, dataset: "toy", lsAlpha: 0)
        attributes.teacherModel = "resnet50"
        attributes.teacherLSAlpha = 0.1
        attributes.kdTemperature = temperature
        let writer = try FeatureWriter(path: path, attributes: attributes, classes: ClassList(wnids: wnids),
                                       weight: [Float](repeating: 0, count: classes * dim),
                                       bias: [Float](repeating: 0, count: classes))
        for split in splits {
            var features: [Float] = [], labels: [Int32] = []
            for _ in 0..<6 {
                for k in 0..<classes {
                    features += (0..<dim).map { Float(means[k * dim + $0] + normal(&noise)) }
                    labels.append(Int32(k))
                }
            }
            if split == "train" { for i in 0..<nanRows { features[i * 5 * dim] = .infinity } }
            // Sample i is row i in every student: the same images, so --paired can match them.
            try writer.append(split: split, features: features, labels: labels,
                              sampleIndex: (0..<Int64(labels.count)).map { $0 })
        }
        try writer.finish()
        return path
    }
}
