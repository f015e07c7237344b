#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A batch loss and its gradient with respect to the logits that produced it.
public struct LossValue<Scalar: BinaryFloatingPoint>: Sendable where Scalar: Sendable {
    /// The loss averaged over the batch (accumulated in Double).
    public var loss: Double
    /// ∂loss/∂logits, same row-major `rows × classes` layout as the logits.
    public var gradient: [Scalar]
}

/// The losses MiniLab trains with. Generic over the logit type so tests can check gradients in
/// Double while training runs in Float; all sums are carried in Double either way.
public enum Loss {
    /// Cross-entropy against label-smoothed targets `y_LS = (1 − α)·y + α/K`, averaged over rows.
    ///
    /// Gradient: `(softmax(z) − y_LS) / rows`.
    /// - Parameters:
    ///   - logits: `rows × classes`, row-major.
    ///   - labels: one class index per row.
    ///   - smoothing: α in [0, 1]; 0 is plain cross-entropy.
    public static func labelSmoothedCrossEntropy<Scalar: BinaryFloatingPoint & Sendable>(
        logits: [Scalar], labels: [Int32], classes: Int, smoothing alpha: Double
    ) -> LossValue<Scalar> {
        let rows = labels.count
        precondition(logits.count == rows * classes, "Loss: \(logits.count) logits for \(rows)×\(classes)")
        precondition((0...1).contains(alpha), "Loss: label smoothing α = \(alpha) outside [0, 1]")
        var gradient = [Scalar](repeating: 0, count: logits.count)
        var total = 0.0
        var probabilities = [Double](repeating: 0, count: classes)
        let off = alpha / Double(classes)
        for i in 0..<rows {
            let y = Int(labels[i])
            precondition(y >= 0 && y < classes, "Loss: label \(y) outside 0..<\(classes)")
            let logSumExp = softmax(logits, row: i, classes: classes, temperature: 1, into: &probabilities)
            for k in 0..<classes {
                let target = off + (k == y ? 1 - alpha : 0)
                let logP = Double(logits[i * classes + k]) - logSumExp
                total -= target * logP
                gradient[i * classes + k] = Scalar((probabilities[k] - target) / Double(rows))
            }
        }
        return LossValue(loss: total / Double(max(rows, 1)), gradient: gradient)
    }

    /// The distillation loss of the paper's students: `T² · KL(softmax(t/T) ‖ softmax(s/T))`,
    /// averaged over rows, with no hard-label term.
    ///
    /// Gradient with respect to the student logits s: `T · (softmax(s/T) − softmax(t/T)) / rows`
    /// (the KL's gradient is `(p_s − p_t)/T`; the `T²` factor leaves one `T`).
    public static func distillation<Scalar: BinaryFloatingPoint & Sendable>(
        student: [Scalar], teacher: [Scalar], classes: Int, temperature: Double
    ) -> LossValue<Scalar> {
        precondition(student.count == teacher.count && classes > 0 && student.count % classes == 0,
                      "Loss: student and teacher logits differ in shape")
        precondition(temperature > 0, "Loss: temperature \(temperature) must be positive")
        let rows = student.count / classes
        var gradient = [Scalar](repeating: 0, count: student.count)
        var ps = [Double](repeating: 0, count: classes)
        var pt = [Double](repeating: 0, count: classes)
        var total = 0.0
        let t = temperature
        for i in 0..<rows {
            let lseS = softmax(student, row: i, classes: classes, temperature: t, into: &ps)
            let lseT = softmax(teacher, row: i, classes: classes, temperature: t, into: &pt)
            var kl = 0.0
            for k in 0..<classes where pt[k] > 0 {
                let logPT = Double(teacher[i * classes + k]) / t - lseT
                let logPS = Double(student[i * classes + k]) / t - lseS
                kl += pt[k] * (logPT - logPS)
            }
            total += kl
            for k in 0..<classes {
                gradient[i * classes + k] = Scalar(t * (ps[k] - pt[k]) / Double(rows))
            }
        }
        return LossValue(loss: t * t * total / Double(max(rows, 1)), gradient: gradient)
    }

    /// Writes softmax(row / T) into `p` and returns log Σ exp(row / T) (max-shifted, in Double).
    @discardableResult
    static func softmax<Scalar: BinaryFloatingPoint>(
        _ logits: [Scalar], row i: Int, classes: Int, temperature t: Double, into p: inout [Double]
    ) -> Double {
        var maximum = -Double.infinity
        for k in 0..<classes { maximum = max(maximum, Double(logits[i * classes + k]) / t) }
        var sum = 0.0
        for k in 0..<classes {
            let e = exp(Double(logits[i * classes + k]) / t - maximum)
            p[k] = e
            sum += e
        }
        for k in 0..<classes { p[k] /= sum }
        return maximum + log(sum)
    }
}
