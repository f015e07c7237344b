import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads rows of an unfiltered little-endian float32 ``ChunkPlan`` straight into Float buffers
/// with `pread`, bypassing libhdf5 (whose global lock serialises all I/O), on two threads for
/// large reads. The plan has already checked that the bytes on disk are exactly those rows.
final class RawRowReader: @unchecked Sendable {
    private let plan: ChunkPlan
    private let rowBytes: Int

    init?(plan: ChunkPlan?) {
        guard let plan, plan.element == .float32, !plan.isFiltered else { return nil }
        self.plan = plan
        rowBytes = plan.dim * 4
    }

    /// Byte segments (file offset, length, buffer offset) covering rows `rows`.
    /// (Every piece of a plan but the last holds `chunkRows` rows, so a row's piece is a division.)
    private func segments(_ rows: Range<Int>) -> [(file: UInt64, count: Int, buffer: Int)] {
        let pieceRows = plan.chunkRows
        var result: [(UInt64, Int, Int)] = []
        var row = rows.lowerBound
        while row < rows.upperBound {
            let piece = row / pieceRows
            let end = min(rows.upperBound, (piece + 1) * pieceRows)
            result.append((plan.pieces[piece].address + UInt64((row - piece * pieceRows) * rowBytes),
                           (end - row) * rowBytes, (row - rows.lowerBound) * rowBytes))
            row = end
        }
        return result
    }

    /// Reads rows `rows` into `buffer` (at least rows.count × dim Floats).
    func read(rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws(StoreError) {
        let base = UnsafeMutableRawPointer(buffer.baseAddress!)
        let parts = segments(rows)
        let total = rows.count * rowBytes
        // Two threads only when there is enough to split; halves by bytes, not by segment count.
        let threads = total >= 8 << 20 ? 2 : 1
        let failures = UnsafeMutablePointer<Int32>.allocate(capacity: threads)
        failures.initialize(repeating: 0, count: threads)
        defer { failures.deallocate() }
        let fd = plan.fd
        // Threads write disjoint byte ranges of the buffer and their own failure slot; the
        // pointers travel as integers because raw pointers are not Sendable.
        let baseBits = UInt(bitPattern: base), failureBits = UInt(bitPattern: failures)
        let work: @Sendable (Int) -> Void = { t in
            let base = UnsafeMutableRawPointer(bitPattern: baseBits)!
            let failures = UnsafeMutablePointer<Int32>(bitPattern: failureBits)!
            let lo = total * t / threads, hi = total * (t + 1) / threads
            for part in parts {
                let a = max(lo, part.buffer), b = min(hi, part.buffer + part.count)
                var done = a
                while done < b {
                    let n = pread(fd, base + done, b - done, off_t(part.file) + off_t(done - part.buffer))
                    if n <= 0 {
                        failures[t] = n == 0 ? -1 : errno
                        return
                    }
                    done += n
                }
            }
        }
        if threads == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: work) }
        for t in 0..<threads where failures[t] != 0 {
            let reason = failures[t] == -1 ? "unexpected end of file" : String(cString: strerror(failures[t]))
            throw plan.error("cannot read rows \(rows.lowerBound)..<\(rows.upperBound): \(reason)")
        }
    }
}
