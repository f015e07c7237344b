// swift-tools-version: 6.0
//
// penultimate: measure what label smoothing and knowledge distillation do to a
// classifier's penultimate-layer representations.
//
// Layering (data flows one way):
//   C shims (CHDF5, CPNG, CCairo, COpenBLAS)
//     -> text escaping with no dependencies (PlainText: JSON and CSV literals)
//     -> thin Swift wrappers (HDF5, Figures, BLASKernel), pure analysis (Analysis), tool plumbing (ToolSupport:
//        atomic outputs, exit codes, provenance; it imports PlainText only)
//     -> every file format (FeatureStore: dumps, centroid and projection files, the JSON documents;
//        the only module above the C edge that imports HDF5), WordNet (Taxonomy), training (MiniLab)
//        (MiniLab draws from Analysis's seeded generator: Analysis imports nothing, so no cycle)
//     -> workflows shared by the tools (PenultimateKit)
//     -> Penultimate, the umbrella the tools import (re-exports only)
//     -> executables that only parse arguments and print.
import PackageDescription

let package = Package(
    name: "penultimate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "inspect", targets: ["inspect"]),
        .executable(name: "eta", targets: ["eta"]),
        .executable(name: "project", targets: ["project"]),
        .executable(name: "plot", targets: ["plot"]),
        .executable(name: "accuracy", targets: ["accuracy"]),
        .executable(name: "minilab", targets: ["minilab"]),
        .executable(name: "geometry", targets: ["geometry"]),
        .executable(name: "penultimate-probe", targets: ["penultimate-probe"]),
        .library(name: "PenultimateKit", targets: ["Penultimate", "PenultimateKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: C at the edge
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5-serial",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]),
        .target(
            name: "CPNG",
            linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // glibc's allocator settings (part of libc: nothing to link).
        .systemLibrary(name: "CMalloc"),

        // MARK: Safe wrappers and the domain
        // JSON and CSV text escaping, shared by the figure metadata, the tables and every document (a leaf).
        .target(name: "PlainText"),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        // Every on-disk format: dumps, centroid files, projection files, the JSON documents (Formats/).
        .target(name: "FeatureStore", dependencies: ["HDF5", "CZlib", "PlainText", "Analysis", "ToolSupport"]),
        .target(name: "Analysis"),
        .target(name: "Taxonomy", resources: [.copy("Resources")]),
        .target(name: "Figures", dependencies: ["CCairo", "CPNG", "PlainText"]),
        .target(name: "MiniLab", dependencies: ["Analysis", "COpenBLAS"]),
        // Analysis's MatrixKernel through OpenBLAS (dgemm, dsyrk), injected by the eta workflow. It
        // loads OpenBLAS itself (dlopen) to name the CPU's kernels first: see OpenBLASKernel.swift.
        .target(name: "BLASKernel", dependencies: ["Analysis"]),
        .target(name: "ToolSupport", dependencies: ["PlainText", "CMalloc"]),
        .target(
            name: "PenultimateKit",
            dependencies: ["FeatureStore", "Analysis", "BLASKernel", "Taxonomy", "Figures", "ToolSupport", "PlainText"]),
        // The umbrella the tools import: re-exports PenultimateKit and the modules in its API, no code.
        .target(
            name: "Penultimate",
            dependencies: ["PenultimateKit", "Analysis", "FeatureStore", "Figures", "Taxonomy", "ToolSupport"]),
        // The mini-lab's experiment written as dumps: kept apart so only `minilab` links OpenBLAS.
        .target(name: "MiniLabRun", dependencies: ["MiniLab", "FeatureStore", "Taxonomy", "ToolSupport"]),

        // Option groups and the run loop the command-line tools share.
        .target(
            name: "ToolOptions",
            dependencies: ["Analysis", "FeatureStore", "PenultimateKit", "Taxonomy", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: Executables: parse arguments, call the library, print
        // Reads a file's strings in a process of its own (libhdf5 1.10 can crash on corrupt heaps).
        .executableTarget(name: "penultimate-probe", dependencies: ["FeatureStore"]),
        .executableTarget(name: "inspect", dependencies: ["Penultimate", "FeatureStore", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "eta", dependencies: ["Penultimate", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "project", dependencies: ["Penultimate", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "plot", dependencies: ["Penultimate", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "accuracy", dependencies: ["Penultimate", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "geometry", dependencies: ["Penultimate", "ToolOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "minilab", dependencies: ["Penultimate", "ToolOptions", "MiniLab", "MiniLabRun", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: Tests
        // Process running (tools, python3 cross-checks, with time limits), temp folders, the package
        // root and a PNG reader, shared by the tests.
        // Reads PNGs back for the tests (the tools only write them, through CPNG).
        .target(name: "CPNGDecode", linkerSettings: [.linkedLibrary("png16")]),
        .target(name: "TestSupport", dependencies: ["CPNGDecode"], path: "Sources/TestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["TestSupport", "HDF5"]),
        .testTarget(name: "FeatureStoreTests", dependencies: ["TestSupport", "FeatureStore", "HDF5"]),
        .testTarget(name: "AnalysisTests", dependencies: ["TestSupport", "Analysis"]),
        .testTarget(name: "BLASKernelTests", dependencies: ["TestSupport", "BLASKernel", "Analysis"]),
        .testTarget(name: "TaxonomyTests", dependencies: ["TestSupport", "Taxonomy"]),
        .testTarget(name: "FiguresTests", dependencies: ["TestSupport", "Figures"]),
        .testTarget(name: "MiniLabTests", dependencies: ["TestSupport", "MiniLab", "Analysis"]),
        .testTarget(name: "ToolSupportTests", dependencies: ["TestSupport", "ToolSupport", "PlainText"]),
        .testTarget(
            name: "PenultimateKitTests",
            dependencies: ["TestSupport", "Penultimate", "PenultimateKit", "FeatureStore", "Analysis", "BLASKernel", "Taxonomy", "Figures", "ToolSupport", "HDF5", "PlainText"]),
        .testTarget(name: "MiniLabRunTests", dependencies: ["TestSupport", "MiniLabRun", "MiniLab", "Penultimate"]),
        // Runs the built executables as a user would: exit codes, stderr lines, output files.
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Penultimate", "ToolSupport", "ToolOptions",
                                                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)
