import Foundation
import Testing
import MiniLab

/// The full experiment with a quick η read-out. Opt-in (minutes in a release build):
/// `MINILAB_EXPERIMENT=1 swift test -c release --filter ExperimentHarness`.
@Suite struct ExperimentHarness {
    static var enabled: Bool { ProcessInfo.processInfo.environment["MINILAB_EXPERIMENT"] == "1" }

    @Test(.enabled(if: ExperimentHarness.enabled))
    func fullExperiment() throws {
        let tree = try wordNetTestTree()
        var config = ExperimentConfig()
        let env = ProcessInfo.processInfo.environment
        if let e = env["MINILAB_EPOCHS"].flatMap(Int.init) { config.teacherTraining.epochs = e; config.studentTraining.epochs = e }
        if let v = env["MINILAB_LEAF"].flatMap(Double.init) { config.data.leafScale = v }
        if let v = env["MINILAB_NODE"].flatMap(Double.init) { config.data.nodeScale = v }
        if let v = env["MINILAB_NOISE"].flatMap(Double.init) { config.data.noise = v }
        if let v = env["MINILAB_LR"].flatMap(Double.init) { config.teacherTraining.learningRate = v; config.studentTraining.learningRate = v }
        if let v = env["MINILAB_TRAIN"].flatMap(Int.init) { config.data.trainPerClass = v }
        if let v = env["MINILAB_WD"].flatMap(Double.init) { config.teacherTraining.weightDecay = v; config.studentTraining.weightDecay = v }
        if let v = env["MINILAB_SEED"].flatMap(UInt64.init) { config.seed = v; config.data.seed = v }
        let start = Date()
        var lastLine = Date()
        let result = try runExperiment(tree: tree, config: config) { name, r in
            if r.epoch == r.epochs {
                print(String(format: "%@ epoch %d loss %.4f train-acc %.3f  (%.1fs)", name, r.epoch, r.loss, r.accuracy,
                             Date().timeIntervalSince(lastLine)))
                lastLine = Date()
            }
        }
        print(String(format: "total %.1f s", Date().timeIntervalSince(start)))
        let retrievers = ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849"]
        let snakes = ["n01728572", "n01728920", "n01729322", "n01734418", "n01737021"]
        let r = retrievers.map { tree.classes.firstIndex(of: $0)! }
        let s = snakes.map { tree.classes.firstIndex(of: $0)! }
        for m in result.models {
            print(String(format: "%-22@ train %.4f val %.4f", m.name, m.accuracy(on: result.data.train), m.accuracy(on: result.data.val)))
        }
        for alpha in config.teacherAlphas {
            for split in ["train", "val"] {
                let data = split == "train" ? result.data.train : result.data.val
                let base = result.model(named: ModelName.student(teacherAlpha: alpha, temperature: 1))!
                let c1 = centroids(base, data, tree.count)
                for t in config.temperatures.dropFirst() {
                    let m = result.model(named: ModelName.student(teacherAlpha: alpha, temperature: t))!
                    let c2 = centroids(m, data, tree.count)
                    var line = String(format: "eta α=%.1f T1=1 T2=%-3g %@ ", alpha, t, split)
                    var meanS1 = 0.0, meanS2 = 0.0
                    for (group, others) in [(r, s), (s, r)] {
                        for target in group {
                            let s1 = group.filter { $0 != target }
                            let e1 = eta(c1, c2, target, s1), e2 = eta(c1, c2, target, others)
                            meanS1 += e1; meanS2 += e2
                        }
                    }
                    // Retrievers only (the brief's view), scale-normalised (centroid-scale).
                    var rs1 = 0.0, rs2 = 0.0
                    for target in r {
                        rs1 += eta(c1, c2, target, r.filter { $0 != target }); rs2 += eta(c1, c2, target, s)
                    }
                    var raw1 = 0.0, raw2 = 0.0
                    let u1 = (c: c1.c, scale: 1.0), u2 = (c: c2.c, scale: 1.0)
                    for target in r {
                        raw1 += eta(u1, u2, target, r.filter { $0 != target }); raw2 += eta(u1, u2, target, s)
                    }
                    line += String(format: "retrievers S1 %+.3f S2 %+.3f | all10 S1 %+.3f S2 %+.3f (fraction, centroid-scale) | retrievers raw S1 %+.3f S2 %+.3f",
                                   rs1 / 5, rs2 / 5, meanS1 / 10, meanS2 / 10, raw1 / 5, raw2 / 5)
                    print(line)
                }
            }
        }
    }

    /// Class centroids (Double) and the mean pairwise centroid distance (`centroid-scale`).
    func centroids(_ m: TrainedModel, _ data: LabeledData, _ classes: Int) -> (c: [[Double]], scale: Double) {
        let f = m.evaluate(data.inputs).penultimate
        var sums = [[Double]](repeating: [Double](repeating: 0, count: f.cols), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        for i in 0..<f.rows {
            let k = Int(data.labels[i]); counts[k] += 1
            for j in 0..<f.cols { sums[k][j] += Double(f[i, j]) }
        }
        let c = sums.enumerated().map { k, v in v.map { $0 / Double(counts[k]) } }
        var total = 0.0, pairs = 0
        for a in 0..<classes { for b in (a + 1)..<classes { total += dist(c[a], c[b]); pairs += 1 } }
        return (c, total / Double(pairs))
    }

    func dist(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    func eta(_ c1: (c: [[Double]], scale: Double), _ c2: (c: [[Double]], scale: Double), _ target: Int, _ set: [Int]) -> Double {
        set.map { k in
            let d1 = dist(c1.c[target], c1.c[k]) / c1.scale, d2 = dist(c2.c[target], c2.c[k]) / c2.scale
            return (d2 - d1) / d1
        }.reduce(0, +) / Double(set.count)
    }
}

/// The default class set as a `ClassTree` (real WordNet 3.0 paths).
func wordNetTestTree() throws -> ClassTree {
    try ClassTree(classes: wordNetTestPaths.map(\.wnid),
                  paths: Dictionary(uniqueKeysWithValues: wordNetTestPaths.map { ($0.wnid, $0.paths) }))
}
