import Foundation
import Penultimate

/// One fuzz input per call: the bytes become a centroid file (format penultimate-centroids),
/// which is read as `eta` reads it, then used: centroids, a merge with itself, labels. A thrown
/// error is the expected outcome for most inputs; crashes (a precondition on file data, an index
/// out of range), sanitizer reports and hangs are the findings.
let centroidPath: String = {
    let dir = NSTemporaryDirectory()
    return (dir as NSString).appendingPathComponent("penultimate-fuzz-centroids-\(getpid()).h5")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCentroids(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    guard FileManager.default.createFile(atPath: centroidPath, contents: bytes) else { return 0 }
    defer { unlink(centroidPath) }
    exercise(centroidPath)
    return 0
}

func exercise(_ path: String) {
    _ = CentroidFile.isCentroidFile(path)
    guard let file = try? CentroidFile.read(path) else { return }
    let classes = file.classes.count
    precondition(classes > 0 && file.accumulator.classCount == classes, "class count")
    precondition(file.accumulator.sums.count == classes * file.accumulator.dim, "sums size")
    precondition(file.accumulator.counts.allSatisfy { $0 >= 0 }, "counts")
    precondition(file.accumulator.sums.allSatisfy(\.isFinite), "finite sums")
    for i in 0..<min(classes, 8) { _ = file.classes.label(i) }
    if let kd = file.source.kdTemperature { precondition(kd.isFinite && kd > 0, "temperature") }
    precondition(file.source.lsAlpha >= 0 && file.source.lsAlpha < 1, "alpha")
    _ = file.accumulator.centroids()
    _ = try? CentroidFile.merged([file, file])
}
