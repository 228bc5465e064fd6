// swift-tools-version: 6.1
//
// An example client of the engine: depends on the curate package by path and uses only its
// public library products. `make test` builds and runs it, so the public API cannot silently break.
import PackageDescription

let package = Package(
    name: "ClusterFile",
    dependencies: [.package(name: "curate", path: "../..")],
    targets: [
        .executableTarget(
            name: "cluster-file",
            dependencies: [.product(name: "Clustering", package: "curate"), .product(name: "Kernels", package: "curate")]
        ),
    ]
)
