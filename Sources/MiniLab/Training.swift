#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Analysis

/// Inputs with one class label per row.
public struct LabeledData: Sendable {
    /// `count × dim` inputs.
    public var inputs: Matrix
    /// Class index of each row.
    public var labels: [Int32]
    /// Number of rows.
    public var count: Int { labels.count }

    /// Pairs inputs with labels (one label per input row).
    public init(inputs: Matrix, labels: [Int32]) {
        precondition(inputs.rows == labels.count, "LabeledData: \(inputs.rows) rows, \(labels.count) labels")
        self.inputs = inputs
        self.labels = labels
    }
}

/// Mini-batch SGD settings (PyTorch conventions: `v ← μ·v + g + λ·w`, `w ← w − η·v`, weight decay
/// on weights and biases alike), with a cosine learning-rate schedule from `learningRate` to 0.
public struct TrainingConfig: Codable, Sendable, Equatable {
    /// Passes over the training set.
    public var epochs: Int
    /// Rows per mini-batch (the last, smaller batch of an epoch is kept).
    public var batchSize: Int
    /// Initial learning rate.
    public var learningRate: Double
    /// Momentum μ.
    public var momentum: Double
    /// L2 weight decay λ.
    public var weightDecay: Double

    /// Creates a configuration; defaults are the ones the experiment uses for teachers.
    public init(epochs: Int = 15, batchSize: Int = 128, learningRate: Double = 0.05,
                momentum: Double = 0.9, weightDecay: Double = 5e-4) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// Cosine-annealed learning rate at `step` of `totalSteps`.
    public func learningRate(step: Int, totalSteps: Int) -> Double {
        learningRate * 0.5 * (1 + cos(Double.pi * Double(step) / Double(max(totalSteps, 1))))
    }
}

/// What a network is trained to minimise.
public enum Objective: Sendable {
    /// Cross-entropy with label smoothing α (0 = plain cross-entropy).
    case crossEntropy(smoothing: Double)
    /// The paper's KD loss at temperature T against precomputed teacher logits (one row per
    /// training row, same order).
    case distillation(teacherLogits: Matrix, temperature: Double)
}

/// One epoch's summary, for progress displays.
public struct EpochReport: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Number of epochs in the run.
    public var epochs: Int
    /// Mean training loss over the epoch's batches (weighted by batch size).
    public var loss: Double
    /// Top-1 accuracy on the training batches as they were seen (fraction).
    public var accuracy: Double
}

/// Trains `network` in place with mini-batch SGD; batch order comes from `rng`.
public func train(
    _ network: inout MLP, on data: LabeledData, objective: Objective, config: TrainingConfig,
    using rng: inout Xoshiro256StarStar, progress: (EpochReport) -> Void = { _ in }
) {
    precondition(data.inputs.cols == network.inputDim, "train: inputs have \(data.inputs.cols) columns, network expects \(network.inputDim)")
    if case .distillation(let teacher, _) = objective {
        precondition(teacher.rows == data.count && teacher.cols == network.classCount,
                     "train: teacher logits are \(teacher.rows)×\(teacher.cols), expected \(data.count)×\(network.classCount)")
    }
    let classes = network.classCount
    let batchesPerEpoch = (data.count + config.batchSize - 1) / config.batchSize
    let totalSteps = batchesPerEpoch * config.epochs
    var velocity = network.layers.map {
        Linear(inputs: $0.inputs, outputs: $0.outputs,
               weight: [Float](repeating: 0, count: $0.weight.count),
               bias: [Float](repeating: 0, count: $0.bias.count))
    }
    let mu = Float(config.momentum), decay = Float(config.weightDecay)
    var order = Array(0..<data.count)
    var step = 0
    for epoch in 1...max(config.epochs, 1) where config.epochs > 0 {
        order.shuffle(using: &rng)
        var lossSum = 0.0, correct = 0
        for start in stride(from: 0, to: data.count, by: config.batchSize) {
            let batch = order[start..<min(start + config.batchSize, data.count)]
            let x = data.inputs.gatherRows(batch)
            let labels = batch.map { data.labels[$0] }
            let activations = network.forwardActivations(x)
            let logits = activations[activations.count - 1]
            let value: LossValue<Float>
            switch objective {
            case .crossEntropy(let alpha):
                value = Loss.labelSmoothedCrossEntropy(logits: logits.values, labels: labels,
                                                       classes: classes, smoothing: alpha)
            case .distillation(let teacher, let temperature):
                value = Loss.distillation(student: logits.values, teacher: teacher.gatherRows(batch).values,
                                          classes: classes, temperature: temperature)
            }
            lossSum += value.loss * Double(batch.count)
            correct += countCorrect(logits: logits, labels: labels)
            let grads = network.gradients(
                activations: activations,
                logitGradient: Matrix(rows: batch.count, cols: classes, values: value.gradient))
            let lr = Float(config.learningRate(step: step, totalSteps: totalSteps))
            for l in network.layers.indices {
                sgdUpdate(&network.layers[l].weight, &velocity[l].weight, grads[l].weight, lr, mu, decay)
                sgdUpdate(&network.layers[l].bias, &velocity[l].bias, grads[l].bias, lr, mu, decay)
            }
            step += 1
        }
        progress(EpochReport(epoch: epoch, epochs: config.epochs, loss: lossSum / Double(data.count),
                             accuracy: Double(correct) / Double(data.count)))
    }
}

/// Number of rows whose arg-max logit is the label (ties go to the lower index).
public func countCorrect(logits: Matrix, labels: [Int32]) -> Int {
    var correct = 0
    for r in 0..<logits.rows {
        var best = 0
        for c in 1..<logits.cols where logits[r, c] > logits[r, best] { best = c }
        if best == Int(labels[r]) { correct += 1 }
    }
    return correct
}

@inline(__always)
private func sgdUpdate(_ w: inout [Float], _ v: inout [Float], _ g: [Float], _ lr: Float, _ mu: Float, _ decay: Float) {
    w.withUnsafeMutableBufferPointer { wp in
        v.withUnsafeMutableBufferPointer { vp in
            g.withUnsafeBufferPointer { gp in
                for j in wp.indices {
                    vp[j] = mu * vp[j] + gp[j] + decay * wp[j]
                    wp[j] -= lr * vp[j]
                }
            }
        }
    }
}
