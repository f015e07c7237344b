import Analysis

/// A fully connected layer in PyTorch's `nn.Linear` layout: `y = x · Wᵀ + b`.
public struct Linear: Sendable, Equatable {
    /// Input width.
    public let inputs: Int
    /// Output width.
    public let outputs: Int
    /// `outputs × inputs`, row-major: row k holds output k's weights.
    public var weight: [Float]
    /// `outputs` biases.
    public var bias: [Float]

    /// A layer with the given values (`weight.count == outputs * inputs`).
    public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
        precondition(weight.count == inputs * outputs && bias.count == outputs,
                     "Linear: \(weight.count) weights, \(bias.count) biases for \(inputs)→\(outputs)")
        self.inputs = inputs
        self.outputs = outputs
        self.weight = weight
        self.bias = bias
    }

    /// Gaussian initialisation with variance `gain / inputs` and zero bias
    /// (gain 2 is He initialisation for a layer followed by ReLU).
    public init(inputs: Int, outputs: Int, gain: Double, using rng: inout Xoshiro256StarStar) {
        let std = (gain / Double(inputs)).squareRoot()
        let weight = (0..<(inputs * outputs)).map { _ in Float(rng.gaussian() * std) }
        self.init(inputs: inputs, outputs: outputs, weight: weight,
                  bias: [Float](repeating: 0, count: outputs))
    }

    /// `x · Wᵀ + b` for a batch `x` (`rows × inputs`).
    public func apply(_ x: Matrix) -> Matrix {
        precondition(x.cols == inputs, "Linear: input has \(x.cols) columns, layer expects \(inputs)")
        var y = Matrix(rows: x.rows, cols: outputs)
        for r in 0..<x.rows { for c in 0..<outputs { y.values[r * outputs + c] = bias[c] } }
        x.values.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                y.values.withUnsafeMutableBufferPointer { yp in
                    gemm(xp.baseAddress!, transposeA: false, wp.baseAddress!, transposeB: true,
                         yp.baseAddress!, m: x.rows, n: outputs, k: inputs, beta: 1)
                }
            }
        }
        return y
    }
}

/// A multilayer perceptron: hidden `Linear` layers each followed by ReLU, then a linear classifier.
///
/// The *penultimate* representation is the input of the classifier: the post-ReLU output of the
/// last hidden layer, the analogue of a ResNet's global-average-pool output.
public struct MLP: Sendable, Equatable {
    /// All layers in order; the last one is the classifier.
    public var layers: [Linear]

    /// A network with layer widths `sizes` (input, hidden…, classes), He-initialised hidden layers
    /// and a classifier initialised with variance `1 / inputs`.
    public init(sizes: [Int], using rng: inout Xoshiro256StarStar) {
        precondition(sizes.count >= 3, "MLP: need input, at least one hidden layer, and classes")
        var layers: [Linear] = []
        for i in 0..<(sizes.count - 1) {
            let isClassifier = i == sizes.count - 2
            layers.append(Linear(inputs: sizes[i], outputs: sizes[i + 1],
                                 gain: isClassifier ? 1 : 2, using: &rng))
        }
        self.layers = layers
    }

    /// Wraps existing layers (the last is the classifier).
    public init(layers: [Linear]) {
        precondition(layers.count >= 2, "MLP: need a hidden layer and a classifier")
        self.layers = layers
    }

    /// The final linear layer; its weight rows are the class templates.
    public var classifier: Linear { layers[layers.count - 1] }
    /// Width of the penultimate representation.
    public var penultimateDim: Int { classifier.inputs }
    /// Number of classes.
    public var classCount: Int { classifier.outputs }
    /// Input width.
    public var inputDim: Int { layers[0].inputs }
    /// Layer widths, input first.
    public var sizes: [Int] { [inputDim] + layers.map(\.outputs) }

    /// Penultimate features and logits for a batch of inputs.
    public func forward(_ x: Matrix) -> (penultimate: Matrix, logits: Matrix) {
        let activations = forwardActivations(x)
        return (activations[activations.count - 2], activations[activations.count - 1])
    }

    /// Every layer's output: `[input, relu(h1), …, penultimate, logits]`.
    public func forwardActivations(_ x: Matrix) -> [Matrix] {
        var activations = [x]
        for (i, layer) in layers.enumerated() {
            var y = layer.apply(activations[i])
            if i < layers.count - 1 {
                y.values.withUnsafeMutableBufferPointer { p in
                    for j in p.indices where p[j] < 0 { p[j] = 0 }
                }
            }
            activations.append(y)
        }
        return activations
    }

    /// Gradients of a loss with respect to every layer's weight and bias, by backpropagation
    /// from `∂loss/∂logits`. `activations` must come from `forwardActivations` of the same batch.
    public func gradients(activations: [Matrix], logitGradient: Matrix) -> [Linear] {
        precondition(activations.count == layers.count + 1, "MLP: activations do not match the layers")
        var upstream = logitGradient
        var grads = [Linear?](repeating: nil, count: layers.count)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[i]
            let input = activations[i]
            let rows = input.rows
            var dW = [Float](repeating: 0, count: layer.weight.count)
            var db = [Double](repeating: 0, count: layer.outputs)
            for r in 0..<rows { for c in 0..<layer.outputs { db[c] += Double(upstream.values[r * layer.outputs + c]) } }
            upstream.values.withUnsafeBufferPointer { gp in
                input.values.withUnsafeBufferPointer { xp in
                    dW.withUnsafeMutableBufferPointer { wp in
                        // dW = dYᵀ · X   (outputs × inputs)
                        gemm(gp.baseAddress!, transposeA: true, xp.baseAddress!, transposeB: false,
                             wp.baseAddress!, m: layer.outputs, n: layer.inputs, k: rows)
                    }
                }
            }
            grads[i] = Linear(inputs: layer.inputs, outputs: layer.outputs, weight: dW,
                              bias: db.map { Float($0) })
            guard i > 0 else { break }
            // dX = dY · W, then through the ReLU that produced `input` (gradient 0 where it was 0).
            var dX = Matrix(rows: rows, cols: layer.inputs)
            upstream.values.withUnsafeBufferPointer { gp in
                layer.weight.withUnsafeBufferPointer { wp in
                    dX.values.withUnsafeMutableBufferPointer { xp in
                        gemm(gp.baseAddress!, transposeA: false, wp.baseAddress!, transposeB: false,
                             xp.baseAddress!, m: rows, n: layer.inputs, k: layer.outputs)
                    }
                }
            }
            for j in 0..<dX.values.count where input.values[j] <= 0 { dX.values[j] = 0 }
            upstream = dX
        }
        return grads.map { $0! }
    }
}
