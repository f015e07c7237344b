import Foundation

/// Axis tick positions chosen by the "nice numbers" rule (Heckbert, Graphics Gems, 1990): the step
/// is 1, 2 or 5 times a power of ten, so labels read as round numbers.
public struct NiceTicks: Sendable, Equatable {
    /// Tick values inside the axis limits, ascending.
    public var values: [Double]
    /// Distance between ticks.
    public var step: Double
    /// Digits after the decimal point that show the step exactly.
    public var fractionDigits: Int

    /// Ticks for an axis running from `lower` to `upper`, aiming at about `target` ticks.
    public init(lower: Double, upper: Double, target: Int = 5) {
        let span = upper - lower
        guard span > 0, span.isFinite else {
            values = [lower]
            step = 1
            fractionDigits = 0
            return
        }
        var step = NiceTicks.niceNumber(span / Double(max(target - 1, 1)), round: true)
        var values = NiceTicks.multiples(of: step, from: lower, to: upper)
        // The limits rarely fall on multiples of the step, so a rounded-up step can leave only two
        // ticks inside; step down (5 → 2 → 1 → 0.5 …) until at least three show.
        for _ in 0..<4 where values.count < min(3, max(target, 2)) {
            step = NiceTicks.nextSmaller(step)
            values = NiceTicks.multiples(of: step, from: lower, to: upper)
        }
        self.values = values
        self.step = step
        self.fractionDigits = max(0, -Int((log10(step)).rounded(.down)))
    }

    /// Multiples of `step` inside `lower...upper`, with -0 written as 0.
    static func multiples(of step: Double, from lower: Double, to upper: Double) -> [Double] {
        let first = (lower / step).rounded(.up), last = (upper / step).rounded(.down)
        // Far from zero relative to the step (1e20 ± 1), multiples are not representable: no ticks.
        guard first <= last, abs(first) < 1e15, abs(last) < 1e15, last - first <= 1000 else { return [] }
        return (Int(first)...Int(last)).map { k in
            let v = Double(k) * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// The next nice step below `step`: 10 → 5 → 2 → 1 (times the same power of ten).
    static func nextSmaller(_ step: Double) -> Double {
        let exponent = log10(step).rounded(.down)
        let mantissa = (step / pow(10, exponent)).rounded()
        let power = pow(10, exponent)
        switch mantissa {
        case 5: return 2 * power
        case 2: return power
        default: return 0.5 * power
        }
    }

    /// A "nice" number near `x`: 1, 2, 5 or 10 times a power of ten (rounded or the next above).
    public static func niceNumber(_ x: Double, round: Bool) -> Double {
        let exponent = log10(x).rounded(.down)
        let fraction = x / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    /// Labels for the tick values, with a true minus sign (U+2212) like typeset figures.
    public var labels: [String] { values.map(label(for:)) }

    /// The label of one value at this step's precision.
    public func label(for value: Double) -> String {
        let text = String(format: "%.\(fractionDigits)f", abs(value))
        let isZero = text.allSatisfy { $0 == "0" || $0 == "." }
        return value < 0 && !isZero ? "\u{2212}" + text : text
    }
}

/// The closed range an axis shows.
public struct AxisLimits: Sendable, Equatable {
    /// Lower and upper data values at the plot edges.
    public var lower, upper: Double

    /// Limits from explicit values.
    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// The data range of `values` widened by `padding` (a fraction of the range) on each side;
    /// a zero range is widened to ±0.5 (or ±5 % of the value) so it still has extent.
    public init(covering values: [Double], padding: Double) {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if hi - lo <= 0 {
            let half = lo == 0 ? 0.5 : abs(lo) * 0.05
            lo -= half
            hi += half
        }
        let pad = (hi - lo) * padding
        self.init(lower: lo - pad, upper: hi + pad)
    }

    /// Position of `value` as a fraction of the way from lower (0) to upper (1).
    public func fraction(_ value: Double) -> Double { (value - lower) / (upper - lower) }
}
