import Foundation
import FeatureStore
import MiniLab
import Taxonomy
import ToolSupport

/// Writing a MiniLab experiment as feature dumps (format v1), one file per trained model.
///
/// The training itself is `MiniLab.runExperiment`; this file only decides which rows are kept,
/// how they are stored, and what each dump's attributes say.
public enum MiniLabDumps {
    /// How the dumps are stored.
    public struct Options: Sendable, Equatable {
        /// Stored type of the features (logits and classifier are always float32).
        public var featureType: FeatureWriter.Options.FeatureType
        /// gzip level (with shuffle), or nil for no compression.
        public var gzipLevel: Int?
        /// Keep only the first this many training rows of each class (nil: all).
        public var trainRowsPerClass: Int?
        /// Keep only the first this many validation rows of each class (nil: all).
        public var valRowsPerClass: Int?
        /// Whether the train split stores logits too (val always does).
        public var trainLogits: Bool
        /// The `dataset` attribute.
        public var dataset: String

        /// Storage options; the defaults keep every row in float32 without compression.
        public init(featureType: FeatureWriter.Options.FeatureType = .float32, gzipLevel: Int? = nil,
                    trainRowsPerClass: Int? = nil, valRowsPerClass: Int? = nil, trainLogits: Bool = true,
                    dataset: String = MiniLabClassSet.wordNet40Dataset) {
            self.featureType = featureType
            self.gzipLevel = gzipLevel
            self.trainRowsPerClass = trainRowsPerClass
            self.valRowsPerClass = valRowsPerClass
            self.trainLogits = trainLogits
            self.dataset = dataset
        }

        /// The committed-fixture form: float16 features, gzip 9 + shuffle, the first 60 training
        /// and 40 validation rows of each class, logits for val only. Float32 logits barely
        /// compress, so they are what bounds the size: this keeps the ten dumps near 6 MB while
        /// centroids (η) rest on 60/40 rows a class and accuracy on 1600 val rows.
        public static func fixture(dataset: String = MiniLabClassSet.wordNet40Dataset) -> Options {
            Options(featureType: .float16, gzipLevel: 9, trainRowsPerClass: 60, valRowsPerClass: 40, trainLogits: false,
                    dataset: dataset)
        }
    }

    /// The file name of `model`'s dump, e.g. `teacher-ls0.1.h5`, `student-ls0.1-T64.h5`
    /// (α always with one decimal, so the names sort and read alike).
    public static func fileName(for model: TrainedModel) -> String {
        func alpha(_ a: Double) -> String { String(a) }  // 0.0, 0.1, 0.25
        func temperature(_ t: Double) -> String { t == t.rounded() && abs(t) < 1e9 ? String(Int(t)) : String(t) }
        switch model.role {
        case .teacher:
            return "teacher-ls\(alpha(model.lsAlpha)).h5"
        case .student:
            return "student-ls\(alpha(model.teacherLSAlpha ?? 0))-T\(temperature(model.kdTemperature ?? 0)).h5"
        }
    }

    /// The root attributes of `model`'s dump. `config_json` holds the whole experiment
    /// configuration (data included), the model's own record and the storage options, so a dump
    /// says how to regenerate it.
    public static func attributes(for model: TrainedModel, config: ExperimentConfig, options: Options) -> DumpAttributes {
        DumpAttributes(
            model: model.name, role: model.role == .teacher ? .teacher : .student, dataset: options.dataset,
            lsAlpha: model.lsAlpha, teacherModel: model.teacherName, teacherLSAlpha: model.teacherLSAlpha,
            kdTemperature: model.kdTemperature, seed: Int64(truncatingIfNeeded: config.seed),
            epoch: Int64(model.epochs), configJSON: configJSON(model: model, config: config, options: options),
            writer: FeatureWriter.writerName)
    }

    /// Writes one dump per model of `result` into `directory` (created if missing), each
    /// atomically (temporary file, then rename). Returns the paths written, in model order.
    /// `classNames` (label order) are stored next to the wnids when given.
    @discardableResult
    public static func write(_ result: ExperimentResult, config: ExperimentConfig, classNames: [String]? = nil,
                             to directory: String, options: Options = Options()) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let classes = ClassList(wnids: result.data.tree.classes, names: classNames)
        var written: [String] = []
        for model in result.models {
            let path = (directory as NSString).appendingPathComponent(fileName(for: model))
            try AtomicOutput.write(to: path) { temporary in
                try write(model, data: result.data, classes: classes, config: config, options: options, path: temporary)
            }
            written.append(path)
        }
        return written
    }

    /// Writes `model`'s dump to `path` directly (not atomic; see ``write(_:config:classNames:to:options:)``).
    public static func write(_ model: TrainedModel, data: HierarchicalData, classes: ClassList,
                             config: ExperimentConfig, options: Options, path: String) throws {
        let writer = try FeatureWriter(
            path: path, attributes: attributes(for: model, config: config, options: options), classes: classes,
            weight: model.classifierWeight, bias: model.classifierBias,
            options: .init(featureType: options.featureType, gzipLevel: options.gzipLevel))
        let classCount = data.tree.count
        for (name, split, perClass, keep) in [
            ("train", data.train, config.data.trainPerClass, options.trainRowsPerClass),
            ("val", data.val, config.data.valPerClass, options.valRowsPerClass),
        ] where split.count > 0 {
            // Rows are grouped by class in label order, perClass rows each.
            let kept = min(keep ?? perClass, perClass)
            let rows = (0..<classCount).flatMap { k in (k * perClass)..<(k * perClass + kept) }
            let (features, logits) = model.evaluate(split.inputs.gatherRows(rows))
            try writer.append(split: name, features: features.values, labels: rows.map { split.labels[$0] },
                              sampleIndex: rows.map { Int64($0) },
                              logits: name == "train" && !options.trainLogits ? nil : logits.values)
        }
        try writer.finish()
    }

    private static func configJSON(model: TrainedModel, config: ExperimentConfig, options: Options) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Plain numbers and strings: encoding cannot fail.
        let experiment = String(decoding: try! encoder.encode(config), as: UTF8.self)
        func number(_ n: Int?) -> String { n.map(String.init) ?? "null" }
        let storage = "{\"feature_type\":\"\(options.featureType.rawValue)\",\"gzip_level\":\(number(options.gzipLevel)),"
            + "\"train_rows_per_class\":\(number(options.trainRowsPerClass)),\"val_rows_per_class\":\(number(options.valRowsPerClass)),\"train_logits\":\(options.trainLogits)}"
        return "{\"experiment\":\(experiment),\"model\":\(model.configJSON),\"storage\":\(storage)}"
    }
}
