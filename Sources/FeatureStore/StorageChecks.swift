import HDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Data that lives outside the dataset's own HDF5 file: virtual datasets (whose sources libhdf5
// reads as the fill value when a file or dataset is missing, or where no mapping covers a row)
// and external raw storage (read as zeros past the end of a short file). Both are checked when
// the dataset is opened, as manifests are, so no number is ever computed from fill values.

extension Dump {
    /// How deep virtual datasets may nest (a source that is itself virtual).
    static let maxVirtualDepth = 8

    /// The folder of the file that holds `d` (where libhdf5 resolves its relative source names).
    static func folder(of d: Dataset) -> String {
        let name = d.storageFileName
        return name.lastIndex(of: "/").map { String(name[...$0]) } ?? ""
    }

    /// The path libhdf5 1.10 opens for virtual source file `name` of a dataset in `folder`, or nil
    /// when none of the places it looks holds a readable file: the name itself when absolute, then
    /// (with the folder part stripped) each `HDF5_VDS_PREFIX` entry, the virtual file's folder,
    /// and the current directory.
    static func resolveVirtualSource(_ name: String, folder: String) -> String? {
        var candidates: [String] = []
        var base = name
        if name.hasPrefix("/") {
            candidates.append(name)
            base = String(name[name.index(after: name.lastIndex(of: "/")!)...])
        }
        if let env = getenv("HDF5_VDS_PREFIX").map({ String(cString: $0) }), !env.isEmpty {
            for prefix in env.split(separator: ":") {
                let p = prefix.replacingOriginWith(folder)
                candidates.append(p.hasSuffix("/") ? p + base : p + "/" + base)
            }
        }
        candidates.append(folder + base)
        candidates.append(base)
        return candidates.first { access($0, R_OK) == 0 }
    }

    /// Every source of virtual dataset `d` exists (file readable, dataset present and large enough
    /// for its selection, itself fully written), and the mappings cover every element of the extent.
    static func checkVirtual(_ d: Dataset, file: String, object: String, depth: Int) throws(StoreError) {
        let (mappings, shape) = try hdf5(file, object) { () throws(HDF5Error) in (try d.virtualMappings(), try d.shape) }
        let fix = "keep every source file beside the virtual dataset's file, or read the sources themselves"
        guard depth < maxVirtualDepth else {
            throw StoreError(file: file, object: object, message: "virtual datasets nest more than \(maxVirtualDepth) deep (a cycle?)")
        }
        let folder = folder(of: d)
        for (i, m) in mappings.enumerated() {
            let described = "virtual source \(i) (\(m.file):\(m.dataset))"
            let source: Dataset
            if m.file == "." {
                guard d.file.root.kind(of: m.dataset) == .dataset else {
                    throw StoreError(file: file, object: object, message: "\(described): no such dataset in this file", fix: fix)
                }
                source = try hdf5(file, object) { () throws(HDF5Error) in try d.file.root.dataset(m.dataset) }
            } else {
                guard let path = resolveVirtualSource(m.file, folder: folder) else {
                    let shown = m.file.hasPrefix("/") ? m.file : folder + m.file
                    throw StoreError(file: file, object: object, message: "\(described): source file is missing (\(shown))", fix: fix)
                }
                let opened: File
                do {
                    opened = try File(path: path, mode: .readOnly)
                } catch {
                    throw StoreError(file: file, object: object, message: "\(described): \(path) is not a readable HDF5 file (\(error.innermost))", fix: fix)
                }
                guard opened.root.kind(of: m.dataset) == .dataset else {
                    throw StoreError(file: file, object: object, message: "\(described): no such dataset in \(path)", fix: fix)
                }
                source = try hdf5(path, m.dataset) { () throws(HDF5Error) in try opened.root.dataset(m.dataset) }
            }
            let sourceShape = try hdf5(file, object) { () throws(HDF5Error) in try source.shape }
            let selected = m.sourcePoints ?? sourceShape.reduce(1, *)
            if m.virtualPoints != selected {
                throw StoreError(file: file, object: object,
                                 message: "\(described): the mapping covers \(m.virtualPoints) elements but selects \(selected) of the source (shape \(sourceShape))", fix: fix)
            }
            if let upper = m.sourceUpperBounds,
               upper.count != sourceShape.count || zip(upper, sourceShape).contains(where: { $0 >= $1 }) {
                throw StoreError(file: file, object: object,
                                 message: "\(described): the mapping reads up to \(upper.map { $0 + 1 }) but the source has shape \(sourceShape) (the rest would read as fill values)", fix: fix)
            }
            // A source's own gaps (unwritten chunks, its own sources) are this dataset's: reported
            // against the file that was opened, naming the source.
            do {
                try checkWritten(source, file: source.file.path, object: source.path, depth: depth + 1)
            } catch {
                throw StoreError(file: file, object: object, message: "\(described): \(error.file): \(error.object): \(error.message)",
                                 fix: error.fix)
            }
        }
        if let row = try hdf5(file, object, { () throws(HDF5Error) in try VirtualMapping.firstUnmappedRow(of: shape, mappings, object) }) {
            throw StoreError(file: file, object: object,
                             message: "row \(row) is not mapped to any source (of \(shape.first ?? 0) rows; it would read as the fill value)",
                             fix: fix)
        }
    }

    /// The path libhdf5 1.10 opens for external raw file `name` of `d`: the prefix `d` was opened
    /// with, as libhdf5 expanded it (`HDF5_EXTFILE_PREFIX` when set before the process started,
    /// else the `${ORIGIN}` access property: the folder of the file that holds `d`), joined to the
    /// name unless absolute. Asking libhdf5 rather than re-deriving it keeps this check and the
    /// read on the same bytes, whatever the working folder.
    static func resolveExternal(_ name: String, of d: Dataset) -> String {
        d.externalPath(name)
    }

    /// Every external raw file of `d` exists and holds its part of the data: libhdf5 reads a
    /// missing file as an error but the part of a short file past its end as zeros.
    static func checkExternal(_ d: Dataset, _ files: [ExternalFile], file: String, object: String) throws(StoreError) {
        let (shape, type) = try hdf5(file, object) { () throws(HDF5Error) in (try d.shape, try d.elementType) }
        guard let elementBytes = type.byteCount else { return }
        var remaining = shape.reduce(elementBytes, *)
        let fix = "keep the external raw files beside the HDF5 file, or rewrite it with its data inside (`h5repack`)"
        // Unless the user chose a prefix, libhdf5 must resolve against the holding file's folder:
        // anything else (the working folder) could read another dump's raw files.
        if userExternalFilePrefix == nil, files.contains(where: { !$0.name.hasPrefix("/") }) {
            var expected = folder(of: d)
            if !expected.hasPrefix("/"), let cwd = getcwd(nil, 0) {  // a link target found from the working folder
                expected = String(cString: cwd) + "/" + expected
                free(cwd)
            }
            let prefix = d.externalFilePrefix ?? ""
            if (prefix.hasSuffix("/") ? prefix : prefix + "/") != expected {
                throw StoreError(file: file, object: object,
                                 message: "libhdf5 would resolve the external raw storage files against \(prefix.isEmpty ? "the working folder" : prefix), not the file's folder \(expected)",
                                 fix: "set HDF5_EXTFILE_PREFIX to that folder, or rewrite the file with its data inside (`h5repack`)")
            }
        }
        for entry in files where remaining > 0 {
            let part = min(remaining, entry.size ?? Int.max)
            let path = resolveExternal(entry.name, of: d)
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw StoreError(file: file, object: object, message: "external raw storage file \(entry.name) is missing (\(path))", fix: fix)
            }
            guard access(path, R_OK) == 0 else {
                throw StoreError(file: file, object: object, message: "external raw storage file \(entry.name) is not readable (\(path))", fix: fix)
            }
            guard Int(info.st_size) >= entry.offset + part else {
                throw StoreError(file: file, object: object,
                                 message: "external raw storage file \(entry.name) holds \(info.st_size) bytes, but the data needs \(entry.offset + part) (the rest would read as zeros)",
                                 fix: fix)
            }
            remaining -= part
        }
        if remaining > 0 {
            throw StoreError(file: file, object: object, message: "external raw storage holds \(remaining) bytes fewer than the dataset's extent")
        }
    }
}

extension StringProtocol {
    /// `${ORIGIN}` (libhdf5's name for the HDF5 file's folder) replaced by `folder`.
    func replacingOriginWith(_ folder: String) -> String {
        let text = String(self)
        guard let range = text.range(of: "${ORIGIN}") else { return text }
        let origin = folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : (folder.isEmpty ? "." : folder)
        return text.replacingCharacters(in: range, with: origin)
    }
}
