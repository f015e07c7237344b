import Analysis
import Foundation
import Testing
import MiniLab
import TestSupport

/// Cross-checks against numpy (run through `python3`). Like every cross-check here, they fail
/// where python3 with numpy is missing: a skipped cross-check would pass silently.
@Suite struct NumpyCrossCheckTests {
    @Test(arguments: [1.0, 3.0, 64.0])
    func lossesMatchNumpy(temperature: Double) throws {
        var rng = Xoshiro256StarStar(seed: 21)
        let rows = 4, classes = 6
        let s = (0..<(rows * classes)).map { _ in rng.gaussian() * 2 }
        let t = (0..<(rows * classes)).map { _ in rng.gaussian() * 2 }
        let labels: [Int32] = [0, 5, 2, 2]
        let list = { (v: [Double]) in "[" + v.map { String($0) }.joined(separator: ",") + "]" }
        let script = """
        import numpy as np
        s = np.array(\(list(s))).reshape(\(rows), \(classes)); t = np.array(\(list(t))).reshape(\(rows), \(classes))
        y = np.array(\(labels.map(Int.init))); T = \(temperature); a = 0.1; K = \(classes)
        def logsm(z): z = z - z.max(1, keepdims=True); return z - np.log(np.exp(z).sum(1, keepdims=True))
        target = np.full((\(rows), K), a / K); target[np.arange(\(rows)), y] += 1 - a
        ce = -(target * logsm(s)).sum(1).mean()
        pt = np.exp(logsm(t / T)); kd = T * T * (pt * (logsm(t / T) - logsm(s / T))).sum(1).mean()
        print("%.17g %.17g" % (ce, kd))
        """
        let values = try python(script).split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(values.count == 2)
        let ce = Loss.labelSmoothedCrossEntropy(logits: s, labels: labels, classes: classes, smoothing: 0.1)
        let kd = Loss.distillation(student: s, teacher: t, classes: classes, temperature: temperature)
        #expect(abs(ce.loss - values[0]) < 1e-12 * max(1, values[0]))
        #expect(abs(kd.loss - values[1]) < 1e-10 * max(1, values[1]))
    }
}
