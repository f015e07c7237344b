#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Analysis

// Everything random in MiniLab (data, initialisation, batch order) draws from Analysis's
// ``Xoshiro256StarStar``, the one seeded generator of the package (the bootstrap and sample
// selection use it too), so one seed reproduces a whole experiment bit for bit on the same machine.
// What the mini-lab adds is its own draws on top of that stream.
extension Xoshiro256StarStar {
    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal Double (Box–Muller; one value per call, so the stream stays simple).
    public mutating func gaussian() -> Double {
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A generator for an independent stream, derived from this seed and a label (e.g. a model name).
    public static func derived(seed: UInt64, label: String) -> Xoshiro256StarStar {
        // FNV-1a over the label, mixed with the seed: stable across runs and platforms.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01B3
        }
        return Xoshiro256StarStar(seed: seed ^ hash)
    }
}
