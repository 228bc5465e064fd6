// swift-tools-version: 6.1
//
// Library targets carry no unsafe build flags: a package using them cannot be depended on by URL.
// ISA-specific C code enables its instruction sets per function (`target` attributes) and is
// chosen at run time from cpuid, never from build flags.
import PackageDescription

let package = Package(
    name: "curate",
    products: [
        // MARK: Public API
        .library(name: "Kernels", targets: ["Kernels"]),
        .library(name: "Clustering", targets: ["Clustering"]),
        .executable(name: "curate", targets: ["curate"]),
        .executable(name: "curate-bench", targets: ["curate-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // MARK: Implementation details
        /// Runtime BLAS loader, cpuid dispatch and per-ISA kernels (no stable Swift API).
        .target(name: "CKernels", path: "CKernels"),
        // MARK: Public API
        /// Embedding matrices, similarity tiles and the compute backends.
        .target(name: "Kernels", dependencies: ["CKernels"]),
        /// Pure algorithms: greedy first-match clustering and exact top-k recall.
        .target(name: "Clustering", dependencies: ["Kernels"]),
        /// SQLite store, importers, planner, jobs, providers and embedders: what the CLI drives.
        .target(name: "Curation", dependencies: ["Clustering", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "curate",
            dependencies: ["Curation", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "curate-bench",
            dependencies: ["Curation", "Clustering", "Kernels", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/curate-bench"
        ),
        // MARK: Unit tests
        /// Seeded generators for test inputs (not API).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels", "TestSupport"]),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering", "TestSupport"]),
        .testTarget(
            name: "CurationTests",
            dependencies: ["Curation", "Clustering", "Kernels", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "curateTests", dependencies: ["Curation"]),
    ]
)
