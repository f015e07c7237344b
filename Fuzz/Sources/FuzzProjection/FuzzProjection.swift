import Foundation
import Penultimate

/// One fuzz input per call: the bytes become a projection file (format penultimate-projection,
/// HDF5, or its JSON form when the input starts with "{"), which is read as `plot` reads it and
/// then written out again as CSV and JSON. A thrown error is the expected outcome for most
/// inputs; crashes, sanitizer reports and hangs are the findings.
let projectionPath: String = {
    let dir = NSTemporaryDirectory()
    return (dir as NSString).appendingPathComponent("penultimate-fuzz-projection-\(getpid())")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProjection(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    let path = projectionPath + (bytes.first == UInt8(ascii: "{") ? ".json" : ".h5")
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }
    defer { unlink(path) }
    exercise(path)
    return 0
}

func exercise(_ path: String) {
    guard let file = try? ProjectionFile.read(path: path) else { return }
    precondition(file.wnids.count == 3 && file.names.count == 3, "three classes")
    precondition(file.basis.count == (file.method == .muller ? 2 : 3), "basis size")
    for split in file.splits {
        precondition(split.points.count == split.classes.count && split.centroids.count == 3, "split sizes")
        for c in split.classes { _ = file.wnids[c] }
        precondition(split.points.allSatisfy { $0.x.isFinite && $0.y.isFinite }, "finite points")
    }
    _ = file.sourceNumber("kd_temperature")
    _ = file.csvText()
    // The encoder itself never throws: a throw here is a document type that cannot hold what was read.
    do { _ = try file.jsonText() } catch { preconditionFailure("a projection file that reads must write its JSON: \(error)") }
}
