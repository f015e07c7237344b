// penultimate-probe FILE: reads the strings a dump is opened with and nothing else, so that
// FeatureStore can see libhdf5 crash or hang on a corrupt heap in this process rather than in the
// tool (StringProbe.swift). Exit 0 when the reads finished, errors included (the tool reports
// those); 3 when libhdf5 ran out of the probe's capped memory.
import FeatureStore
import Foundation

@main
enum Probe {
    static func main() {
        guard CommandLine.arguments.count == 2 else { exit(64) }
        exit(StringProbe.probe(path: CommandLine.arguments[1]))
    }
}
