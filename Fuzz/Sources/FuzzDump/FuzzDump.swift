import Foundation
import Penultimate

/// One fuzz input per call: the bytes become a dump file, which is opened, validated and
/// streamed. Thrown errors are the expected outcome for most inputs; crashes, sanitizer
/// reports and hangs are the findings.
let dumpPath: String = {
    let dir = NSTemporaryDirectory()
    return (dir as NSString).appendingPathComponent("penultimate-fuzz-dump-\(getpid()).h5")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDump(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    guard FileManager.default.createFile(atPath: dumpPath, contents: bytes) else { return 0 }
    defer { unlink(dumpPath) }
    exercise(dumpPath)
    return 0
}

func exercise(_ path: String) {
    guard let dump = try? Dump.open([path]) else { return }
    _ = dump.attributes.provenance
    for i in 0..<min(dump.classes.count, 8) { _ = dump.classes.label(i) }
    _ = try? dump.classifier()
    let report = dump.validate()
    _ = report.messages
    for name in dump.splitNames {
        guard let reader = try? dump.split(name) else { continue }
        var seen = 0
        try? reader.forEachBlock(maxRows: 7, includeLogits: reader.hasLogits) { block in
            precondition(block.features.count == block.rowCount * block.dim, "features size")
            precondition(block.labels.count == block.rowCount, "labels size")
            for label in block.labels { precondition(label >= 0 && Int(label) < block.classCount, "label range") }
            seen += block.rowCount
        }
        // Streaming one class exercises the label-filtered path.
        try? reader.forEachBlock(maxRows: 5, classes: [0]) { block in
            precondition(block.labels.allSatisfy { $0 == 0 }, "class filter")
        }
    }
}
