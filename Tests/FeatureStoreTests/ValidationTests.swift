import Foundation
import FeatureStore
import HDF5
import Testing
import TestSupport

/// Values checked where they are read (attributes, class-list strings, classifier) and stored
/// logits checked against features·Wᵀ + b.
@Suite struct ValidationTests {
    /// Root attribute values a user can write that the format does not allow: each is refused on
    /// opening, naming the file and the attribute.
    @Test(arguments: [
        ("kd_temperature", "np.float64(np.nan)"), ("kd_temperature", "np.float64(np.inf)"), ("kd_temperature", "np.float64(0)"),
        ("kd_temperature", "np.float64(-2)"), ("kd_temperature", "'3'"), ("ls_alpha", "np.float64(np.nan)"),
        ("ls_alpha", "np.float64(1)"), ("ls_alpha", "np.float64(-0.5)"), ("teacher_ls_alpha", "np.float64(-np.inf)"),
        ("format_version", "np.float64(1.5)"), ("format_version", "np.float64(1.0)"), ("format_version", "np.int32(2)"),
        ("format_version", "'1'"), ("seed", "np.int64(-4)"), ("seed", "np.float64(2.5)"), ("epoch", "np.int64(-1)"),
        ("shard_count", "np.int64(0)"), ("model", "np.int64(3)"), ("model", "''"), ("role", "'Student'"),
    ])
    func attributeValuesOutsideTheFormatAreRefused(_ key: String, _ value: String) throws {
        let dir = try temporaryDirectory(prefix: "validation-tests")
        let path = dir + "/a.h5"
        try python(pythonPrelude + "\n" + """
            feats, labels = toy()
            write_dump(sys.argv[1], feats, labels, attrs={"\(key)": \(value)})
            """, arguments: [path])
        let error = #expect(throws: StoreError.self) { try Dump.open(path) }
        #expect(error?.file == path)
        #expect(error?.object == "attribute \(key)", "\(String(describing: error))")
        #expect(error?.description.contains("\n") == false)
    }

    /// The same values accepted: an integer format_version of any width, α in [0, 1), T > 0.
    @Test func attributeValuesInsideTheFormatAreRead() throws {
        let dir = try temporaryDirectory(prefix: "validation-tests")
        let path = dir + "/a.h5"
        try python(pythonPrelude + "\n" + """
            feats, labels = toy()
            write_dump(sys.argv[1], feats, labels, attrs={"format_version": np.int8(1), "ls_alpha": np.float32(0.0),
                       "role": "student", "teacher_model": "resnet50", "teacher_ls_alpha": np.float64(0.999),
                       "kd_temperature": np.int64(64), "seed": np.uint64(2**63 - 1), "epoch": np.int16(0)})
            """, arguments: [path])
        let dump = try Dump.open(path)
        #expect(dump.attributes.formatVersion == 1 && dump.attributes.lsAlpha == 0)
        #expect(dump.attributes.teacherLSAlpha == 0.999 && dump.attributes.kdTemperature == 64)
        #expect(dump.attributes.seed == Int64.max && dump.attributes.epoch == 0)
    }

    /// FeatureWriter refuses the values every reader would refuse, before it creates the file.
    @Test func writerRefusesWhatReadersRefuse() throws {
        let path = try temporaryDirectory(prefix: "validation-tests") + "/w.h5"
        for edit: (inout DumpAttributes) -> Void in [{ $0.kdTemperature = 0 }, { $0.kdTemperature = .nan }, { $0.lsAlpha = 1 },
                                                     { $0.teacherLSAlpha = -0.5 }, { $0.seed = -1 }, { $0.model = " " },
                                                     { $0.shardRank = 2; $0.shardCount = 2 }] {
            var attributes = toyAttributes
            edit(&attributes)
            #expect(throws: StoreError.self) {
                try FeatureWriter(path: path, attributes: attributes, classes: ClassList(wnids: ["n1", "n2"]),
                                  weight: [1, 0, 0, 1], bias: [0, 0])
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    /// wnids and names normalised by one rule whatever the storage: variable-length, fixed-length
    /// NUL-padded, NUL-terminated and space-padded strings, ASCII or UTF-8, read the same.
    @Test func stringsReadTheSameInEveryStorage() throws {
        let dir = try temporaryDirectory(prefix: "validation-tests")
        let path = dir + "/s.h5"
        try python("""
            def fixed(f, name, values, size, pad, cset=h5py.h5t.CSET_ASCII):
                t = h5py.h5t.C_S1.copy(); t.set_size(size); t.set_strpad(pad); t.set_cset(cset)
                ds = h5py.h5d.create(f.id, name.encode(), t, h5py.h5s.create_simple((len(values),)))
                raw = [v.encode() for v in values]
                raw = [r.ljust(size, b" " if pad == h5py.h5t.STR_SPACEPAD else b"\\0") for r in raw]
                ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(raw, dtype=f"S{size}"), mtype=t)
            values = ["n01440764 ", " tench", "caf\\u00e9"]
            with h5py.File(sys.argv[1], "w") as f:
                f.create_dataset("vlen", data=np.array(values, dtype=object), dtype=h5py.string_dtype())
                fixed(f, "nullpad", values, 16, h5py.h5t.STR_NULLPAD, h5py.h5t.CSET_UTF8)
                fixed(f, "nullterm", values, 16, h5py.h5t.STR_NULLTERM, h5py.h5t.CSET_UTF8)
                fixed(f, "spacepad", values, 16, h5py.h5t.STR_SPACEPAD, h5py.h5t.CSET_UTF8)
            """, arguments: [path])
        let file = try File(path: path)
        for name in ["vlen", "nullpad", "nullterm", "spacepad"] {
            #expect(try file.root.dataset(name).readStrings() == ["n01440764", "tench", "café"], "\(name)")
        }
    }

    @Test func classListsFromFilesAreCheckedNotTrapped() throws {
        #expect(throws: StoreError.self) { try ClassList(file: "f.h5", wnids: nil, names: nil) }
        #expect(throws: StoreError.self) { try ClassList(file: "f.h5", wnids: ["a", "b"], names: ["a"]) }
        #expect(throws: StoreError.self) { try ClassList(file: "f.h5", wnids: ["a", ""], names: nil) }
        #expect(throws: StoreError.self) { try ClassList(file: "f.h5", wnids: [], names: nil) }
        #expect(throws: StoreError.self) { try ClassList(file: "f.h5", wnids: nil, names: ["a", ""]) }
        let e = #expect(throws: StoreError.self) { try ClassList(file: "f.h5", wnids: ["a", "b", "a"], names: nil) }
        #expect(e?.description == "f.h5: /classes/wnid: a appears twice (classes 0 and 2); each class needs its own wnid")
        #expect(try ClassList(file: "f.h5", wnids: nil, names: ["x", "x"]).count == 2)  // names may repeat (ImageNet's two cranes)
    }

    /// A NaN in the classifier: the dump opens, `validate()` counts it, `classifier()` refuses.
    @Test func nonFiniteClassifierIsCountedAndRefused() throws {
        let dir = try temporaryDirectory(prefix: "validation-tests")
        let path = dir + "/w.h5"
        try python(pythonPrelude + "\n" + """
            feats, labels = toy()
            def nan(f):
                w = f["classifier/weight"][()]; w[1, 2] = np.nan; w[0, 0] = np.inf
                f["classifier/weight"][...] = w
            write_dump(sys.argv[1], feats, labels, extra=nan)
            """, arguments: [path])
        let dump = try Dump.open(path)
        let report = dump.validate()
        #expect(report.weightNonFinite == 2 && report.biasNonFinite == 0 && !report.isValid)
        #expect(report.messages.first == "\(path): /classifier/weight: 2 NaN/Inf value(s); the classifier is unusable (templates, projections)")
        let error = #expect(throws: StoreError.self) { try dump.classifier() }
        #expect(error?.object == "/classifier/weight" && error?.message.contains("first at class 0, column 0") == true)
    }

    /// Writes a dump of `features` (rows × dim) whose logits are `logitFeatures`·Wᵀ + b computed in
    /// Float, as a model computes them, and returns its validation report for the train split.
    func report(features: [Float], logitFeatures: [Float], rows: Int, dim: Int, classes: Int,
                type: FeatureWriter.Options.FeatureType) throws -> ValidationReport {
        var g = SplitMix(seed: 11)
        let weight = gaussian(classes * dim, &g).map { $0 / Float(dim).squareRoot() }
        let bias = gaussian(classes, &g).map { $0 * 0.1 }
        var logits = [Float](repeating: 0, count: rows * classes)
        for r in 0..<rows {
            for k in 0..<classes {
                var z: Float = bias[k]
                for i in 0..<dim { z += logitFeatures[r * dim + i] * weight[k * dim + i] }
                logits[r * classes + k] = z
            }
        }
        let path = try temporaryDirectory(prefix: "validation-tests") + "/l.h5"
        let writer = try FeatureWriter(path: path, attributes: toyAttributes,
                                       classes: ClassList(wnids: (0..<classes).map { String(format: "n%08d", $0) }),
                                       weight: weight, bias: bias, options: .init(featureType: type, chunkRows: 64))
        try writer.append(split: "train", features: features, labels: (0..<rows).map { Int32($0 % classes) }, logits: logits)
        try writer.finish()
        return try Dump.open(path).validate()
    }

    /// Penultimate features after a ReLU (non-negative, as a ResNet's pooled output).
    func features(rows: Int, dim: Int) -> [Float] {
        var g = SplitMix(seed: 5)
        return gaussian(rows * dim, &g).map { max(0, $0 * 2 + 0.5) }
    }

    @Test(arguments: [FeatureWriter.Options.FeatureType.float32, .float16])
    func correctFeaturesPassTheLogitCheck(_ type: FeatureWriter.Options.FeatureType) throws {
        let (rows, dim, classes) = (300, 512, 20)
        let x = features(rows: rows, dim: dim)
        let report = try report(features: x, logitFeatures: x, rows: rows, dim: dim, classes: classes, type: type)
        let train = try #require(report.splits["train"])
        #expect(report.isValid, "\(report.messages)")
        #expect(train.logitRowsChecked == rows && train.logitRowsBeyond == 0)
        // float16 rounding of the stored features uses part of the tolerance; float32 almost none.
        let ratio = try #require(train.worstLogit?.ratio)
        #expect(ratio < (type == .float16 ? 0.7 : 0.05), "worst logit uses \(ratio) of its tolerance")
    }

    @Test(arguments: ["before-relu", "shifted", "layernorm"])
    func featuresThatAreNotTheClassifierInputAreRefused(_ how: String) throws {
        let (rows, dim, classes) = (200, 256, 10)
        var g = SplitMix(seed: 9)
        let preReLU = gaussian(rows * dim, &g)
        let (stored, input): ([Float], [Float])
        switch how {
        case "before-relu": (stored, input) = (preReLU, preReLU.map { max(0, $0) })
        case "shifted":
            let x = preReLU.map { max(0, $0) }
            (stored, input) = (x.map { $0 + 0.01 }, x)
        default:
            // A final LayerNorm after the stored features (torchvision ConvNeXt's classifier).
            var normed = preReLU
            for r in 0..<rows {
                let row = preReLU[(r * dim)..<((r + 1) * dim)]
                let mean = row.reduce(0, +) / Float(dim)
                let sd = (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(dim) + 1e-6).squareRoot()
                for i in 0..<dim { normed[r * dim + i] = (preReLU[r * dim + i] - mean) / sd }
            }
            (stored, input) = (preReLU.map { $0 * 3 + 1 }, normed)
        }
        let report = try report(features: stored, logitFeatures: input, rows: rows, dim: dim, classes: classes, type: .float32)
        #expect(!report.isValid && report.problems.isEmpty)
        let train = try #require(report.splits["train"])
        #expect(train.logitRowsBeyond > 0)
        let message = try #require(report.messages.first { $0.contains("/splits/train/logits") })
        #expect(message.contains("the features are not the classifier's input") && message.contains("row "))
    }
}

/// A small deterministic generator for test data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
