import Testing
import TestSupport
@testable import Analysis

private func distance(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { ((a - b) * (a - b)).sum().squareRoot() }
private func distance(_ a: [Double], _ b: [Double]) -> Double { norm(subtract(a, b)) }

/// A random classifier (5 classes × dim) and random features.
private func classifier(dim: Int, seed: UInt64) -> (weight: [Float], bias: [Float], features: [Float], other: [Float]) {
    var generator = Xoshiro256StarStar(seed: seed)
    return (gaussian(5 * dim, &generator), gaussian(5, &generator), gaussian(30 * dim, &generator), gaussian(12 * dim, &generator))
}

@Suite struct MullerProjectionTests {
    @Test func handCase() throws {
        // D = 1, templates [w, b]: (0, 0), (4, 0), (0, 3) in augmented space. Origin (4/3, 1).
        // u1 = (1, 0) (template 1 → 2), u2 = (0, 1) (template 3 on the positive side).
        // Coordinates: template 1 → (−4/3, −1), template 2 → (8/3, −1), template 3 → (−4/3, 2).
        let projection = try MullerProjection(weight: [0, 4, 0], bias: [0, 0, 3], dim: 1, classes: [0, 1, 2])
        #expect(projection.origin == [4.0 / 3, 1])
        #expect(projection.axes == [[1, 0], [0, 1]])
        // Feature x = 2 → x̃ = (2, 1) → (2/3, 0).
        let p = try projection.project(features: [2])[0]
        #expect(abs(p.x - 2.0 / 3) < 1e-15 && abs(p.y) < 1e-15)
        #expect(projection.project(point: [2]) == p)
        #expect(projection.project(augmented: [0, 3]) == SIMD2(-4.0 / 3, 2))
    }

    @Test func projectedTemplatesKeepTheirSideLengths() throws {
        let (weight, bias, _, _) = classifier(dim: 23, seed: 3)
        let classes = [4, 1, 3]
        let templates = try augmentedTemplates(weight: weight, bias: bias, dim: 23, classes: classes)
        #expect(templates[0].last == Double(bias[4]))  // each class's own bias
        let projection = try MullerProjection(templates: templates, classes: classes)
        let p = templates.map { projection.project(augmented: $0) }
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            #expect(close(distance(p[i], p[j]), distance(templates[i], templates[j]), 1e-12))
        }
        // Sign rules: template 2 lies along +u1 from template 1, template 3 above the first axis.
        #expect(p[1].x > p[0].x && abs(p[1].y - p[0].y) < 1e-9)
        #expect(p[2].y > p[0].y)
        // Origin at the templates' centroid.
        #expect(abs((p[0] + p[1] + p[2]).x) < 1e-12 && abs((p[0] + p[1] + p[2]).y) < 1e-12)
    }

    @Test func matchesNumpy() throws {
        let dim = 31
        let (weight, bias, features, _) = classifier(dim: dim, seed: 4)
        let projection = try MullerProjection(weight: weight, bias: bias, dim: dim, classes: [2, 0, 4])
        let ours = try projection.project(features: features)
        let script = """
        lines = sys.stdin.read().split("\\n")
        D = int(lines[0])
        W = np.array(lines[1].split(), dtype=np.float32).astype(np.float64).reshape(-1, D)
        b = np.array(lines[2].split(), dtype=np.float32).astype(np.float64)
        X = np.array(lines[3].split(), dtype=np.float32).astype(np.float64).reshape(-1, D)
        T = np.hstack([W, b[:, None]])[[2, 0, 4]]
        o = T.mean(axis=0)
        u1 = (T[1] - T[0]) / np.linalg.norm(T[1] - T[0])
        e = T[2] - T[0]; r = e - (e @ u1) * u1; u2 = r / np.linalg.norm(r)
        Xa = np.hstack([X, np.ones((len(X), 1))]) - o
        P = np.stack([Xa @ u1, Xa @ u2], axis=1)
        i, j = np.triu_indices(len(P), 1)
        print(" ".join(repr(float(v)) for v in P.ravel()))
        print(" ".join(repr(float(v)) for v in np.linalg.norm(P[i] - P[j], axis=1)))
        """
        let out = try numpy(script, input: ["\(dim)", text(weight), text(bias), text(features)].joined(separator: "\n"))
        #expect(allClose(ours.flatMap { [$0.x, $0.y] }, out[0]))
        var pairwise: [Double] = []
        for i in 0..<ours.count { for j in (i + 1)..<ours.count { pairwise.append(distance(ours[i], ours[j])) } }
        #expect(allClose(pairwise, out[1]))
    }

    @Test func degenerateTemplates() throws {
        #expect(throws: AnalysisError.identicalTemplates(7, 9)) {
            try MullerProjection(templates: [[1, 2, 3], [4, 5, 6], [1, 2, 3]], classes: [7, 8, 9])
        }
        // (0,0,1), (1,1,1), (3,3,1): all on one line.
        #expect(throws: AnalysisError.rankDeficientTemplates(classes: [0, 1, 2], rank: 1, needed: 2)) {
            try MullerProjection(templates: [[0, 0, 1], [1, 1, 1], [3, 3, 1]], classes: [0, 1, 2])
        }
        #expect(throws: AnalysisError.classOutOfRange(class: 5, classCount: 2)) {
            try MullerProjection(weight: [1, 2, 3, 4], bias: [0, 0], dim: 2, classes: [0, 1, 5])
        }
    }
}

@Suite struct QRPCAProjectionTests {
    @Test func matchesNumpyWithTheSignRules() throws {
        let dim = 29
        let (weight, bias, training, validation) = classifier(dim: dim, seed: 5)
        let classes = [3, 0, 1]
        // Training centroids: means of rows 0–9, 10–19, 20–29 (any three points serve the check).
        let centroids = (0..<3).map { c in
            (0..<dim).map { j in (0..<10).map { Double(training[(c * 10 + $0) * dim + j]) }.reduce(0, +) / 10 }
        }
        let projection = try QRPCAProjection(weight: weight, bias: bias, dim: dim, classes: classes,
                                             trainingFeatures: training, trainingCentroids: centroids)
        let script = """
        lines = sys.stdin.read().split("\\n")
        D = int(lines[0])
        f32 = lambda s: np.array(s.split(), dtype=np.float32).astype(np.float64)
        W = f32(lines[1]).reshape(-1, D); b = f32(lines[2])
        X = f32(lines[3]).reshape(-1, D); V = f32(lines[4]).reshape(-1, D)
        T = np.hstack([W, b[:, None]])[[3, 0, 1]]
        Q, R = np.linalg.qr(T.T)
        Q = Q * np.sign(np.diag(R))
        aug = lambda A: np.hstack([A, np.ones((len(A), 1))])
        C = np.stack([X[10 * c:10 * c + 10].mean(axis=0) for c in range(3)])
        fit = np.vstack([aug(X) @ Q, aug(C) @ Q])
        mean = fit.mean(axis=0)
        w, E = np.linalg.eigh(np.cov(fit.T))
        E = E[:, ::-1][:, :2]
        for k in range(2):
            if E[np.argmax(np.abs(E[:, k])), k] < 0: E[:, k] = -E[:, k]
        out = lambda A: print(" ".join(repr(float(v)) for v in np.asarray(A).ravel()))
        out(Q.T); out(mean); out(E.T); out(w[::-1])
        out((aug(X) @ Q - mean) @ E); out((aug(V) @ Q - mean) @ E); out((aug(C) @ Q - mean) @ E)
        """
        let input = ["\(dim)", text(weight), text(bias), text(training), text(validation)].joined(separator: "\n")
        let out = try numpy(script, input: input)
        #expect(allClose(projection.basis.flatMap { $0 }, out[0]))
        #expect(allClose([projection.mean.x, projection.mean.y, projection.mean.z], out[1]))
        #expect(allClose(projection.principalAxes.flatMap { [$0.x, $0.y, $0.z] }, out[2]))
        #expect(allClose(projection.variances, out[3]))
        #expect(allClose(try projection.project(features: training).flatMap { [$0.x, $0.y] }, out[4]))
        // Validation points go through the PCA fitted on training points only.
        #expect(allClose(try projection.project(features: validation).flatMap { [$0.x, $0.y] }, out[5]))
        #expect(allClose(centroids.map { projection.project(point: $0) }.flatMap { [$0.x, $0.y] }, out[6]))
        // The basis is orthonormal and each class's own bias is in the templates.
        for i in 0..<3 { for j in 0..<3 { #expect(abs(dot(projection.basis[i], projection.basis[j]) - (i == j ? 1 : 0)) < 1e-12) } }
    }

    @Test func pcaDependsOnTrainingPointsOnly() throws {
        let dim = 8
        let (weight, bias, training, validation) = classifier(dim: dim, seed: 6)
        let centroids = [[Double]](repeating: [Double](repeating: 0, count: dim), count: 3)
        let fitted = try QRPCAProjection(weight: weight, bias: bias, dim: dim, classes: [0, 1, 2],
                                         trainingFeatures: training, trainingCentroids: centroids)
        let before = try fitted.project(features: Array(training[..<dim]))
        _ = try fitted.project(features: validation)
        #expect(try fitted.project(features: Array(training[..<dim])) == before)
        // Other training points give another PCA (same QR basis).
        let refitted = try QRPCAProjection(weight: weight, bias: bias, dim: dim, classes: [0, 1, 2],
                                           trainingFeatures: validation, trainingCentroids: centroids)
        #expect(refitted.basis == fitted.basis)
        #expect(refitted.principalAxes != fitted.principalAxes)
    }

    @Test func rankDeficientTemplates() throws {
        // Third template = first + second: the span is 2-D.
        #expect(throws: AnalysisError.rankDeficientTemplates(classes: [0, 1, 2], rank: 2, needed: 3)) {
            try QRPCAProjection(templates: [[1, 0, 0, 1], [0, 1, 0, 1], [1, 1, 0, 2]], classes: [0, 1, 2],
                                trainingFeatures: [], trainingCentroids: [[0, 0, 0], [0, 0, 0], [0, 0, 0]])
        }
    }
}

@Suite struct SymmetricEigenTests {
    @Test func handCase() {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: eigenvalues 5, 3, 1 with vectors e3, (1,1,0)/√2, (1,−1,0)/√2 → sign rule
        // makes the largest component positive: (1,−1,0)/√2 has a tie, the first (index 0) wins: positive.
        let (values, vectors) = symmetricEigen([2, 1, 0, 1, 2, 0, 0, 0, 5], n: 3)
        #expect(allClose(values, [5, 3, 1], 1e-14))
        let h = 0.5.squareRoot()
        #expect(allClose(vectors.flatMap { $0 }, [0, 0, 1, h, h, 0, h, -h, 0], 1e-14))
    }
}

// MARK: - The paper's released code's conventions (project --compat paper-code)

/// LAPACK's reflector sign: β = −sign(α)‖x‖, so R's diagonal is negative for a positive leading
/// entry, and Q's first column is −x/‖x‖ (numpy.linalg.qr([[3], [4], [0]]) gives −0.6, −0.8, 0).
@Test func householderQRKeepsLAPACKsSigns() {
    let q = householderQR(columns: [[3, 4, 0], [1, 0, 0]])
    #expect(abs(q[0][0] + 0.6) < 1e-15 && abs(q[0][1] + 0.8) < 1e-15 && q[0][2] == 0)
    // Second column: what is left of e1 after the first, signed by its own reflector: (−0.8, 0.6, 0)·β.
    #expect(abs(q[1][0] + 0.8) < 1e-15 && abs(q[1][1] - 0.6) < 1e-15)
    let negative = householderQR(columns: [[-3, 4, 0]])
    #expect(abs(negative[0][0] + 0.6) < 1e-15 && abs(negative[0][1] - 0.8) < 1e-15)
    // Same span and orthonormal as the documented QR, column by column up to sign.
    var generator = Xoshiro256StarStar(seed: 5)
    let columns = (0..<3).map { _ in gaussian(9, &generator).map(Double.init) }
    let lapack = householderQR(columns: columns), ours = thinQR(columns: columns).q
    for i in 0..<3 {
        #expect(abs(abs(dot(lapack[i], ours[i])) - 1) < 1e-13)
        for j in 0..<3 where j != i { #expect(abs(dot(lapack[i], lapack[j])) < 1e-13) }
    }
}

/// svd_flip (u-based): the score of largest magnitude becomes positive; the first such row on ties.
@Test func svdFlipSignsEachAxisByItsLargestScore() {
    let axes = [SIMD3<Double>(1, 0, 0), SIMD3<Double>(0, 1, 0)]
    let rows = [SIMD3<Double>(-3, 1, 0), SIMD3<Double>(2, -1, 0), SIMD3<Double>(1, 0, 0)]
    let flipped = svdFlip(axes: axes, centred: rows)
    #expect(flipped[0] == SIMD3(-1, 0, 0))  // scores −3, 2, 1: −3 is largest in magnitude
    #expect(flipped[1] == SIMD3(0, 1, 0))   // scores 1, −1, 0: a tie, the first (positive) wins
}

/// The paper's code's templates: the plotted classes' weights with the biases of classes 0, 1, 2.
@Test func paperCodeTemplatesTakeTheBiasesOfClassesZeroToTwo() throws {
    let weight: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], bias: [Float] = [-1, -2, -3, -4, -5]
    let t = try paperCodeTemplates(weight: weight, bias: bias, dim: 2, classes: [4, 3, 2])
    #expect(t == [[9, 10, -1], [7, 8, -2], [5, 6, -3]])
}
