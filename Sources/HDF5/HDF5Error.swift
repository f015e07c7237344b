import CHDF5

/// A failed libhdf5 call: what was attempted, on which object, and libhdf5's own error stack.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    /// The operation that failed, e.g. "open file" or "read rows 0..<64".
    public var operation: String
    /// The file or object path involved.
    public var object: String
    /// libhdf5's error stack, innermost (most specific) message first.
    public var stack: [String]

    /// An error about `object`, with libhdf5's messages innermost first.
    public init(operation: String, object: String, stack: [String]) {
        self.operation = operation
        self.object = object
        self.stack = stack
    }

    /// The most specific message libhdf5 reported, or a generic one when the stack was empty.
    public var innermost: String { stack.first ?? "libhdf5 reported no details" }

    /// One line: `<object>: cannot <operation>: <innermost message>`.
    public var description: String { "\(object): cannot \(operation): \(innermost)" }

    /// True when any message on the stack contains `fragment` (case-insensitive).
    public func stackMentions(_ fragment: String) -> Bool {
        let f = fragment.lowercased()
        return stack.contains { $0.lowercased().contains(f) }
    }
}

/// Turns off libhdf5's automatic printing to stderr for the calling thread (the error
/// stack and its auto-print setting are per thread in a thread-safe build).
@inline(__always)
func silenceAutomaticErrorPrinting() {
    externalFilesBesideTheFile()  // before libhdf5 initialises (this is often its first call)
    H5Eset_auto2(shim_E_DEFAULT(), nil, nil)
}

/// Reads and clears the calling thread's error stack, innermost message first.
func takeErrorStack() -> [String] {
    var messages: [String] = []
    withUnsafeMutablePointer(to: &messages) { pointer in
        _ = H5Ewalk2(shim_E_DEFAULT(), H5E_WALK_UPWARD, { _, error, data in
            guard let error, let data, let desc = error.pointee.desc else { return 0 }
            let text = String(cString: desc).trimmingWhitespace
            if !text.isEmpty {
                data.assumingMemoryBound(to: [String].self).pointee.append(text)
            }
            return 0
        }, pointer)
    }
    H5Eclear2(shim_E_DEFAULT())
    return messages
}

/// Runs a libhdf5 call returning an id or status; a negative result becomes an ``HDF5Error``.
@discardableResult
func check<T: BinaryInteger>(_ operation: @autoclosure () -> String, _ object: @autoclosure () -> String,
                             _ call: () -> T) throws(HDF5Error) -> T {
    silenceAutomaticErrorPrinting()
    let result = call()
    if result < 0 {
        throw HDF5Error(operation: operation(), object: object(), stack: takeErrorStack())
    }
    return result
}

/// The most bytes one whole read (a dataset, a string list, an attribute) allocates. A corrupt
/// (or absurd) dataspace can claim trillions of elements, and allocating for them would abort
/// the process. What this library reads whole stays far below: the labels of ImageNet-21k's 14
/// million images take 112 MB, a 21,841 × 4096 classifier 358 MB.
public let maxWholeReadBytes = 1 << 30

/// Throws `message` unless `count` elements of `stride` bytes are a sane whole read: not
/// negative (a failed or overflowing count), and at most ``maxWholeReadBytes``.
func checkWholeRead(count: Int, stride: Int, _ operation: String, _ object: String,
                    _ message: @autoclosure () -> String) throws(HDF5Error) {
    guard count >= 0, count <= maxWholeReadBytes / max(stride, 1) else {
        throw HDF5Error(operation: operation, object: object, stack: [message()])
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace || c == "\0" { s.removeLast() }
        return String(s)
    }
}
