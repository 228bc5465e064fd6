import Clustering
import Kernels
import TestSupport
import XCTest

/// A sweep must give, at every threshold, exactly the clusters of the scalar reference there, with
/// every backend and at 1, 3 and 7 engine threads.
final class ThresholdSweepTests: XCTestCase {
    /// Sweeps `matrix` with every fast backend (default and small tiling) at every thread count,
    /// and compares each threshold's clusters with the scalar reference's and the backend that ran
    /// with the one asked for.
    func assertSweepMatchesScalar(_ matrix: EmbeddingMatrix, thresholds: [Double], order: [Int]? = nil,
                                  _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try thresholds.map { try GreedyClustering(threshold: $0, backend: .scalar).cluster(matrix, order: order).clusters }
        for threads in TestData.threadCounts {
            try ComputeThreads.withCount(threads) {
                for backend in ClusteringExactnessTests.fastBackends {
                    for tiling in [GreedyClustering.Tiling(), TestData.smallTiling] {
                        let results = try ThresholdSweep(thresholds: thresholds, backend: backend, tiling: tiling).cluster(matrix, order: order)
                        let context = "\(label): backend \(backend) tiling \(tiling.blockRows) threads \(threads)"
                        XCTAssertEqual(results.count, thresholds.count, context, file: file, line: line)
                        XCTAssertEqual(results.map(\.backend), Array(repeating: ExpectedBackend.of(backend, on: [matrix]), count: results.count),
                                       "\(context) ran another", file: file, line: line)
                        for (i, result) in results.enumerated() {
                            XCTAssertEqual(result.clusters, expected[i], "\(context) t=\(thresholds[i]) differs from scalar",
                                           file: file, line: line)
                            XCTAssertNil(result.screen, "\(context): auto screens only from 100 M pairs", file: file, line: line)
                        }
                    }
                }
            }
        }
        try ComputeThreads.withCount(3) {
            try ScreenVariants.lifted {
                for screen in ScreenVariants.of(dimension: matrix.dimension) {
                    for backend in ClusteringExactnessTests.fastBackends {
                        let results = try ThresholdSweep(thresholds: thresholds, backend: backend, tiling: TestData.smallTiling,
                                                         screenRank: screen).cluster(matrix, order: order)
                        let context = "\(label): backend \(backend) screen \(screen)"
                        XCTAssertEqual(results.map(\.clusters), expected, "\(context) differs from scalar", file: file, line: line)
                        if matrix.rows > 0 {
                            for result in results {
                                ScreenVariants.assertForcedScreenRan(result.screen, screen, axesSource: matrix, context, file: file, line: line)
                            }
                        }
                    }
                }
            }
        }
    }

    func testRandomDataAtManyThresholds() throws {
        let thresholds = stride(from: -0.2, through: 1.0, by: 0.05).map { $0 }
        for (n, d) in [(0, 3), (1, 7), (2, 1), (250, 3), (700, 33), (1500, 385)] {
            let seed = UInt64(n * 1000 + d)
            let matrix = try EmbeddingMatrix(rows: TestData.clustered(n: n, d: d, centers: max(1, n / 30), seed: seed), dimension: d)
            try assertSweepMatchesScalar(matrix, thresholds: thresholds, "n=\(n) d=\(d) seed=\(seed)")
        }
    }

    func testDebianMiniLMSliceAtTheReportsThresholds() throws {
        let matrix = try TestData.debianMiniLM()
        let thresholds = stride(from: 70, through: 95, by: 1).map { Double($0) / 100 }
        try assertSweepMatchesScalar(matrix, thresholds: thresholds, "debian-minilm")
        let results = try ThresholdSweep(thresholds: thresholds).cluster(matrix)
        XCTAssertLessThan(results[0].clusters.count, results[25].clusters.count, "lower thresholds merge more")
    }

    func testThresholdsAtExactPairCosinesAndOneULPAround() throws {
        // Seeds and rows whose reference cosines sit within float rounding of the thresholds, and
        // thresholds equal to some pairs' exact reference cosines: ties must join (cosine ≥ t).
        let rows = NearThresholdTests.nearThresholdRows(d: 384, count: 300, threshold: 0.82, spread: 4e-7, seed: 5)
            + NearThresholdTests.nearThresholdRows(d: 384, count: 300, threshold: 0.9, spread: 4e-7, seed: 6)
        let matrix = try EmbeddingMatrix(rows: rows)
        let exact = [1, 2, 3].map { matrix.referenceCosine(0, matrix, $0) }
        let thresholds = [0.82, 0.9, 0.82.nextUp, 0.9.nextDown] + exact + exact.map(\.nextUp) + exact.map(\.nextDown)
        try assertSweepMatchesScalar(matrix, thresholds: thresholds, "near-threshold rows")
        let results = try ThresholdSweep(thresholds: thresholds).cluster(matrix)
        XCTAssertGreaterThan(results[0].rechecked, 0, "pairs inside the error band are re-checked")
    }

    func testZeroVectorsDuplicatesAndOrder() throws {
        let a: [Float] = [1, 2, 3], zero: [Float] = [0, 0, 0]
        let matrix = try EmbeddingMatrix(rows: [zero, a, a, zero, [2, 4, 6], [-1, -2, -3], zero, [1, 2, 2.9]])
        try assertSweepMatchesScalar(matrix, thresholds: [-0.5, 0, 0.5, 0.99, 1], "zeros and duplicates")
        try assertSweepMatchesScalar(matrix, thresholds: [0.82, 0], order: [7, 5, 3, 1], "subset order")
    }

    func testThresholdsInAnyOrderWithRepeats() throws {
        let matrix = try EmbeddingMatrix(rows: TestData.clustered(n: 400, d: 16, centers: 8, seed: 9))
        let thresholds = [0.9, 0.5, 0.9, 0.7, 0.5]
        let results = try ThresholdSweep(thresholds: thresholds).cluster(matrix)
        for (threshold, result) in zip(thresholds, results) {
            XCTAssertEqual(result.clusters, try GreedyClustering(threshold: threshold, backend: .scalar).cluster(matrix).clusters)
        }
        XCTAssertEqual(results[0].clusters, results[2].clusters)
    }

    func testSixtyFourThresholdsAndTheLimits() throws {
        let matrix = try EmbeddingMatrix(rows: TestData.clustered(n: 300, d: 8, centers: 5, seed: 4))
        let sixtyFour = (0..<64).map { 0.3 + Double($0) * 0.011 }
        try assertSweepMatchesScalar(matrix, thresholds: sixtyFour, "64 thresholds")
        XCTAssertThrowsError(try ThresholdSweep(thresholds: sixtyFour + [0.99]).cluster(matrix)) {
            XCTAssertEqual($0 as? ClusteringError, .invalidThresholdCount(65))
        }
        XCTAssertThrowsError(try ThresholdSweep(thresholds: []).cluster(matrix)) {
            XCTAssertEqual($0 as? ClusteringError, .invalidThresholdCount(0))
        }
        XCTAssertThrowsError(try ThresholdSweep(thresholds: [0.5, .nan]).cluster(matrix))
        XCTAssertThrowsError(try ThresholdSweep(thresholds: [0.5]).cluster(matrix, order: [1, 1])) {
            XCTAssertEqual($0 as? ClusteringError, .invalidOrder(1))
        }
    }
}
