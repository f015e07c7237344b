import CPNGDecode
import Foundation

// The tests read the tools' PNGs back (pixels, DPI, text chunks) through libpng. Only the tests:
// the tools write PNGs (Figures' `PNGEncoder`) and never read one.

/// A PNG that could not be decoded.
public struct PNGDecodeError: Error, CustomStringConvertible {
    /// The file, or "memory".
    public var source: String
    /// libpng's message.
    public var message: String
    /// For the test log.
    public var description: String { "\(source): cannot decode PNG: \(message)" }
}

/// A decoded PNG: straight-alpha RGBA8 pixels plus the metadata this package writes.
public struct PNGImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `width * height * 4` bytes, rows top to bottom, straight (non-premultiplied) alpha.
    public var rgba: [UInt8]
    /// Dots per inch from the pHYs chunk (x direction), when it is present and in metres.
    public var dpi: Double?
    /// Text chunks (tEXt and iTXt) in file order, as key/value pairs.
    public var texts: [(key: String, value: String)]

    /// The value of the first text chunk named `key`.
    public func text(_ key: String) -> String? {
        texts.first(where: { $0.key == key })?.value
    }

    /// The pixel at column `x`, row `y`: (red, green, blue, alpha).
    public func pixel(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8) {
        let i = (y * width + x) * 4
        return (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3])
    }

    /// Decodes PNG bytes held in memory.
    public static func decode(_ bytes: [UInt8]) throws -> PNGImage {
        var image = cpngd_image()
        var message = [CChar](repeating: 0, count: 256)
        let code = bytes.withUnsafeBufferPointer { buffer in
            cpngd_decode_memory(buffer.baseAddress, buffer.count, &image, &message, message.count)
        }
        return try finish(&image, code: code, message: message, source: "memory")
    }

    /// Decodes a PNG file.
    public static func decode(path: String) throws -> PNGImage {
        var image = cpngd_image()
        var message = [CChar](repeating: 0, count: 256)
        let code = cpngd_decode_file(path, &image, &message, message.count)
        return try finish(&image, code: code, message: message, source: path)
    }

    private static func finish(_ image: inout cpngd_image, code: Int32, message: [CChar],
                               source: String) throws -> PNGImage {
        defer { cpngd_image_free(&image) }
        guard code == Int32(CPNGD_OK), let pixels = image.rgba else {
            throw PNGDecodeError(source: source, message: messageText(message))
        }
        let width = Int(image.width), height = Int(image.height)
        var texts: [(key: String, value: String)] = []
        for k in 0..<image.text_count {
            guard let key = image.text_keys[k], let value = image.text_values[k] else { continue }
            let valueBytes = UnsafeRawBufferPointer(start: value, count: image.text_value_lengths[k])
            texts.append((String(cString: key), String(decoding: valueBytes, as: UTF8.self)))
        }
        var dpi: Double?
        if image.has_phys != 0, image.phys_unit_is_metre != 0 {
            dpi = Double(image.phys_x) * 0.0254
        }
        return PNGImage(width: width, height: height,
                        rgba: Array(UnsafeBufferPointer(start: pixels, count: width * height * 4)),
                        dpi: dpi, texts: texts)
    }

    /// Equal pixels, size, dpi and text chunks (in order).
    public static func == (a: PNGImage, b: PNGImage) -> Bool {
        a.width == b.width && a.height == b.height && a.rgba == b.rgba && a.dpi == b.dpi
            && a.texts.map(\.key) == b.texts.map(\.key) && a.texts.map(\.value) == b.texts.map(\.value)
    }
}


/// The NUL-terminated text in a C message buffer.
private func messageText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
