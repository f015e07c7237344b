/// Bootstrap weights drawn from a counter: the weight of sample `i` in replicate `b` is a pure
/// function of `(seed, stream, i, b)`, so nothing is stored, any replicate block can be formed in
/// any order and on any thread, and two models keyed alike (the same `stream`) give a sample the
/// same weight in both: paired resampling falls out.
///
/// The generator, exactly (all arithmetic on UInt64, wrapping; `mix` is the SplitMix64 finaliser
/// `z ^= z >> 30; z &*= 0xBF58476D1CE4E5B9; z ^= z >> 27; z &*= 0x94D049BB133111EB; z ^= z >> 31`,
/// `γ = 0x9E3779B97F4A7C15`):
/// - `base = mix(mix(seed &+ γ) ^ stream)`;
/// - a row's key: `mix(base ^ (UInt64(bitPattern: sample_index) &* γ))` when the dump stores
///   `sample_index`; otherwise `mix(mix(base ^ ~(UInt64(label) &* γ)) ^ (UInt64(ordinal) &* γ))`,
///   where `ordinal` counts that class's earlier rows in file order;
/// - its uniform in replicate `b`: `u = mix(key &+ (UInt64(b) &+ 1) &* γ)` (output `b + 1` of a
///   SplitMix64 stream started at the key);
/// - its weight: the smallest `k` with `u < T[k]`, where `T[k] = ⌊2⁶⁴ · P(Poisson(1) ≤ k)⌋`
///   (the twenty constants below, computed in exact decimal arithmetic); 20 when `u ≥ T[19]`.
///
/// Only integer operations: the same seed gives the same weights on every platform.
public struct PoissonWeights: Sendable, Equatable {
    /// The bootstrap's seed.
    public let seed: UInt64
    /// Which model's draws: equal streams give equal weights (paired); different streams independent ones.
    public let stream: UInt64
    /// `mix(mix(seed &+ γ) ^ stream)`.
    public let base: UInt64

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The weights of `seed`'s stream `stream`.
    public init(seed: UInt64, stream: UInt64) {
        self.seed = seed
        self.stream = stream
        base = Self.mix(Self.mix(seed &+ Self.gamma) ^ stream)
    }

    /// The key of the row with this `sample_index`.
    @inline(__always)
    public func key(sample: Int64) -> UInt64 { Self.mix(base ^ (UInt64(bitPattern: sample) &* Self.gamma)) }

    /// The key of the `ordinal`-th row of class `label` (dumps without `sample_index`).
    @inline(__always)
    public func key(label: Int, ordinal: Int) -> UInt64 {
        Self.mix(Self.mix(base ^ ~(UInt64(truncatingIfNeeded: label) &* Self.gamma)) ^ (UInt64(truncatingIfNeeded: ordinal) &* Self.gamma))
    }

    /// The weight of the row with `key` in replicate `replicate`: a Poisson(1) draw.
    @inline(__always)
    public static func weight(key: UInt64, replicate: Int) -> Int {
        let u = mix(key &+ (UInt64(truncatingIfNeeded: replicate) &+ 1) &* gamma)
        // P(0) = P(1) ≈ 0.368, P(2) ≈ 0.184: three compares settle 92% of draws.
        if u < 0x5E2D_58D8_B3BC_DF1A { return 0 }
        if u < 0xBC5A_B1B1_6779_BE35 { return 1 }
        if u < 0xEB71_5E1D_C158_2DC2 { return 2 }
        return tail(u)
    }

    private static func tail(_ u: UInt64) -> Int {
        let thresholds: [UInt64] = [
            0xFB23_9797_34A2_52F1, 0xFF10_25F5_9174_DC3D, 0xFFD9_0F3B_A405_5E19, 0xFFFA_8B71_FC72_C913,
            0xFFFF_540C_0914_B3C9, 0xFFFF_ED1F_4AA8_F120, 0xFFFF_FE21_6E64_1462, 0xFFFF_FFD4_D85D_3183,
            0xFFFF_FFFC_6DA2_62B4, 0xFFFF_FFFF_BA12_D178, 0xFFFF_FFFF_FB07_C64C, 0xFFFF_FFFF_FFAB_8EA5,
            0xFFFF_FFFF_FFFA_BE22, 0xFFFF_FFFF_FFFF_B11A, 0xFFFF_FFFF_FFFF_FBA1, 0xFFFF_FFFF_FFFF_FFC5,
            0xFFFF_FFFF_FFFF_FFFD,
        ]
        for (k, t) in thresholds.enumerated() where u < t { return k + 3 }
        return 20
    }

    /// The SplitMix64 finaliser.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
