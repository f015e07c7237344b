#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Analysis

/// Classes and their places in a class hierarchy (e.g. WordNet), as the data generator needs them.
///
/// Each class has one or more root-to-class paths of node ids (WordNet's noun graph is a DAG, so a
/// class can have several). The last node of every path is the class itself.
public struct ClassTree: Sendable, Codable, Equatable {
    /// Class ids (e.g. wnids) in label order: label k is `classes[k]`.
    public let classes: [String]
    /// For each class (same order), its root-to-class paths.
    public let paths: [[[String]]]

    /// Builds a tree from class ids in label order and a map from class id to its paths.
    /// - Throws: `MiniLabError.badClassTree` when a class has no path, or a path does not end at
    ///   its class, or a class id is repeated.
    public init(classes: [String], paths: [String: [[String]]]) throws {
        guard Set(classes).count == classes.count else {
            throw MiniLabError.badClassTree("class list repeats an id")
        }
        var ordered: [[[String]]] = []
        for id in classes {
            guard let p = paths[id], !p.isEmpty else {
                throw MiniLabError.badClassTree("class \(id) has no ancestor path")
            }
            for path in p where path.last != id {
                throw MiniLabError.badClassTree("a path of class \(id) ends at \(path.last ?? "nothing"), not at the class")
            }
            ordered.append(p)
        }
        self.classes = classes
        self.paths = ordered
    }

    /// Number of classes.
    public var count: Int { classes.count }

    /// Every node on any path of class `k`, each once (the class's ancestor set, itself included).
    public func ancestors(of k: Int) -> Set<String> {
        Set(paths[k].joined())
    }
}

/// Errors MiniLab throws for inputs a caller can get wrong.
public enum MiniLabError: Error, CustomStringConvertible, Equatable {
    /// The class tree is malformed; the message says how.
    case badClassTree(String)
    /// A configuration value is out of range; the message names it.
    case badConfig(String)

    /// One line: what is wrong.
    public var description: String {
        switch self {
        case .badClassTree(let m): return "MiniLab: class tree: \(m)"
        case .badConfig(let m): return "MiniLab: configuration: \(m)"
        }
    }
}

/// Parameters of the synthetic hierarchical data (see the *Synthetic data* article).
public struct HierarchicalDataConfig: Codable, Sendable, Equatable {
    /// Dimension of the latent space where class structure is laid out.
    public var latentDim: Int
    /// Dimension of the observed inputs (the random nonlinear lift of the latent point).
    public var inputDim: Int
    /// Norm (in expectation) of each internal node's offset vector.
    public var nodeScale: Double
    /// Norm (in expectation) of each class's own (leaf) offset: small → siblings confusable.
    public var leafScale: Double
    /// Norm (in expectation) of the per-sample latent noise.
    public var noise: Double
    /// Standard deviation of the pre-tanh lift per input unit (larger → more nonlinear).
    public var liftGain: Double
    /// Per-coordinate standard deviation of noise added after the lift.
    public var inputNoise: Double
    /// Training samples per class.
    public var trainPerClass: Int
    /// Validation samples per class.
    public var valPerClass: Int
    /// Seed of node vectors, lift and samples.
    public var seed: UInt64

    /// Creates a configuration; the defaults are those of the reported experiment.
    public init(latentDim: Int = 32, inputDim: Int = 96, nodeScale: Double = 0.3,
                leafScale: Double = 0.35, noise: Double = 1.0, liftGain: Double = 1.5,
                inputNoise: Double = 0.05, trainPerClass: Int = 1000, valPerClass: Int = 100,
                seed: UInt64 = 1) {
        self.latentDim = latentDim
        self.inputDim = inputDim
        self.nodeScale = nodeScale
        self.leafScale = leafScale
        self.noise = noise
        self.liftGain = liftGain
        self.inputNoise = inputNoise
        self.trainPerClass = trainPerClass
        self.valPerClass = valPerClass
        self.seed = seed
    }

    func validate() throws {
        guard latentDim > 0, inputDim > 0 else { throw MiniLabError.badConfig("latentDim and inputDim must be positive") }
        guard trainPerClass > 0, valPerClass >= 0 else { throw MiniLabError.badConfig("trainPerClass must be positive, valPerClass non-negative") }
        guard nodeScale >= 0, leafScale >= 0, noise >= 0, liftGain > 0, inputNoise >= 0 else {
            throw MiniLabError.badConfig("scales and noise must be non-negative, liftGain positive")
        }
    }
}

/// A simulated data set whose class geometry follows a class hierarchy: a simulation of the *data*,
/// not of any training outcome.
///
/// Latent class mean = sum of one random vector per node in the class's ancestor set (internal
/// nodes `nodeScale`, the class's own node `leafScale`), so two classes differ by the nodes they do
/// not share: siblings only by their small leaf vectors, distant classes by many. A sample is its
/// class mean plus isotropic Gaussian noise, lifted to the input space by `tanh(A·z)` with a fixed
/// random `A`, plus a little input noise. Rows are grouped by class, in label order.
public struct HierarchicalData: Sendable {
    /// The classes and their paths.
    public let tree: ClassTree
    /// The parameters used.
    public let config: HierarchicalDataConfig
    /// Training split.
    public let train: LabeledData
    /// Validation split.
    public let val: LabeledData
    /// Latent class means (`classes × latentDim`, centred on their average), for inspection.
    public let latentMeans: Matrix

    /// Generates both splits deterministically from `config.seed`.
    public init(tree: ClassTree, config: HierarchicalDataConfig) throws {
        try config.validate()
        guard tree.count >= 2 else { throw MiniLabError.badClassTree("need at least two classes") }
        self.tree = tree
        self.config = config
        let L = config.latentDim, D = config.inputDim, C = tree.count
        let classIDs = Set(tree.classes)

        // Node vectors: drawn in sorted node order, so the same node gets the same vector
        // whatever the class order.
        let allNodes = Set(tree.paths.joined().joined()).sorted()
        var nodeRNG = Xoshiro256StarStar.derived(seed: config.seed, label: "nodes")
        var nodeVector: [String: [Double]] = [:]
        for node in allNodes {
            let scale = classIDs.contains(node) ? config.leafScale : config.nodeScale
            let std = scale / Double(L).squareRoot()
            nodeVector[node] = (0..<L).map { _ in nodeRNG.gaussian() * std }
        }
        var means = [Double](repeating: 0, count: C * L)
        for k in 0..<C {
            for node in tree.ancestors(of: k) {
                let v = nodeVector[node]!
                for j in 0..<L { means[k * L + j] += v[j] }
            }
        }
        // Centre the means: the nodes every class shares are a common offset that carries no
        // class information and would only push the tanh into saturation.
        var meanSquaredNorm = 0.0
        for j in 0..<L {
            var s = 0.0
            for k in 0..<C { s += means[k * L + j] }
            for k in 0..<C { means[k * L + j] -= s / Double(C) }
        }
        for v in means { meanSquaredNorm += v * v }
        meanSquaredNorm /= Double(C)
        self.latentMeans = Matrix(rows: C, cols: L, values: means.map { Float($0) })

        // The lift: pre-activations A·z with per-unit std ≈ liftGain for a typical sample.
        let typicalNorm = (meanSquaredNorm + config.noise * config.noise).squareRoot()
        var liftRNG = Xoshiro256StarStar.derived(seed: config.seed, label: "lift")
        let aStd = config.liftGain / max(typicalNorm, 1e-12)
        let lift = (0..<(D * L)).map { _ in liftRNG.gaussian() * aStd }

        func sample(perClass: Int, label: String) -> LabeledData {
            var rng = Xoshiro256StarStar.derived(seed: config.seed, label: label)
            var inputs = [Float](repeating: 0, count: C * perClass * D)
            var labels = [Int32](repeating: 0, count: C * perClass)
            var z = [Double](repeating: 0, count: L)
            let noiseStd = config.noise / Double(L).squareRoot()
            for k in 0..<C {
                for s in 0..<perClass {
                    let row = k * perClass + s
                    labels[row] = Int32(k)
                    for j in 0..<L { z[j] = means[k * L + j] + rng.gaussian() * noiseStd }
                    for i in 0..<D {
                        var pre = 0.0
                        for j in 0..<L { pre += lift[i * L + j] * z[j] }
                        inputs[row * D + i] = Float(tanh(pre) + rng.gaussian() * config.inputNoise)
                    }
                }
            }
            return LabeledData(inputs: Matrix(rows: C * perClass, cols: D, values: inputs), labels: labels)
        }
        self.train = sample(perClass: config.trainPerClass, label: "train")
        self.val = sample(perClass: config.valPerClass, label: "val")
    }
}
