import CPNG

/// Writes the figures' PNG bytes through libpng. (Reading PNGs back is for the tests only:
/// TestSupport's `PNGImage`.)
public enum PNGEncoder {
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
