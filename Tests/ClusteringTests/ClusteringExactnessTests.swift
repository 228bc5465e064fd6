import Clustering
import Kernels
import TestSupport
import XCTest

/// Every backend, at 1, 3 and 7 engine threads, must give exactly the clusters of the scalar
/// double-precision reference, and report the backend it was asked for (`ExpectedBackend`).
final class ClusteringExactnessTests: XCTestCase {
    static let fastBackends: [Backend] = [.blas, .simd, .swiftSIMD, .bf16, .int8, .auto]

    /// Clusters `matrix` with every backend (default and small tiling) at every thread count,
    /// compares with scalar and checks the backend that ran.
    func assertAllBackendsMatchScalar(_ matrix: EmbeddingMatrix, threshold: Double, order: [Int]? = nil,
                                      _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try GreedyClustering(threshold: threshold, backend: .scalar).cluster(matrix, order: order)
        for threads in TestData.threadCounts {
            try ComputeThreads.withCount(threads) {
                for backend in Self.fastBackends {
                    for tiling in [GreedyClustering.Tiling(), TestData.smallTiling] {
                        let result = try GreedyClustering(threshold: threshold, backend: backend, tiling: tiling)
                            .cluster(matrix, order: order)
                        let context = "\(label): backend \(backend) tiling \(tiling.blockRows) threads \(threads)"
                        XCTAssertEqual(result.clusters, reference.clusters, "\(context) differs from scalar", file: file, line: line)
                        XCTAssertEqual(result.backend, ExpectedBackend.of(backend, on: [matrix]), "\(context) ran another",
                                       file: file, line: line)
                        XCTAssertNil(result.screen, "\(context): auto screens only from 100 M pairs", file: file, line: line)
                    }
                }
            }
        }
        try ComputeThreads.withCount(3) {
            try assertScreensMatch(reference.clusters, matrix, threshold: threshold, order: order, label, file: file, line: line)
        }
    }

    /// Every screen variant (`ScreenVariants`) with every backend gives `expected`; a forced rank
    /// runs at that rank.
    func assertScreensMatch(_ expected: [[Int]], _ matrix: EmbeddingMatrix, threshold: Double, order: [Int]?,
                            _ label: String, file: StaticString, line: UInt) throws {
        try ScreenVariants.lifted {
            for screen in ScreenVariants.of(dimension: matrix.dimension) {
                for backend in Self.fastBackends {
                    let result = try GreedyClustering(threshold: threshold, backend: backend, tiling: TestData.smallTiling,
                                                      screenRank: screen).cluster(matrix, order: order)
                    let context = "\(label): backend \(backend) screen \(screen)"
                    XCTAssertEqual(result.clusters, expected, "\(context) differs from scalar", file: file, line: line)
                    if matrix.rows > 0 {
                        ScreenVariants.assertForcedScreenRan(result.screen, screen, axesSource: matrix, context, file: file, line: line)
                    }
                    XCTAssertEqual(result.backend, ExpectedBackend.of(backend, on: [matrix], screened: result.screen != nil),
                                   "\(context) ran another", file: file, line: line)
                }
            }
        }
    }

    func testRandomDataAllSizesAndDimensions() throws {
        for n in [0, 1, 2, 100, 3000] {
            for d in [1, 3, 385, 1536] {
                let seed = UInt64(n * 10_000 + d)
                let rows = TestData.clustered(n: n, d: d, centers: max(1, n / 40), seed: seed)
                let matrix = try EmbeddingMatrix(rows: rows, dimension: d)
                for threshold in [0.82, 0.5] {
                    try assertAllBackendsMatchScalar(matrix, threshold: threshold, "n=\(n) d=\(d) t=\(threshold) seed=\(seed)")
                }
            }
        }
    }

    func testIndependentGaussianRows() throws {
        let matrix = try EmbeddingMatrix(rows: TestData.gaussian(n: 600, d: 33, seed: 7))
        // In 33 dimensions independent rows reach cosine 0.3 now and then: a mix of joins and seeds.
        try assertAllBackendsMatchScalar(matrix, threshold: 0.3, "gaussian d=33")
    }

    /// Sub-blocks that create more seeds than one tile holds (seed chunks of 2 columns, narrow
    /// tiles of 64 rows): the last level must walk its seeds chunk by chunk too.
    func testSubBlocksCreatingMoreSeedsThanATileHolds() throws {
        let matrix = try EmbeddingMatrix(rows: TestData.gaussian(n: 500, d: 24, seed: 19))
        let reference = try GreedyClustering(threshold: 0.6, backend: .scalar).cluster(matrix)
        XCTAssertGreaterThan(reference.clusters.count, 300, "most rows seed a cluster")
        var tiling = GreedyClustering.Tiling()
        tiling.blockRows = 480
        tiling.subBlockRows = 400
        tiling.firstSeedChunk = 1
        tiling.seedChunk = 2
        for backend in Self.fastBackends {
            let result = try GreedyClustering(threshold: 0.6, backend: backend, tiling: tiling).cluster(matrix)
            XCTAssertEqual(result.clusters, reference.clusters, "backend \(backend) differs from scalar")
        }
    }

    func testDebianMiniLMSlice() throws {
        let matrix = try TestData.debianMiniLM()
        XCTAssertEqual(matrix.rows, 2000)
        for threshold in [0.82, 0.7] {
            try assertAllBackendsMatchScalar(matrix, threshold: threshold, "debian-minilm t=\(threshold)")
        }
        let clusters = try GreedyClustering(threshold: 0.82).cluster(matrix).clusters
        XCTAssertLessThan(clusters.count, 2000, "the slice has near-duplicates at 0.82")
    }

    func testVisitingOrderIsRespected() throws {
        let matrix = try EmbeddingMatrix(rows: TestData.clustered(n: 300, d: 16, centers: 6, seed: 11))
        var rng = SplitMix64(seed: 3)
        let order = Array(0..<300).shuffled(using: &rng)
        try assertAllBackendsMatchScalar(matrix, threshold: 0.8, order: order, "shuffled order")
        let subset = Array(order.prefix(120))
        try assertAllBackendsMatchScalar(matrix, threshold: 0.8, order: subset, "subset order")
    }

    func testExactDuplicatesAndZeroVectors() throws {
        let a: [Float] = [1, 2, 3], zero: [Float] = [0, 0, 0]
        let matrix = try EmbeddingMatrix(rows: [zero, a, a, zero, [2, 4, 6], [-1, -2, -3], zero])
        for backend in [Backend.scalar] + Self.fastBackends {
            let result = try GreedyClustering(threshold: 0.82, backend: backend).cluster(matrix)
            // Zero rows have cosine 0 with everything, so each seeds its own cluster at t = 0.82.
            XCTAssertEqual(result.clusters, [[0], [1, 2, 4], [3], [5], [6]], "backend \(backend)")
            XCTAssertEqual(result.backend, ExpectedBackend.of(backend, on: [matrix]), "backend \(backend)")
        }
        // At threshold 0 a zero row matches every seed (cosine 0 ≥ 0).
        try assertAllBackendsMatchScalar(matrix, threshold: 0, "t=0")
        try assertAllBackendsMatchScalar(matrix, threshold: -0.5, "t=-0.5")
        try assertAllBackendsMatchScalar(matrix, threshold: 1, "t=1")
    }

    func testSeedsAreFirstMembersInCreationOrder() throws {
        let matrix = try EmbeddingMatrix(rows: [[1, 0], [0, 1], [1, 0.1], [0.1, 1], [0.7, 0.7]])
        let result = try GreedyClustering(threshold: 0.9, backend: .auto).cluster(matrix)
        XCTAssertEqual(result.clusters, [[0, 2], [1, 3], [4]])
        XCTAssertEqual(result.referencePairs, 0 + 1 + 1 + 2 + 2)
    }

    /// `blas` runs on the system BLAS wherever one loads (the tests above hold it to that; the
    /// debian-minilm slice's second block meets 256-seed chunks, far above `minimumBLASWork`);
    /// without a BLAS this test skips, naming what is missing.
    func testBLASRunsWhereALibraryLoads() throws {
        if let reason = BLASLibrary.unavailableReason { throw XCTSkip("the blas backend needs a CBLAS library: \(reason)") }
        XCTAssertNotEqual(BLASLibrary.coreName, "none")
        let matrix = try TestData.debianMiniLM()
        XCTAssertEqual(try GreedyClustering(backend: .blas).cluster(matrix).backend, .blas)
        XCTAssertEqual(try TopKRecall(backend: .blas).measuredSearch(matrix, in: matrix).backend, .blas)
        print("ClusteringExactnessTests: BLAS core \(BLASLibrary.coreName) from \(BLASLibrary.libraryPath)")
    }

    func testRejectsBadArguments() throws {
        let matrix = try EmbeddingMatrix(rows: [[1, 0], [0, 1]])
        XCTAssertThrowsError(try GreedyClustering(threshold: .nan).cluster(matrix))
        XCTAssertThrowsError(try GreedyClustering().cluster(matrix, order: [0, 0]))
        XCTAssertThrowsError(try GreedyClustering().cluster(matrix, order: [2]))
    }
}
