/// An sRGB colour with components in 0...1.
public struct Color: Sendable, Hashable {
    /// Red, green and blue in 0...1.
    public var red, green, blue: Double

    /// A colour from components in 0...1.
    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255,
                  green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255)
    }

    /// The same hue mixed toward black; `amount` 0 keeps it, 1 gives black.
    public func darkened(_ amount: Double) -> Color {
        let keep = 1 - min(max(amount, 0), 1)
        return Color(red: red * keep, green: green * keep, blue: blue * keep)
    }

    /// Black.
    public static let black = Color(hex: 0x000000)
    /// Near-black used for text, frames and ticks (softer than pure black in print).
    public static let ink = Color(hex: 0x222222)
    /// Light grey for grid lines.
    public static let gridGrey = Color(hex: 0xE3E3E3)
    /// White.
    public static let white = Color(hex: 0xFFFFFF)
}

/// The fixed class-colour order: Okabe–Ito's colour-blind-safe palette, reordered so that the
/// first colours are the most distinct on white (yellow last but one, black last).
public enum Palette {
    /// Blue, vermillion, bluish green, reddish purple, orange, sky blue, yellow, black.
    public static let okabeIto: [Color] = [
        Color(hex: 0x0072B2), Color(hex: 0xD55E00), Color(hex: 0x009E73), Color(hex: 0xCC79A7),
        Color(hex: 0xE69F00), Color(hex: 0x56B4E9), Color(hex: 0xF0E442), Color(hex: 0x000000),
    ]

    /// The colour of class (or series) `index`; wraps around after eight.
    public static func color(_ index: Int) -> Color {
        let count = okabeIto.count
        return okabeIto[((index % count) + count) % count]
    }
}
