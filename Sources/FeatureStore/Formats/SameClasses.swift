extension ClassList {
    /// Refuses two class lists that do not describe the same classes in the same order (`b`, read
    /// from `fileB`, is named as the file at fault). Used where two files are combined: centroid
    /// files merged, the models η compares.
    public static func requireSame(_ a: ClassList, _ fileA: String, _ b: ClassList, _ fileB: String) throws(InputError) {
        guard a.count == b.count else {
            throw InputError(file: fileB, object: "/classes",
                             message: "has \(b.count) classes, but \(fileA) has \(a.count); both must describe the same classes")
        }
        for (label, listA, listB) in [("wnid", a.wnids, b.wnids), ("name", a.names, b.names)] {
            guard let listA, let listB else { continue }
            if let k = listA.indices.first(where: { listA[$0] != listB[$0] }) {
                throw InputError(file: fileB, object: "/classes/\(label)",
                                 message: "class \(k) is \(listB[k]), but in \(fileA) it is \(listA[k]); both must list the same classes in the same order")
            }
        }
        if (a.wnids == nil) != (b.wnids == nil), a.names == nil || b.names == nil {
            throw InputError(file: fileB, object: "/classes",
                             message: "one of \(fileA) and \(fileB) lists wnids only and the other names only; cannot check they are the same classes")
        }
    }
}
