import Analysis
import Foundation

/// Everything that defines the LS × KD experiment; `Codable` so it can travel with the outputs.
public struct ExperimentConfig: Codable, Sendable, Equatable {
    /// The synthetic data.
    public var data: HierarchicalDataConfig
    /// Teacher hidden widths; the last is the teacher's penultimate width.
    public var teacherHidden: [Int]
    /// Student hidden widths; the last is the student's penultimate width.
    public var studentHidden: [Int]
    /// Teacher optimisation.
    public var teacherTraining: TrainingConfig
    /// Student optimisation.
    public var studentTraining: TrainingConfig
    /// Label-smoothing α of each teacher.
    public var teacherAlphas: [Double]
    /// KD temperatures; every teacher gets one student per temperature.
    public var temperatures: [Double]
    /// Seed of initialisation and batch order (the data has its own, `data.seed`).
    public var seed: UInt64
    /// OpenBLAS threads, fixed for bit-reproducible runs.
    public var blasThreads: Int

    /// Creates a configuration; the defaults are those of the reported experiment.
    public init(data: HierarchicalDataConfig = .init(), teacherHidden: [Int] = [256, 256, 128],
                studentHidden: [Int] = [128, 64],
                teacherTraining: TrainingConfig = .init(epochs: 15, batchSize: 128, learningRate: 0.05),
                studentTraining: TrainingConfig = .init(epochs: 15, batchSize: 128, learningRate: 0.05),
                teacherAlphas: [Double] = [0, 0.1], temperatures: [Double] = [1, 2, 3, 64],
                seed: UInt64 = 0, blasThreads: Int = 1) {
        self.data = data
        self.teacherHidden = teacherHidden
        self.studentHidden = studentHidden
        self.teacherTraining = teacherTraining
        self.studentTraining = studentTraining
        self.teacherAlphas = teacherAlphas
        self.temperatures = temperatures
        self.seed = seed
        self.blasThreads = blasThreads
    }
}

/// Whether a model was trained on labels or distilled.
public enum ModelRole: String, Codable, Sendable {
    /// Trained with (label-smoothed) cross-entropy.
    case teacher
    /// Trained with the KD loss only, from a teacher.
    case student
}

/// A trained network with the provenance a feature dump records.
public struct TrainedModel: Sendable {
    /// Unique name, e.g. `teacher-ls0.1` or `student-ls0.1-T3`.
    public let name: String
    /// Teacher or student.
    public let role: ModelRole
    /// Label smoothing the model itself was trained with (0 for students: KD only).
    public let lsAlpha: Double
    /// The teacher's name (students only).
    public let teacherName: String?
    /// The teacher's label smoothing α (students only).
    public let teacherLSAlpha: Double?
    /// KD temperature (students only).
    public let kdTemperature: Double?
    /// Seed of this model's initialisation and batch order.
    public let seed: UInt64
    /// Epochs trained.
    public let epochs: Int
    /// JSON (sorted keys) of architecture, objective, optimiser and data configuration.
    public let configJSON: String
    /// The trained weights.
    public let network: MLP

    /// Classifier weight, `classes × penultimateDim` row-major (`nn.Linear` layout).
    public var classifierWeight: [Float] { network.classifier.weight }
    /// Classifier bias, one per class.
    public var classifierBias: [Float] { network.classifier.bias }

    /// Penultimate features and logits of `inputs`, computed `batchSize` rows at a time.
    public func evaluate(_ inputs: Matrix, batchSize: Int = 1024) -> (penultimate: Matrix, logits: Matrix) {
        var features = Matrix(rows: 0, cols: network.penultimateDim)
        var logits = Matrix(rows: 0, cols: network.classCount)
        for start in stride(from: 0, to: inputs.rows, by: batchSize) {
            let (f, l) = network.forward(inputs.gatherRows(start..<min(start + batchSize, inputs.rows)))
            features.values += f.values
            features.rows += f.rows
            logits.values += l.values
            logits.rows += l.rows
        }
        return (features, logits)
    }

    /// Top-1 accuracy (fraction) on a labelled split.
    public func accuracy(on data: LabeledData) -> Double {
        Double(countCorrect(logits: evaluate(data.inputs).logits, labels: data.labels)) / Double(max(data.count, 1))
    }
}

/// The data and every trained model of one experiment run.
public struct ExperimentResult: Sendable {
    /// The generated data (train and val splits).
    public let data: HierarchicalData
    /// Teachers first (in `teacherAlphas` order), then each teacher's students by temperature.
    public let models: [TrainedModel]

    /// The model with this name, if any.
    public func model(named name: String) -> TrainedModel? { models.first { $0.name == name } }
}

/// Names used for models, so callers can find them without parsing.
public enum ModelName {
    /// Teacher trained with label smoothing α.
    public static func teacher(alpha: Double) -> String { "teacher-ls\(format(alpha))" }
    /// Student of the α teacher at temperature T.
    public static func student(teacherAlpha: Double, temperature: Double) -> String {
        "student-ls\(format(teacherAlpha))-T\(format(temperature))"
    }
    private static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x)
    }
}

/// Trains the teachers (one per α, same initialisation and batch order) and, from each, one
/// KD-only student per temperature (same initialisation across teachers), on data generated from
/// `tree`. `progress` is called after every epoch with the model's name.
public func runExperiment(
    tree: ClassTree, config: ExperimentConfig,
    progress: (String, EpochReport) -> Void = { _, _ in }
) throws -> ExperimentResult {
    guard !config.teacherAlphas.isEmpty, config.teacherAlphas.allSatisfy({ (0...1).contains($0) }) else {
        throw MiniLabError.badConfig("teacherAlphas must be non-empty and in [0, 1]")
    }
    guard config.temperatures.allSatisfy({ $0 > 0 }) else {
        throw MiniLabError.badConfig("temperatures must be positive")
    }
    guard !config.teacherHidden.isEmpty, !config.studentHidden.isEmpty,
          (config.teacherHidden + config.studentHidden).allSatisfy({ $0 > 0 }) else {
        throw MiniLabError.badConfig("hidden widths must be non-empty lists of positive sizes")
    }
    guard config.teacherTraining.batchSize > 0, config.studentTraining.batchSize > 0 else {
        throw MiniLabError.badConfig("batch sizes must be positive")
    }
    BLAS.setThreadCount(config.blasThreads)
    let data = try HierarchicalData(tree: tree, config: config.data)
    let inputDim = config.data.inputDim, classes = tree.count
    var models: [TrainedModel] = []

    for alpha in config.teacherAlphas {
        let name = ModelName.teacher(alpha: alpha)
        var rng = Xoshiro256StarStar.derived(seed: config.seed, label: "teacher")
        var net = MLP(sizes: [inputDim] + config.teacherHidden + [classes], using: &rng)
        train(&net, on: data.train, objective: .crossEntropy(smoothing: alpha),
              config: config.teacherTraining, using: &rng) { progress(name, $0) }
        let record = ModelRecord(sizes: net.sizes, objective: "cross-entropy", labelSmoothing: alpha,
                                 temperature: nil, teacher: nil, training: config.teacherTraining,
                                 data: config.data, seed: config.seed, blasThreads: config.blasThreads)
        models.append(TrainedModel(name: name, role: .teacher, lsAlpha: alpha, teacherName: nil,
                                   teacherLSAlpha: nil, kdTemperature: nil, seed: config.seed,
                                   epochs: config.teacherTraining.epochs, configJSON: record.json, network: net))
    }
    for teacher in models {
        let teacherLogits = teacher.evaluate(data.train.inputs).logits
        for temperature in config.temperatures {
            let name = ModelName.student(teacherAlpha: teacher.lsAlpha, temperature: temperature)
            // Initialisation and batch order depend on T only, so students of the two teachers
            // at the same T are paired.
            var rng = Xoshiro256StarStar.derived(seed: config.seed, label: "student-T\(temperature)")
            var net = MLP(sizes: [inputDim] + config.studentHidden + [classes], using: &rng)
            train(&net, on: data.train,
                  objective: .distillation(teacherLogits: teacherLogits, temperature: temperature),
                  config: config.studentTraining, using: &rng) { progress(name, $0) }
            let record = ModelRecord(sizes: net.sizes, objective: "kd", labelSmoothing: 0,
                                     temperature: temperature, teacher: teacher.name,
                                     training: config.studentTraining, data: config.data,
                                     seed: config.seed, blasThreads: config.blasThreads)
            models.append(TrainedModel(name: name, role: .student, lsAlpha: 0, teacherName: teacher.name,
                                       teacherLSAlpha: teacher.lsAlpha, kdTemperature: temperature,
                                       seed: config.seed, epochs: config.studentTraining.epochs,
                                       configJSON: record.json, network: net))
        }
    }
    return ExperimentResult(data: data, models: models)
}

/// What `configJSON` holds for one model.
private struct ModelRecord: Encodable {
    var generator = "penultimate MiniLab (synthetic hierarchical data; MLP)"
    var sizes: [Int]
    var objective: String
    var labelSmoothing: Double
    var temperature: Double?
    var teacher: String?
    var training: TrainingConfig
    var data: HierarchicalDataConfig
    var seed: UInt64
    var blasThreads: Int

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain numbers and strings cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
