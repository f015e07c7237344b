import Foundation
import Testing
import Penultimate
import TestSupport

/// The accuracy of a dump written by the Python writer (notebooks-export/penultimate_writer.py,
/// h5py) equals numpy's count from the same logits.
@Suite struct AccuracyNumpyCrossCheckTests {
    @Test func pythonWrittenDumpMatchesNumpy() throws {
        let folder = try temporaryDirectory(prefix: "accuracy-numpy")
        let path = folder + "/s.h5"
        let script = """
            import sys, numpy as np
            sys.path.insert(0, sys.argv[1] + "/notebooks-export")
            from penultimate_writer import write_dump
            rng = np.random.default_rng(11)
            N, C, D = 700, 12, 5
            labels = rng.integers(0, C, N)
            logits = rng.normal(size=(N, C)).astype(np.float32)
            logits[np.arange(N), labels] += 1.0   # better than chance, not perfect
            write_dump(sys.argv[2], attributes=dict(model="s", role="student", dataset="numpy", ls_alpha=0.0,
                       teacher_model="t", teacher_ls_alpha=0.1, kd_temperature=3.0, seed=0, epoch=1),
                       wnids=[f"n{i:08d}" for i in range(C)], weight=np.zeros((C, D), np.float32),
                       bias=np.zeros(C, np.float32),
                       splits=dict(val=dict(features=rng.normal(size=(N, D)), labels=labels, logits=logits)),
                       feature_dtype="float16", compression="gzip", chunk_rows=64)
            rank = (logits > logits[np.arange(N), labels][:, None]).sum(1)
            print(int((rank < 1).sum()), int((rank < 5).sum()), N)
            """
        let text = try python(script, arguments: [packageRoot, path])
        let numbers = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        try #require(numbers.count == 3)
        let m = try AccuracyMeasurement.measure([path], split: "val")
        #expect(m.rows == numbers[2])
        #expect(m.top1 == 100 * Double(numbers[0]) / Double(numbers[2]))
        #expect(m.top5 == 100 * Double(numbers[1]) / Double(numbers[2]))
        #expect(m.row == .student(temperature: 3))
        #expect(m.alpha == 0.1)
        // Not trivially 0 or 100.
        #expect(m.top1 > 20 && m.top1 < 80)
    }
}
