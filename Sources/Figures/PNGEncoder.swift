import CPNG

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

    /// Encodes straight-alpha RGBA8 pixels to PNG bytes with a pHYs chunk for `dpi` and one
    /// text chunk per entry of `texts` (ASCII values as tEXt, others as iTXt), in the given order.
    public static func encode(rgba: [UInt8], width: Int, height: Int, dpi: Double,
                              texts: [(key: String, value: String)]) throws -> [UInt8] {
        guard width > 0, height > 0, rgba.count == width * height * 4,
              width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw FigureError.png(source: "memory", message: "pixel buffer does not match \(width)×\(height) RGBA8")
        }
        for (key, _) in texts {
            let bytes = Array(key.utf8)
            guard (1...79).contains(bytes.count), bytes.allSatisfy({ (0x20...0x7E).contains($0) }),
                  bytes.first != 0x20, bytes.last != 0x20 else {
                throw FigureError.invalidProvenanceKey(key)
            }
        }
        // Keep every C string alive for the duration of the call.
        let keys = texts.map { Array($0.key.utf8CString) }
        let values = texts.map { Array($0.value.utf8CString) }
        var message = [CChar](repeating: 0, count: 256)
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let code: Int32 = withPointers(keys) { keyPointers in
            withPointers(values) { valuePointers in
                var entries = (0..<texts.count).map { i in
                    cpng_text_in(key: keyPointers[i], value: valuePointers[i], value_length: values[i].count - 1)
                }
                return entries.withUnsafeMutableBufferPointer { entryBuffer in
                    rgba.withUnsafeBufferPointer { pixels in
                        cpng_encode_rgba(pixels.baseAddress, UInt32(width), UInt32(height), width * 4, dpi,
                                         entryBuffer.baseAddress, entryBuffer.count,
                                         &output, &length, &message, message.count)
                    }
                }
            }
        }
        guard code == Int32(CPNG_OK), let output else {
            throw FigureError.png(source: "memory", message: messageText(message))
        }
        defer { cpng_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }

    /// Decodes PNG bytes held in memory.
    public static func decode(_ bytes: [UInt8]) throws -> PNGImage {
        var image = cpng_image()
        var message = [CChar](repeating: 0, count: 256)
        let code = bytes.withUnsafeBufferPointer { buffer in
            cpng_decode_memory(buffer.baseAddress, buffer.count, &image, &message, message.count)
        }
        return try finish(&image, code: code, message: message, source: "memory")
    }

    /// Decodes a PNG file.
    public static func decode(path: String) throws -> PNGImage {
        var image = cpng_image()
        var message = [CChar](repeating: 0, count: 256)
        let code = cpng_decode_file(path, &image, &message, message.count)
        return try finish(&image, code: code, message: message, source: path)
    }

    private static func finish(_ image: inout cpng_image, code: Int32, message: [CChar],
                               source: String) throws -> PNGImage {
        defer { cpng_image_free(&image) }
        guard code == Int32(CPNG_OK), let pixels = image.rgba else {
            throw FigureError.png(source: source, message: messageText(message))
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

/// Calls `body` with stable pointers to each NUL-terminated string in `strings`.
private func withPointers<R>(_ strings: [[CChar]], _ body: ([UnsafePointer<CChar>]) -> R) -> R {
    func recurse(_ index: Int, _ collected: [UnsafePointer<CChar>]) -> R {
        if index == strings.count { return body(collected) }
        return strings[index].withUnsafeBufferPointer { buffer in
            recurse(index + 1, collected + [buffer.baseAddress!])
        }
    }
    return recurse(0, [])
}

/// The NUL-terminated text in a C message buffer.
private func messageText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
