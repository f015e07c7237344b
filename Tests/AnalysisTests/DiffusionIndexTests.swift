import Testing
@testable import Analysis

/// Centroids straight from points (one row per class).
private func centroids(_ points: [[Double]], rowNormalization: CentroidAccumulator.RowNormalization = .none) throws -> Centroids {
    try Centroids(classCount: points.count, dim: points[0].count, values: points.flatMap { $0 },
                  counts: points.map { _ in 1 }, rowNormalization: rowNormalization)
}

@Suite struct DiffusionIndexTests {
    // T1: c0 = (0,0), c1 = (3,4), c2 = (6,0). Distances: d01 = 5, d02 = 6, d12 = 5; scale 16/3.
    let t1 = try! centroids([[0, 0], [3, 4], [6, 0]])
    // T2: c0 = (0,0), c1 = (0,3), c2 = (4,0). Distances: d01 = 3, d02 = 4, d12 = 5; scale 12/3 = 4.
    let t2 = try! centroids([[0, 0], [0, 3], [4, 0]])

    @Test func rawDistances() throws {
        // Member 1: (3 − 5)/5 = −0.4. Member 2: (4 − 6)/6 = −1/3. η = (−0.4 − 1/3)/2 = −11/30.
        let eta = try diffusionIndex(t1: t1, t2: t2, target: 0, set: [1, 2], normalization: .none)
        #expect(eta.terms.map(\.member) == [1, 2])
        #expect(eta.terms.map(\.d1) == [5, 6])
        #expect(eta.terms.map(\.d2) == [3, 4])
        #expect(abs(eta.eta - (-11.0 / 30)) < 1e-15)
        #expect(abs(eta.etaPercent - (-1100.0 / 30)) < 1e-12)
    }

    /// Outputs print the raw values; they must match the command line's spelling.
    @Test func normalizationsAreSpelledAsOnTheCommandLine() {
        #expect(DistanceNormalization.allCases.map(\.rawValue) == ["none", "unit", "centroid-scale"])
        #expect(DistanceNormalization(rawValue: "centroid-scale") == .centroidScale)
    }

    @Test func centroidScale() throws {
        // d1: 5/(16/3) = 15/16, 6/(16/3) = 9/8. d2: 3/4, 4/4 = 1.
        // Relative: (3/4 − 15/16)/(15/16) = −1/5; (1 − 9/8)/(9/8) = −1/9. η = (−1/5 − 1/9)/2 = −7/45.
        let eta = try diffusionIndex(t1: t1, t2: t2, target: 0, set: [1, 2], normalization: .centroidScale)
        #expect(abs(eta.scale1 - 16.0 / 3) < 1e-15 && eta.scale2 == 4)
        #expect(abs(eta.terms[0].relativeChange - (-0.2)) < 1e-15)
        #expect(abs(eta.terms[1].relativeChange - (-1.0 / 9)) < 1e-15)
        #expect(abs(eta.eta - (-7.0 / 45)) < 1e-15)
        #expect(eta.normalization == .centroidScale)
        #expect(try diffusionIndex(t1: t1, t2: t2, target: 0, set: [1], scale1: 1, scale2: 1).normalization == nil)
    }

    @Test func centroidScaleIgnoresAGlobalRescaling() throws {
        // T2 = 2 · T1: raw distances double, so every raw relative change is +1 and η = 1;
        // divided by the model-wide scale nothing changed, η = 0.
        let doubled = try centroids([[0, 0], [6, 8], [12, 0]])
        #expect(abs(try diffusionIndex(t1: t1, t2: doubled, target: 0, set: [1, 2], normalization: .none).eta - 1) < 1e-15)
        #expect(abs(try diffusionIndex(t1: t1, t2: doubled, target: 0, set: [1, 2], normalization: .centroidScale).eta) < 1e-15)
    }

    @Test func unitLengthRows() throws {
        // T1 rows (→ unit): class 0: (2,0)→(1,0), (0,3)→(0,1), c0 = (½,½); class 1: (−5,0)→(−1,0);
        // class 2: (0,−7)→(0,−1). d01 = √(1.5² + 0.5²) = √2.5, d02 = √(0.5² + 1.5²) = √2.5.
        // T2 rows: class 0: (4,0) twice → (1,0); class 1: (−1,0); class 2: (0,−2)→(0,−1), (3,0)→(1,0),
        // c2 = (½,−½). d01 = 2, d02 = √0.5.
        // Relative: 2/√2.5 − 1 = √1.6 − 1; √0.5/√2.5 − 1 = √0.2 − 1. η = (√1.6 + √0.2 − 2)/2 = (1.2649111 + 0.4472136 − 2)/2 ≈ −0.1439377.
        var a1 = try CentroidAccumulator(classCount: 3, dim: 2, rowNormalization: .unitLength)
        try a1.add(rows: [2, 0, 0, 3, -5, 0, 0, -7], labels: [0, 0, 1, 2])
        var a2 = try CentroidAccumulator(classCount: 3, dim: 2, rowNormalization: .unitLength)
        try a2.add(rows: [4, 0, 4, 0, -1, 0, 0, -2, 3, 0], labels: [0, 0, 1, 2, 2])
        let eta = try diffusionIndex(t1: a1.centroids(), t2: a2.centroids(), target: 0, set: [1, 2], normalization: .unit)
        let expected = ((1.6).squareRoot() + (0.2).squareRoot() - 2) / 2
        #expect(abs(eta.eta - expected) < 1e-15)
        #expect(abs(eta.eta - (-0.1439377)) < 1e-7)
        // Unit needs unit-length centroids, and the others need raw ones.
        #expect(throws: AnalysisError.self) { try diffusionIndex(t1: t1, t2: t2, target: 0, set: [1, 2], normalization: .unit) }
        #expect(throws: AnalysisError.self) {
            try diffusionIndex(t1: a1.centroids(), t2: a2.centroids(), target: 0, set: [1, 2], normalization: .centroidScale)
        }
    }

    @Test func verdict() throws {
        // Towards 1 (S1 = {1}) and away from 2 (S2 = {2}): T2 moves c1 closer, c2 further.
        let after = try centroids([[0, 0], [1.5, 2], [9, 0]])
        let s1 = try diffusionIndex(t1: t1, t2: after, target: 0, set: [1], normalization: .none)
        let s2 = try diffusionIndex(t1: t1, t2: after, target: 0, set: [2], normalization: .none)
        #expect(s1.eta == -0.5 && s2.eta == 0.5)
        #expect(DiffusionIndex.isSystematicDiffusion(s1: s1, s2: s2))
        #expect(!DiffusionIndex.isSystematicDiffusion(s1: s2, s2: s1))
        #expect(DiffusionIndex.isSystematicDiffusion(etaS1: s1.eta, etaS2: s2.eta))
        // Strict on both sides: no movement is not diffusion, and neither is an undefined η.
        #expect(!DiffusionIndex.isSystematicDiffusion(etaS1: 0, etaS2: 0.5))
        #expect(!DiffusionIndex.isSystematicDiffusion(etaS1: -0.5, etaS2: 0))
        #expect(!DiffusionIndex.isSystematicDiffusion(etaS1: .nan, etaS2: 0.5))
    }

    @Test func errors() throws {
        #expect(throws: AnalysisError.emptySet) { try diffusionIndex(t1: t1, t2: t2, target: 0, set: [], normalization: .none) }
        #expect(throws: AnalysisError.targetInSet(0)) { try diffusionIndex(t1: t1, t2: t2, target: 0, set: [1, 0], normalization: .none) }
        #expect(throws: AnalysisError.duplicateInSet(1)) { try diffusionIndex(t1: t1, t2: t2, target: 0, set: [1, 1], normalization: .none) }
        #expect(throws: AnalysisError.classOutOfRange(class: 3, classCount: 3)) {
            try diffusionIndex(t1: t1, t2: t2, target: 0, set: [3], normalization: .none)
        }
        let coincident = try centroids([[1, 1], [1, 1], [6, 0]])
        #expect(throws: AnalysisError.coincidentCentroids(target: 0, member: 1)) {
            try diffusionIndex(t1: coincident, t2: t2, target: 0, set: [2, 1], normalization: .none)
        }
        let missing = try Centroids(classCount: 3, dim: 2, values: [0, 0, 3, 4, 0, 0], counts: [1, 1, 0])
        #expect(throws: AnalysisError.classWithoutRows(2)) {
            try diffusionIndex(t1: missing, t2: t2, target: 0, set: [1, 2], normalization: .none)
        }
        #expect(throws: AnalysisError.invalidScale(model: "T2", value: 0)) {
            try diffusionIndex(t1: t1, t2: t2, target: 0, set: [1], scale1: 1, scale2: 0)
        }
        #expect(AnalysisError.coincidentCentroids(target: 0, member: 1).description.contains("classes 0 and 1"))
    }
}
