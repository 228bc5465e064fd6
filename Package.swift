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
        .library(name: "CurationStore", targets: ["CurationStore"]),
        .library(name: "CurationProviders", targets: ["CurationProviders"]),
        .library(name: "Curation", targets: ["Curation"]),
        .library(name: "CurationReport", targets: ["CurationReport"]),
        .executable(name: "curate", targets: ["curate"]),
        .executable(name: "curate-bench", targets: ["curate-bench"]),
        .executable(name: "curate-emulator", targets: ["curate-emulator"]),
        // MARK: Test doubles (not API)
        /// A deliberately wrong CBLAS (libWrongBLAS.so) that the BLAS self-check tests load through
        /// `CURATE_BLAS_LIBRARY`; a dynamic library product, so `swift build` and `swift test` make it.
        .library(name: "WrongBLAS", type: .dynamic, targets: ["WrongBLAS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        // MARK: Implementation details
        /// Runtime BLAS loader, cpuid dispatch and per-ISA kernels (no stable Swift API).
        .target(name: "CKernels", path: "CKernels"),
        /// The one SVG chart writer (axes, ticks, lines, symbols, bars, legends; every text escaped) of
        /// the report's inline charts and the benchmark's plot.
        .target(name: "SVGCharts"),
        // MARK: Public API
        /// Embedding matrices, similarity tiles, the compute backends and principal components.
        .target(name: "Kernels", dependencies: ["CKernels"]),
        /// Pure algorithms: greedy first-match clustering, threshold sweeps, exact top-k recall, and a
        /// plan's salience, recall regions and chunking.
        .target(name: "Clustering", dependencies: ["Kernels"]),
        /// The SQLite store and every statement against it: schema, pending pool, committed index,
        /// job slot, embedding cache, imports and exports, and the file formats they read.
        .target(
            name: "CurationStore",
            dependencies: [
                "Kernels", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        /// The curator contract's far side: HTTP with retries, the Anthropic and OpenAI-compatible wire
        /// formats, the local curator's rules, the decision parser and the embedders.
        .target(
            name: "CurationProviders",
            dependencies: [
                "Kernels", "CurationStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        /// The orchestration: configuration, planner, prompts, jobs, backfill and the daemon tick.
        .target(name: "Curation", dependencies: ["Kernels", "Clustering", "CurationStore", "CurationProviders"]),
        /// `curate report`: the plan's statistics (threshold sweep, nearest neighbours, principal-component
        /// map) and the self-contained HTML page that shows them.
        .target(name: "CurationReport", dependencies: ["Kernels", "Clustering", "CurationStore", "Curation", "SVGCharts"]),
        .executableTarget(
            name: "curate",
            dependencies: [
                "Kernels", "Clustering", "CurationStore", "CurationProviders", "Curation", "CurationReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "curate-bench",
            dependencies: [
                "Curation", "CurationReport", "CurationStore", "Clustering", "Kernels", "SVGCharts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/curate-bench"
        ),
        /// A loopback server speaking the Anthropic Message Batches and OpenAI-compatible wire
        /// formats, with injectable faults: what the provider tests and `make chaos` run against.
        .target(
            name: "ProviderEmulator",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "curate-emulator",
            dependencies: ["ProviderEmulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        /// Fuzz targets of the JSONL importer and the decision parser (`make fuzz`); built
        /// normally, it replays a corpus.
        .executableTarget(name: "curate-fuzz", dependencies: ["CurationProviders", "CurationStore"], path: "Tests/Fuzz", exclude: ["corpus"]),
        // MARK: Unit tests
        /// Seeded generators for test inputs (not API).
        .target(name: "TestSupport", dependencies: ["Kernels", "CKernels"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels", "TestSupport"]),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering", "CKernels", "TestSupport"]),
        .testTarget(name: "SVGChartsTests", dependencies: ["SVGCharts"]),
        /// Scratch stores, test providers and async assertions shared by the curation test targets (not API).
        .target(
            name: "CurationTestSupport",
            dependencies: ["Curation", "CurationProviders", "CurationStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/CurationTestSupport"
        ),
        .testTarget(
            name: "CurationStoreTests",
            dependencies: [
                "CurationStore", "CurationProviders", "Curation", "Kernels", "CurationTestSupport", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "CurationProvidersTests",
            dependencies: [
                "CurationProviders", "CurationStore", "Curation", "Kernels", "ProviderEmulator", "CurationTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "CurationTests",
            dependencies: [
                "Curation", "CurationProviders", "CurationStore", "Clustering", "Kernels", "ProviderEmulator",
                "CurationTestSupport", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "CurationReportTests",
            dependencies: ["CurationReport", "Curation", "CurationStore", "Clustering", "Kernels", "CurationTestSupport"]
        ),
        .testTarget(
            name: "curateTests",
            dependencies: ["Curation", "CurationProviders", "CurationStore", "ProviderEmulator", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "ProviderEmulatorTests", dependencies: ["ProviderEmulator"]),
        // MARK: Test doubles
        /// The sources of the `WrongBLAS` product.
        .target(name: "WrongBLAS", path: "Tests/WrongBLAS"),
    ]
)
