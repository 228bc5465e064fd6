import Clustering
import Kernels
import TestSupport
import XCTest

/// Top-k recall must equal a double-precision brute force, ties to the lower database index, with
/// every backend, at 1, 3 and 7 engine threads, and report the backend it was asked for.
final class RecallExactnessTests: XCTestCase {
    func assertRecallMatchesBruteForce(_ queries: EmbeddingMatrix, _ database: EmbeddingMatrix, k: Int,
                                       _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try TopKRecall(k: k, backend: .scalar).search(queries, in: database)
        let tiled = k > 0 && database.rows > 0 ? [queries, database] : []
        for threads in TestData.threadCounts {
            try ComputeThreads.withCount(threads) {
                for backend in ClusteringExactnessTests.fastBackends {
                    for (queryBlock, chunk) in [(256, 2048), (3, 7)] {
                        var recall = TopKRecall(k: k, backend: backend)
                        recall.queryBlock = queryBlock
                        recall.databaseChunk = chunk
                        let result = try recall.measuredSearch(queries, in: database)
                        let context = "\(label) backend=\(backend) tiles=\(queryBlock)×\(chunk) threads=\(threads)"
                        XCTAssertEqual(result.hits, expected, context, file: file, line: line)
                        XCTAssertEqual(result.backend, ExpectedBackend.of(backend, on: tiled), "\(context): ran another", file: file, line: line)
                        XCTAssertNil(result.screen, "\(context): auto screens only from 100 M pairs", file: file, line: line)
                    }
                }
            }
        }
        try ComputeThreads.withCount(3) {
            try ScreenVariants.lifted {
                for screen in ScreenVariants.of(dimension: queries.dimension) {
                    // Spans of 11 rows: the floors come from the first 11, and chunks of 7 split each span.
                    for backend in ClusteringExactnessTests.fastBackends {
                        for span in [11, TopKRecall().screenSpan] {
                            var recall = TopKRecall(k: k, backend: backend, screenRank: screen)
                            recall.queryBlock = 3
                            recall.databaseChunk = 7
                            recall.screenSpan = span
                            let result = try recall.measuredSearch(queries, in: database)
                            let context = "\(label) backend=\(backend) screen=\(screen) span=\(span)"
                            XCTAssertEqual(result.hits, expected, context, file: file, line: line)
                            if !tiled.isEmpty, queries.rows > 0 {
                                ScreenVariants.assertForcedScreenRan(result.screen, screen, axesSource: database, context, file: file, line: line)
                            }
                            XCTAssertEqual(result.backend, ExpectedBackend.of(backend, on: tiled, screened: result.screen != nil),
                                           "\(context): ran another", file: file, line: line)
                        }
                    }
                }
            }
        }
    }

    /// The seed's first floor: the least of the maxima of equal segments, so at least one entry per
    /// segment reaches it (−∞ for a row shorter than the segments), for widths around the 8 lanes.
    func testLeastSegmentMaximumLeavesAtLeastOneEntryPerSegment() {
        var rng = SplitMix64(seed: 0x5E6)
        for width in [1, 7, 8, 9, 16, 17, 31, 100, 1000] {
            for segments in [1, 2, 3, 8, 16] {
                let row = (0..<width).map { _ in rng.gaussian() }
                let floor = row.withUnsafeBufferPointer {
                    TiledRecall.leastSegmentMaximum($0.baseAddress!, width: width, segments: segments)
                }
                guard width >= segments else {
                    XCTAssertEqual(floor, -.infinity, "width \(width), \(segments) segments")
                    continue
                }
                let maxima = (0..<segments).map { row[($0 * width / segments)..<(($0 + 1) * width / segments)].max()! }
                XCTAssertEqual(floor, maxima.min()!, "width \(width), \(segments) segments")
                XCTAssertGreaterThanOrEqual(row.filter { $0 >= floor }.count, segments, "width \(width), \(segments) segments")
            }
        }
    }

    func testRandomData() throws {
        for (nq, nd, d) in [(0, 10, 4), (5, 0, 4), (1, 1, 1), (40, 300, 3), (70, 900, 385), (20, 500, 1536)] {
            let rows = TestData.clustered(n: nq + nd, d: d, centers: 12, seed: UInt64(nq * 7 + nd * 3 + d))
            let queries = try EmbeddingMatrix(rows: Array(rows.prefix(nq)), dimension: d)
            let database = try EmbeddingMatrix(rows: Array(rows.suffix(nd)), dimension: d)
            for k in [1, 8, 50] {
                try assertRecallMatchesBruteForce(queries, database, k: k, "q=\(nq) n=\(nd) d=\(d) k=\(k)")
            }
        }
    }

    /// More queries than the default 256-query tile in every worker's share (the engine gives
    /// each worker `ComputeThreads.split(queries, minimum: 16)`) at every thread count, and a
    /// database over two 2,048-row tiles and a partial third.
    func testShapesCrossingTheDefaultTiles() throws {
        let (nq, nd, d) = (1900, 4200, 33)
        let rows = TestData.clustered(n: nq + nd, d: d, centers: 60, seed: 0x711E)
        let queries = try EmbeddingMatrix(rows: Array(rows.prefix(nq)), dimension: d)
        let database = try EmbeddingMatrix(rows: Array(rows.suffix(nd)), dimension: d)
        let defaults = TopKRecall()
        XCTAssertGreaterThan(nd, 2 * defaults.databaseChunk)
        XCTAssertNotEqual(nd % defaults.databaseChunk, 0)
        for threads in TestData.threadCounts {
            let shares = ComputeThreads.split(nq, minimum: 16, workers: threads)
            XCTAssertEqual(shares.count, threads)
            XCTAssertGreaterThan(shares.map(\.count).min()!, defaults.queryBlock, "threads=\(threads): every share spans two query tiles")
        }
        try assertRecallMatchesBruteForce(queries, database, k: 8, "q=\(nq) n=\(nd) d=\(d)")
    }

    func testTiesDuplicatesZerosAndSmallDatabases() throws {
        let a: [Float] = [1, 2, 3], b: [Float] = [3, 2, 1], zero: [Float] = [0, 0, 0]
        let database = try EmbeddingMatrix(rows: [b, a, zero, a, [2, 4, 6], a, b, zero])
        let queries = try EmbeddingMatrix(rows: [a, zero, b, [-1, -2, -3]])
        for k in [0, 1, 3, 8, 20] {
            try assertRecallMatchesBruteForce(queries, database, k: k, "ties k=\(k)")
        }
        let hits = try TopKRecall(k: 3).search(queries, in: database)
        XCTAssertEqual(hits[0].map(\.index), [1, 3, 4], "equal scores go to the lower index")
        XCTAssertEqual(hits[1].map(\.index), [0, 1, 2], "a zero query ties everywhere at 0")
        XCTAssertEqual(hits[1].map(\.score), [0, 0, 0])
    }

    func testNearTiesThatFloatCannotOrder() throws {
        // Database rows whose reference cosines with row 0 differ by less than float resolution.
        let rows = NearThresholdTests.nearThresholdRows(d: 384, count: 600, threshold: 0.9, spread: 2e-7, seed: 5)
        let queries = try EmbeddingMatrix(rows: [rows[0]])
        let database = try EmbeddingMatrix(rows: Array(rows.dropFirst()))
        for k in [1, 8, 64] {
            try assertRecallMatchesBruteForce(queries, database, k: k, "near ties k=\(k)")
        }
    }

    func testDebianMiniLMSliceRecall() throws {
        let matrix = try TestData.debianMiniLM()
        let queries = try EmbeddingMatrix(flat: (0..<100).flatMap { matrix.row($0) }, dimension: 384)
        try assertRecallMatchesBruteForce(queries, matrix, k: 8, "debian-minilm")
    }

    func testRejectsMismatchedDimensions() throws {
        let q = try EmbeddingMatrix(rows: [[1, 0]]), db = try EmbeddingMatrix(rows: [[1, 0, 0]])
        XCTAssertThrowsError(try TopKRecall().search(q, in: db)) { error in
            XCTAssertEqual(error as? RecallError, .dimensionMismatch(queries: 2, database: 3))
        }
    }
}
