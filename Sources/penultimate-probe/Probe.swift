// penultimate-probe FILE: reads the strings a dump is opened with (root attributes, /classes),
// and nothing else. FeatureStore runs it before reading a file's strings itself, because
// libhdf5 1.10 can crash or loop forever on a corrupt global heap; see StringProbe.swift.
// Exit 0 when the reads finished (errors included: the tool reports those itself).
import Foundation
import HDF5

@main
enum Probe {
    static func main() {
        guard CommandLine.arguments.count == 2 else { exit(64) }
        let path = CommandLine.arguments[1]
        if let file = try? File(path: path, mode: .readOnly) {
            let root = file.root
            // By name as well as by listing: a corrupt attribute table can hide names from the listing
            // that the open still reads directly.
            let known = ["format", "model", "role", "dataset", "teacher_model", "config_json", "writer", "manifest_shards"]
            for name in Set(known + ((try? root.attributeNames()) ?? [])) where root.hasAttribute(name) {
                _ = try? root.readStringAttribute(name)
                _ = try? root.readStringArrayAttribute(name)
            }
            for dataset in ["/classes/wnid", "/classes/name"] where root.kind(of: dataset) == .dataset {
                _ = try? root.dataset(dataset).readStrings()
            }
        }
    }
}
