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

