import Testing
import TestSupport
@testable import Analysis

/// Random labelled Float rows: class k is centred at k·offset along a random direction, plus noise.
private func clusters(classCount: Int, dim: Int, rows: Int, seed: UInt64) -> (rows: [Float], labels: [Int32]) {
    var generator = Xoshiro256StarStar(seed: seed)
    let noise = gaussian(rows * dim, &generator)
    let means = gaussian(classCount * dim, &generator)
    let labels = (0..<rows).map { _ in Int32(generator.index(below: classCount)) }
    var values = noise
    for r in 0..<rows { for j in 0..<dim { values[r * dim + j] += 3 * means[Int(labels[r]) * dim + j] } }
    return (values, labels)
}

@Suite struct NumpyCrossCheckTests {
    @Test(arguments: DistanceNormalization.allCases)
    func centroidsDistancesAndEta(normalization: DistanceNormalization) throws {
        let classCount = 7, dim = 19
        let first = clusters(classCount: classCount, dim: dim, rows: 400, seed: 1)
        let second = clusters(classCount: classCount, dim: dim, rows: 350, seed: 2)
        var a1 = try CentroidAccumulator(classCount: classCount, dim: dim, rowNormalization: normalization.rowNormalization)
        var a2 = a1
        // Two blocks for T1 exercise accumulation across calls.
        try a1.add(rows: Array(first.rows[..<(150 * dim)]), labels: Array(first.labels[..<150]))
        try a1.add(rows: Array(first.rows[(150 * dim)...]), labels: Array(first.labels[150...]))
        try a2.add(rows: second.rows, labels: second.labels)
        let c1 = a1.centroids(), c2 = a2.centroids()
        let eta = try diffusionIndex(t1: c1, t2: c2, target: 2, set: [0, 5, 6], normalization: normalization)

        let script = """
        lines = sys.stdin.read().split("\\n")
        C, D, mode = int(lines[0]), int(lines[1]), lines[2]
        def centroids(rows, labels):
            x = np.array(rows.split(), dtype=np.float32).astype(np.float64).reshape(-1, D)
            y = np.array(labels.split(), dtype=np.int64)
            if mode == "unit":
                x = x / np.linalg.norm(x, axis=1, keepdims=True)
            return np.stack([x[y == k].mean(axis=0) for k in range(C)])
        c1 = centroids(lines[3], lines[4]); c2 = centroids(lines[5], lines[6])
        def scale(c):
            if mode != "centroid-scale": return 1.0
            i, j = np.triu_indices(C, 1)
            return np.linalg.norm(c[i] - c[j], axis=1).mean()
        s1, s2 = scale(c1), scale(c2)
        S = [0, 5, 6]
        d1 = np.array([np.linalg.norm(c1[2] - c1[k]) for k in S]) / s1
        d2 = np.array([np.linalg.norm(c2[2] - c2[k]) for k in S]) / s2
        print(" ".join(repr(float(v)) for v in c1.ravel()))
        print(" ".join(repr(float(v)) for v in c2.ravel()))
        print(repr(float(s1)), repr(float(s2)))
        print(" ".join(repr(float(v)) for v in d1)); print(" ".join(repr(float(v)) for v in d2))
        print(repr(float(np.mean((d2 - d1) / d1))))
        """
        let input = ["\(classCount)", "\(dim)", normalization.rawValue, text(first.rows), text(first.labels),
                     text(second.rows), text(second.labels)].joined(separator: "\n")
        let out = try numpy(script, input: input)
        #expect(allClose(c1.values, out[0]))
        #expect(allClose(c2.values, out[1]))
        #expect(close(eta.scale1, out[2][0]) && close(eta.scale2, out[2][1]))
        #expect(allClose(eta.terms.map(\.d1), out[3]))
        #expect(allClose(eta.terms.map(\.d2), out[4]))
        #expect(close(eta.eta, out[5][0]))
    }

    @Test func generatorMatchesAReferenceImplementation() throws {
        var generator = Xoshiro256StarStar(seed: 20220628)
        let ours = (0..<6).map { _ in generator.next() }
        let script = """
        M = (1 << 64) - 1
        def splitmix(state):
            state = (state + 0x9E3779B97F4A7C15) & M
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
            return state, z ^ (z >> 31)
        state, s = int(sys.stdin.read()), []
        for _ in range(4):
            state, z = splitmix(state); s.append(z)
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
        out = []
        for _ in range(6):
            out.append(rotl((s[1] * 5) & M, 7) * 9 & M)
            t = (s[1] << 17) & M
            s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
        print(" ".join(str(v) for v in out))
        """
        // Compare as text: UInt64 values do not survive a trip through Double.
        let out = try numpy(script.replacingOccurrences(of: "print(\" \".join(str(v) for v in out))",
                                                        with: "print(\" \".join(str(v >> 11) for v in out))"),
                            input: "20220628")
        #expect(out[0].map { UInt64($0) } == ours.map { $0 >> 11 })
        // SplitMix64's published first output for seed 0.
        var splitMix = SplitMix64(seed: 0)
        #expect(splitMix.next() == 0xE220_A839_7B1D_CDAF)
    }
}
