import Foundation
import FeatureStore
import TestSupport

/// Python helpers shared by the scripts: a format-v1 writer with every knob a test needs
/// (TestSupport's `python` has already imported sys, os, numpy as np and h5py).
let pythonPrelude = #"""
V110 = ("earliest", "v110")
def write_dump(path, feats, labels, dtype="f4", compression=None, libver=V110, C=None, D=None,
               sample_index=None, attrs=None, drop=(), extra=None, label_dtype="i8", logits=None):
    N, Dd = feats.shape
    D = D or Dd
    C = C or 3
    with h5py.File(path, "w", libver=libver) as f:
        a = dict(format="penultimate-features", format_version=np.int64(1), model="resnet18", role="teacher",
                 dataset="toy", ls_alpha=0.1, seed=np.int64(7))
        a.update(attrs or {})
        for k, v in a.items():
            if k not in drop: f.attrs[k] = v
        if "wnid" not in drop:
            f.create_dataset("classes/wnid", data=np.array([f"n{i:08d}" for i in range(C)], dtype=h5py.string_dtype()))
        w = np.arange(C * D, dtype="f4").reshape(C, D) / 10
        f["classifier/weight"] = w
        f["classifier/bias"] = np.arange(C, dtype="f4")
        kw = dict(chunks=(min(4, N), Dd)) if compression or N else {}
        if compression == "blosc":
            import hdf5plugin
            kw.update(hdf5plugin.Blosc())
        elif compression:
            kw["compression"] = compression
        f.create_dataset("splits/train/features", data=feats.astype(dtype), **kw)
        if "labels" not in drop:
            f.create_dataset("splits/train/labels", data=np.asarray(labels).astype(label_dtype) if label_dtype != "S" else np.array([str(x).encode() for x in labels]))
        if sample_index is not None:
            f["splits/train/sample_index"] = np.asarray(sample_index, dtype="i8")
        if logits is not None:
            f["splits/train/logits"] = logits.astype("f4")
        if extra: extra(f)
def toy(N=10, D=4, seed=0):
    r = np.random.default_rng(seed)
    return (r.standard_normal((N, D)) * 3).astype("f4"), (np.arange(N) % 3).astype("i8")
"""#

/// Runs `script` after ``pythonPrelude`` with python3 in `directory`; returns stdout or throws with stderr.
@discardableResult
func python(_ script: String, in directory: URL) throws -> String {
    try TestSupport.python(pythonPrelude + "\n" + script, in: directory.path)
}

/// Reads a raw little-endian array written by numpy's `tofile`.
func readRaw<T>(_ url: URL, as: T.Type) throws -> [T] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
}

/// Writes a raw array for numpy's `fromfile`.
func writeRaw<T>(_ values: [T], to url: URL) throws {
    try values.withUnsafeBytes { try Data($0).write(to: url) }
}

/// Every row of a split, concatenated, with labels and sample indices.
func readAll(_ reader: SplitReader, maxRows: Int = 3, classes: Set<Int>? = nil, logits: Bool = false) throws
    -> (features: [Float], labels: [Int32], sampleIndex: [Int64], logits: [Float], blocks: Int) {
    var f: [Float] = [], l: [Int32] = [], s: [Int64] = [], g: [Float] = [], blocks = 0
    try reader.forEachBlock(maxRows: maxRows, classes: classes, includeLogits: logits) { block in
        precondition(block.rowCount <= maxRows && block.features.count == block.rowCount * block.dim)
        f += block.features
        l += block.labels
        s += block.sampleIndex ?? []
        g += block.logits ?? []
        blocks += 1
    }
    return (f, l, s, g, blocks)
}

/// Deterministic toy features: N rows of D values with a spread of magnitudes and signs.
func toyFeatures(rows: Int, dim: Int) -> [Float] {
    (0..<(rows * dim)).map { i in Float((i * 37) % 101 - 50) / 7 + Float(i) * 0.000_123 }
}

let toyAttributes = DumpAttributes(model: "resnet50", role: .student, dataset: "imagenet1k", lsAlpha: 0,
                                   teacherModel: "resnet50-ls", teacherLSAlpha: 0.1, kdTemperature: 4,
                                   seed: 3, epoch: 90, configJSON: #"{"lr":0.1}"#)

/// A fresh temporary folder as a URL (these tests build file URLs from it).
func temporaryDirectory() throws -> URL {
    URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
}
