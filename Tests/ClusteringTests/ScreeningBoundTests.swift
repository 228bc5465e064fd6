import CKernels
import Clustering
import Kernels
import TestSupport
import XCTest

/// The screening backends (bf16, int8) on inputs built around their own error bound: pairs whose
/// reference cosine lies just inside the band around the threshold must be decided again, pairs
/// just outside it may be decided by the screen, and either way the clusters and the recall are
/// the scalar reference's.
final class ScreeningBoundTests: XCTestCase {
    static let screening: [(Backend, TileEncoding)] = [(.bf16, .bfloat16), (.int8, .int8)]

    /// A seed followed by rows whose reference cosines with it sit at threshold ± f·band, for
    /// f on both sides of 1, each turned along the seed's encoding error so that the screened
    /// similarity errs as far as it can (`ScreeningInputs`).
    static func rowsAroundTheBand(d: Int, encoding: TileEncoding, threshold: Double, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        let probe = ScreeningInputs.offGridSeed(d: d, encoding: encoding, rng: &rng)
        let estimate = try! EmbeddingMatrix(rows: [probe.seed.map { Float($0) }])
        let error = EncodedRows(estimate, encoding: encoding).maxError
        let band = ExactnessBand.band(for: d, encoding: encoding, rowError: error, columnError: error)
        var rows = [probe.seed.map { Float($0) }]
        for f in [0.2, 0.6, 0.9, 0.97, 1.03, 1.1, 1.5, 3] {
            for sign in [-1.0, 1.0] {
                for side in [-1.0, 1.0] {
                    let t = threshold + sign * f * band
                    guard abs(t) < 1 else { continue }  // a wide band (int8 with 63 codes, d = 16)
                    let s = (1 - t * t).squareRoot()
                    rows.append(zip(probe.seed, probe.error).map { Float(t * $0 + side * s * $1) })
                }
            }
        }
        return rows
    }

    func testClustersAreExactJustInsideAndJustOutsideTheBand() throws {
        for (backend, encoding) in Self.screening {
            for d in [16, 384, 1536] {
                let threshold = 0.82
                let matrix = try EmbeddingMatrix(rows: Self.rowsAroundTheBand(d: d, encoding: encoding, threshold: threshold, seed: UInt64(d)))
                let rows = EncodedRows(matrix, encoding: encoding)
                let band = ExactnessBand.band(for: d, encoding: encoding, rowError: rows.maxError, columnError: rows.maxError)
                let offsets = (1..<matrix.rows).map { abs(matrix.referenceCosine(0, matrix, $0) - threshold) / band }
                XCTAssertTrue(offsets.contains { $0 < 1 } && offsets.contains { $0 > 1 }, "\(backend) d=\(d): rows on both sides of the band")

                // Screened similarities to the seed: those in [lo, hi) must be re-checked.
                let (lo, hi) = ExactnessBand.bounds(threshold: threshold, band: band)
                let columns = TileColumns(allRowsOf: rows)
                var screened = [Float](repeating: 0, count: matrix.rows)
                screened.withUnsafeMutableBufferPointer {
                    NarrowKernel(encoding).tile(rows.block(from: 0),
                                                count: 1, columns, 0..<matrix.rows, into: $0.baseAddress!, rowStride: matrix.rows)
                }
                let undecided = screened.dropFirst().filter { $0 >= lo && $0 < hi }.count
                XCTAssertGreaterThan(undecided, 0, "\(backend) d=\(d): some screened similarities fall inside the band")

                let expected = try GreedyClustering(threshold: threshold, backend: .scalar).cluster(matrix)
                let result = try GreedyClustering(threshold: threshold, backend: backend).cluster(matrix)
                XCTAssertEqual(result.clusters, expected.clusters, "\(backend) d=\(d)")
                XCTAssertGreaterThanOrEqual(result.rechecked, undecided, "\(backend) d=\(d): every pair inside the band is re-checked")

                let query = try EmbeddingMatrix(rows: [matrix.row(0)])
                for k in [1, 5, 20] {
                    XCTAssertEqual(try TopKRecall(k: k, backend: backend).search(query, in: matrix),
                                   try TopKRecall(k: k, backend: .scalar).search(query, in: matrix), "\(backend) d=\(d) k=\(k)")
                }
            }
        }
    }

    /// Rows sharing one outsized component quantise coarsely in int8 (the other components fall
    /// below its step), and ordinary rows: `auto` is exact on both, whatever it screens in.
    func testAutoIsExactWhereInt8WouldBeTooCoarse() throws {
        let (spiky, ordinary) = try Self.spikyAndOrdinaryRows()
        for (matrix, threshold) in [(spiky, 0.985), (ordinary, 0.82)] {
            let result = try GreedyClustering(threshold: threshold, backend: .auto).cluster(matrix)
            XCTAssertEqual(result.clusters, try GreedyClustering(threshold: threshold, backend: .scalar).cluster(matrix).clusters)
            let recalled = try TopKRecall(k: 4, backend: .auto).measuredSearch(matrix, in: matrix)
            XCTAssertEqual(recalled.hits, try TopKRecall(k: 4, backend: .scalar).search(matrix, in: matrix))
        }
        XCTAssertEqual(try GreedyClustering(threshold: 0.985, backend: .int8).cluster(spiky).backend, .int8, "only auto falls back")
    }

    /// With both AVX512_VNNI and AVX512_BF16, `auto` screens ordinary rows in int8 and the rows
    /// int8 quantises coarsely in bf16, whose band does not depend on the data.
    func testAutoScreensInBF16WhereInt8WouldBeTooCoarse() throws {
        let missing = [MissingInstruction.int8, MissingInstruction.bf16].compactMap { $0 }
        if !missing.isEmpty { throw XCTSkip(MissingInstruction.reason("auto's choice between int8 and bf16", needs: missing)) }
        let (spiky, ordinary) = try Self.spikyAndOrdinaryRows()
        for (matrix, expected) in [(spiky, Backend.bf16), (ordinary, .int8)] {
            XCTAssertEqual(try GreedyClustering(backend: .auto).cluster(matrix).backend, expected)
            XCTAssertEqual(try TopKRecall(k: 4, backend: .auto).measuredSearch(matrix, in: matrix).backend, expected)
        }
    }

    /// 300 rows of d = 1536 sharing an outsized first component (int8 band above
    /// `Backend.int8BandLimit`), and the debian-minilm slice.
    private static func spikyAndOrdinaryRows() throws -> (EmbeddingMatrix, EmbeddingMatrix) {
        var rng = SplitMix64(seed: 0x5917E)
        let spiky = try EmbeddingMatrix(rows: (0..<300).map { _ in [200] + (1..<1536).map { _ in rng.gaussian() } })
        let rows = EncodedRows(spiky, encoding: .int8)
        let band = ExactnessBand.band(for: 1536, encoding: .int8, rowError: rows.maxError, columnError: rows.maxError)
        XCTAssertGreaterThan(band, Backend.int8BandLimit, "the spike makes int8 coarse")
        return (spiky, try TestData.debianMiniLM())
    }

    /// Above the dimension at which int8 sums could overflow int32, int8 screens in bf16.
    func testInt8GivesWayToBF16WhereItsSumsCouldOverflow() throws {
        var rng = SplitMix64(seed: 0xB16D)
        let d = Backend.int8DimensionLimit + 7
        let base = (0..<d).map { _ in rng.gaussian() }
        let matrix = try EmbeddingMatrix(rows: [base, base.map { $0 + 0.05 * rng.gaussian() }, (0..<d).map { _ in rng.gaussian() }])
        let result = try GreedyClustering(threshold: 0.9, backend: .int8).cluster(matrix)
        XCTAssertEqual(result.backend, .bf16)
        XCTAssertEqual(result.clusters, [[0, 1], [2]])
        XCTAssertEqual(result.clusters, try GreedyClustering(threshold: 0.9, backend: .scalar).cluster(matrix).clusters)
    }

    /// The serial twins of the narrow kernels run the same algorithms when the SIMD tier is
    /// lowered (as on a CPU without AVX512_BF16 or AVX512_VNNI).
    func testSerialTwinsGiveTheSameClustersAndRecall() throws {
        let saved = ck_isa_active()
        defer { XCTAssertEqual(ck_isa_force(saved), 0) }
        let matrix = try EmbeddingMatrix(rows: TestData.clustered(n: 400, d: 33, centers: 12, seed: 77))
        let queries = try EmbeddingMatrix(rows: TestData.clustered(n: 50, d: 33, centers: 12, seed: 78))
        let expected = try GreedyClustering(threshold: 0.8, backend: .scalar).cluster(matrix).clusters
        let hits = try TopKRecall(k: 6, backend: .scalar).search(queries, in: matrix)
        XCTAssertEqual(ck_isa_force(CK_ISA_SCALAR), 0)
        XCTAssertEqual(ck_narrow_supported(CK_NARROW_BF16), 0)
        XCTAssertEqual(ck_narrow_supported(CK_NARROW_I8), 0)
        for (backend, _) in Self.screening {
            for tiling in [GreedyClustering.Tiling(), TestData.smallTiling] {
                XCTAssertEqual(try GreedyClustering(threshold: 0.8, backend: backend, tiling: tiling).cluster(matrix).clusters, expected, "\(backend)")
            }
            XCTAssertEqual(try TopKRecall(k: 6, backend: backend).search(queries, in: matrix), hits, "\(backend)")
        }
    }
}
