// swift-tools-version: 6.0
//
// libFuzzer targets for the readers of untrusted input. A separate package so that the root
// build never needs the fuzzer runtime; it depends on the root package by path.
// Build and run with `./run.sh [seconds]` (see README.md).
import PackageDescription

let package = Package(
    name: "penultimate-fuzz",
    dependencies: [
        .package(name: "penultimate", path: ".."),
    ],
    targets: [
        // Feature dumps: Dump.open + validate + streaming every split.
        .executableTarget(
            name: "FuzzDump",
            dependencies: [.product(name: "PenultimateKit", package: "penultimate")]),
        // Random feature layouts written by our HDF5 wrapper: raw fast path vs libhdf5 vs Swift, bit for bit.
        .executableTarget(
            name: "FuzzFastPath",
            dependencies: [.product(name: "PenultimateKit", package: "penultimate")]),
        // Centroid files (what `eta` reads besides dumps): CentroidFile.read, centroids, merge.
        .executableTarget(
            name: "FuzzCentroids",
            dependencies: [.product(name: "PenultimateKit", package: "penultimate")]),
        // Projection files (what `plot` reads), HDF5 and JSON: ProjectionFile.read, CSV and JSON out.
        .executableTarget(
            name: "FuzzProjection",
            dependencies: [.product(name: "PenultimateKit", package: "penultimate")]),
        // WordNet data.noun / index.noun: lookups, ancestors, depth, LCA, path distance.
        .executableTarget(
            name: "FuzzWordNet",
            dependencies: [.product(name: "PenultimateKit", package: "penultimate")]),
        // Hierarchy files (`--hierarchy`): CustomHierarchy, tree invariants, every set rule.
        .executableTarget(
            name: "FuzzHierarchy",
            dependencies: [.product(name: "PenultimateKit", package: "penultimate")]),
    ]
)
