import Analysis
import Foundation
import Testing
import MiniLab

@Suite struct LabelSmoothedCrossEntropyTests {
    @Test func equalLogitsTwoClasses() {
        // p = (1/2, 1/2); y_LS = (0.95, 0.05): loss = log 2, gradient = p − y_LS.
        let v = Loss.labelSmoothedCrossEntropy(logits: [0.0, 0.0], labels: [0], classes: 2, smoothing: 0.1)
        #expect(abs(v.loss - log(2.0)) < 1e-12)
        #expect(abs(v.gradient[0] - (-0.45)) < 1e-12)
        #expect(abs(v.gradient[1] - 0.45) < 1e-12)
    }

    @Test func oneToThreeOdds() {
        // logits (0, ln 3) → p = (1/4, 3/4); label 1, α = 0.2, K = 2 → y_LS = (0.1, 0.9).
        let v = Loss.labelSmoothedCrossEntropy(logits: [0.0, log(3.0)], labels: [1], classes: 2, smoothing: 0.2)
        let expected = -(0.1 * log(0.25) + 0.9 * log(0.75))
        #expect(abs(v.loss - expected) < 1e-12)
        #expect(abs(v.gradient[0] - (0.25 - 0.1)) < 1e-12)
        #expect(abs(v.gradient[1] - (0.75 - 0.9)) < 1e-12)
    }

    @Test func batchIsAveragedAndAlphaZeroIsPlainCrossEntropy() {
        // Two rows over K = 3: (0,0,0) label 0 → log 3; (ln 2, 0, 0) label 0 → −ln(1/2) = ln 2.
        let v = Loss.labelSmoothedCrossEntropy(logits: [0, 0, 0, log(2.0), 0, 0], labels: [0, 0], classes: 3, smoothing: 0)
        #expect(abs(v.loss - (log(3.0) + log(2.0)) / 2) < 1e-12)
        // Row 2: p = (1/2, 1/4, 1/4); gradient (p − y)/2.
        #expect(abs(v.gradient[3] - (-0.25)) < 1e-12)
        #expect(abs(v.gradient[4] - 0.125) < 1e-12)
    }

    @Test func fullSmoothingIsUniformTarget() {
        // α = 1: target 1/K everywhere, so the loss is the mean of −log p over classes.
        let logits = [1.0, -2.0, 0.5]
        let v = Loss.labelSmoothedCrossEntropy(logits: logits, labels: [2], classes: 3, smoothing: 1)
        let lse = log(logits.map(exp).reduce(0, +))
        #expect(abs(v.loss - logits.map { lse - $0 }.reduce(0, +) / 3) < 1e-12)
    }

    @Test func floatAndDoubleAgree() {
        let d = Loss.labelSmoothedCrossEntropy(logits: [2.0, -1.0, 0.3, 0.1], labels: [0, 1], classes: 2, smoothing: 0.1)
        let f = Loss.labelSmoothedCrossEntropy(logits: [Float(2), -1, 0.3, 0.1], labels: [0, 1], classes: 2, smoothing: 0.1)
        #expect(abs(d.loss - f.loss) < 1e-6)
        for (a, b) in zip(d.gradient, f.gradient) { #expect(abs(a - Double(b)) < 1e-6) }
    }
}

@Suite struct DistillationLossTests {
    @Test func handComputedAtTemperatureOne() {
        // p_t = (1/2, 1/2), p_s = (1/4, 3/4): KL = ½ ln 2 + ½ ln(2/3); gradient = p_s − p_t.
        let v = Loss.distillation(student: [0.0, log(3.0)], teacher: [0.0, 0.0], classes: 2, temperature: 1)
        #expect(abs(v.loss - (0.5 * log(2.0) + 0.5 * log(2.0 / 3.0))) < 1e-12)
        #expect(abs(v.gradient[0] - (-0.25)) < 1e-12)
        #expect(abs(v.gradient[1] - 0.25) < 1e-12)
    }

    @Test func handComputedAtTemperatureTwo() {
        // T = 2: student (0, 2 ln 3)/2 = (0, ln 3) → (1/4, 3/4); loss gains T² = 4, gradient T·(p_s − p_t).
        let v = Loss.distillation(student: [0.0, 2 * log(3.0)], teacher: [0.0, 0.0], classes: 2, temperature: 2)
        #expect(abs(v.loss - 4 * (0.5 * log(2.0) + 0.5 * log(2.0 / 3.0))) < 1e-12)
        #expect(abs(v.gradient[1] - 2 * 0.25) < 1e-12)
    }

    @Test func zeroWhenStudentMatchesTeacher() {
        let t: [Double] = [1, -3, 0.25, 7, 2, 2]
        let v = Loss.distillation(student: t, teacher: t, classes: 3, temperature: 3)
        #expect(abs(v.loss) < 1e-12)
        #expect(v.gradient.allSatisfy { abs($0) < 1e-15 })
    }

    @Test(arguments: [1.0, 2.0, 4.0, 64.0])
    func gradientMatchesFiniteDifferences(temperature: Double) {
        var rng = Xoshiro256StarStar(seed: 7)
        let rows = 3, classes = 5
        let student = (0..<(rows * classes)).map { _ in rng.gaussian() * 3 }
        let teacher = (0..<(rows * classes)).map { _ in rng.gaussian() * 3 }
        let v = Loss.distillation(student: student, teacher: teacher, classes: classes, temperature: temperature)
        #expect(v.loss > 0)
        let h = 1e-5
        for j in student.indices {
            var plus = student, minus = student
            plus[j] += h
            minus[j] -= h
            let numeric = (Loss.distillation(student: plus, teacher: teacher, classes: classes, temperature: temperature).loss
                - Loss.distillation(student: minus, teacher: teacher, classes: classes, temperature: temperature).loss) / (2 * h)
            #expect(abs(numeric - v.gradient[j]) <= 1e-7 + 1e-5 * abs(v.gradient[j]),
                    "T=\(temperature) logit \(j): numeric \(numeric) analytic \(v.gradient[j])")
        }
    }

    @Test func highTemperatureApproachesLogitMatching() {
        // For large T, T²·KL → (1/2K)·Σ((s − s̄) − (t − t̄))² per row (Hinton et al.'s limit).
        let s: [Double] = [0.5, -1, 2, 0], t: [Double] = [1, 0, -1, 0.5]
        let v = Loss.distillation(student: s, teacher: t, classes: 4, temperature: 1000)
        let sm = s.reduce(0, +) / 4, tm = t.reduce(0, +) / 4
        let limit = zip(s, t).map { pow(($0 - sm) - ($1 - tm), 2) }.reduce(0, +) / 8
        #expect(abs(v.loss - limit) < 1e-3 * limit)
    }
}
