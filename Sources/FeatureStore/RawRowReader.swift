import Dispatch
import HDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads rows of an unfiltered little-endian float32 dataset straight from the file with `pread`,
/// bypassing libhdf5 (whose global lock serialises all I/O), on two threads for large reads.
///
/// Only used when the bytes on disk are exactly the Float rows wanted: no filters, no virtual
/// layout, no user block, chunks spanning whole rows, and every chunk allocated.
final class RawRowReader: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let rowBytes: Int
    /// Rows per chunk, or nil for a contiguous dataset starting at `contiguousAddress`.
    private let chunkRows: Int?
    private let contiguousAddress: UInt64
    /// File offset of the chunk starting at row `i * chunkRows`.
    private let chunkAddresses: [UInt64]

    /// `PENULTIMATE_NO_RAW_READ=1` forces every read through libhdf5 (for benchmarks and bisecting).
    static var enabled: Bool { getenv("PENULTIMATE_NO_RAW_READ") == nil }

    init?(dataset d: Dataset, rows: Int, dim: Int) {
        guard Self.enabled, rows > 0,
              (try? d.elementType) == .float32, (try? d.isLittleEndian) == true,
              (try? d.isVirtual) == false, (try? d.filters.isEmpty) == true,
              (try? d.file.userBlockSize) == 0 else { return nil }
        path = d.file.path
        rowBytes = dim * 4
        if let chunk = (try? d.chunkShape) ?? nil {
            guard chunk.count == 2, chunk[1] == dim, chunk[0] > 0,
                  let stored = try? d.storedChunkCount(), stored == (rows + chunk[0] - 1) / chunk[0] else { return nil }
            var addresses = [UInt64](repeating: 0, count: stored)
            for i in 0..<stored {
                guard let info = try? d.chunkInfo(at: [i * chunk[0], 0]),
                      info.byteCount == chunk[0] * dim * 4 else { return nil }
                addresses[i] = info.address
            }
            chunkRows = chunk[0]
            chunkAddresses = addresses
            contiguousAddress = 0
        } else {
            guard let address = d.contiguousAddress else { return nil }
            chunkRows = nil
            chunkAddresses = []
            contiguousAddress = address
        }
        fd = open(d.file.path, O_RDONLY)
        if fd < 0 { return nil }
    }

    deinit { close(fd) }

    /// Byte segments (file offset, length, buffer offset) covering rows `rows`.
    private func segments(_ rows: Range<Int>) -> [(file: UInt64, count: Int, buffer: Int)] {
        guard let chunkRows else {
            return [(contiguousAddress + UInt64(rows.lowerBound * rowBytes), rows.count * rowBytes, 0)]
        }
        var result: [(UInt64, Int, Int)] = []
        var row = rows.lowerBound
        while row < rows.upperBound {
            let chunk = row / chunkRows
            let end = min(rows.upperBound, (chunk + 1) * chunkRows)
            result.append((chunkAddresses[chunk] + UInt64((row - chunk * chunkRows) * rowBytes),
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
        let fd = self.fd
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
            throw StoreError(file: path, object: "features", message: "cannot read rows \(rows.lowerBound)..<\(rows.upperBound): \(reason)")
        }
    }
}
