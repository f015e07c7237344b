import Foundation
import Testing
@testable import Analysis
import TestSupport

/// Runs a numpy script with `input` on stdin; returns its stdout as lines of whitespace-separated Doubles.
func numpy(_ script: String, input: String) throws -> [[Double]] {
    try numberRows(python(script, stdin: Data(input.utf8)))
}

/// Floats as text numpy parses back to the same float32 values (`np.array(..., dtype=np.float32)`).
func text(_ values: [Float]) -> String { values.map { "\($0)" }.joined(separator: " ") }
func text(_ values: [Int32]) -> String { values.map { "\($0)" }.joined(separator: " ") }

/// Deterministic standard-normal Floats (Box–Muller over our generator).
func gaussian(_ count: Int, _ generator: inout Xoshiro256StarStar) -> [Float] {
    (0..<count).map { _ in
        let u = (Double(generator.next() >> 11) + 0.5) / 9_007_199_254_740_992
        let v = Double(generator.next() >> 11) / 9_007_199_254_740_992
        return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
    }
}

/// |a − b| ≤ tolerance · max(|a|, |b|) (plus 1e-15 so exact zeros compare).
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(abs(a), abs(b)) + 1e-15
}

func allClose(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-9) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, tolerance) }
}
