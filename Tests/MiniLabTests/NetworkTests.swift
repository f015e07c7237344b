import Analysis
import Testing
import MiniLab

@Suite struct NetworkTests {
    @Test func linearMatchesNaiveProduct() {
        var rng = Xoshiro256StarStar(seed: 3)
        let layer = Linear(inputs: 7, outputs: 5, gain: 2, using: &rng)
        var withBias = layer
        withBias.bias = (0..<5).map { Float($0) * 0.5 - 1 }
        let x = Matrix(rows: 4, cols: 7, values: (0..<28).map { _ in Float(rng.gaussian()) })
        let y = withBias.apply(x)
        for r in 0..<4 {
            for c in 0..<5 {
                var expected = Double(withBias.bias[c])
                for k in 0..<7 { expected += Double(x[r, k]) * Double(withBias.weight[c * 7 + k]) }
                #expect(abs(Double(y[r, c]) - expected) < 1e-5)
            }
        }
    }

    @Test func penultimateIsPostReLUInputOfClassifier() {
        var rng = Xoshiro256StarStar(seed: 4)
        let net = MLP(sizes: [6, 8, 5, 3], using: &rng)
        let x = Matrix(rows: 10, cols: 6, values: (0..<60).map { _ in Float(rng.gaussian()) })
        let (features, logits) = net.forward(x)
        #expect(features.cols == 5 && net.penultimateDim == 5)
        #expect(features.values.allSatisfy { $0 >= 0 })
        #expect(features.values.contains { $0 > 0 })
        #expect(net.classifier.apply(features) == logits)
    }

    @Test func backwardMatchesFiniteDifferences() {
        var rng = Xoshiro256StarStar(seed: 11)
        let net = MLP(sizes: [4, 6, 5, 3], using: &rng)
        var perturbedBiases = net
        for l in perturbedBiases.layers.indices {
            perturbedBiases.layers[l].bias = perturbedBiases.layers[l].bias.map { _ in Float(rng.gaussian() * 0.1) }
        }
        let base = perturbedBiases
        let x = Matrix(rows: 6, cols: 4, values: (0..<24).map { _ in Float(rng.gaussian()) })
        let labels: [Int32] = [0, 1, 2, 0, 1, 2]
        func loss(_ n: MLP) -> Double {
            Loss.labelSmoothedCrossEntropy(logits: n.forward(x).logits.values, labels: labels, classes: 3, smoothing: 0.1).loss
        }
        let activations = base.forwardActivations(x)
        let value = Loss.labelSmoothedCrossEntropy(logits: activations.last!.values, labels: labels, classes: 3, smoothing: 0.1)
        let grads = base.gradients(activations: activations, logitGradient: Matrix(rows: 6, cols: 3, values: value.gradient))
        let h: Float = 4e-3
        var checked = 0
        for l in base.layers.indices {
            for isBias in [false, true] {
                let count = isBias ? base.layers[l].bias.count : base.layers[l].weight.count
                for j in 0..<count {
                    var plus = base, minus = base
                    if isBias {
                        plus.layers[l].bias[j] += h; minus.layers[l].bias[j] -= h
                    } else {
                        plus.layers[l].weight[j] += h; minus.layers[l].weight[j] -= h
                    }
                    let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
                    let analytic = Double(isBias ? grads[l].bias[j] : grads[l].weight[j])
                    #expect(abs(numeric - analytic) <= 2e-4 + 2e-2 * abs(analytic),
                            "layer \(l) \(isBias ? "bias" : "weight") \(j): numeric \(numeric) analytic \(analytic)")
                    checked += 1
                }
            }
        }
        #expect(checked == (4 * 6 + 6) + (6 * 5 + 5) + (5 * 3 + 3))
    }

    @Test func heInitialisationHasTheRightScale() {
        var rng = Xoshiro256StarStar(seed: 5)
        let layer = Linear(inputs: 200, outputs: 300, gain: 2, using: &rng)
        let variance = layer.weight.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(layer.weight.count)
        #expect(abs(variance - 2.0 / 200) < 0.05 * 2.0 / 200)
    }
}
