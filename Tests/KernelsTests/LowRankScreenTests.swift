import CKernels
import Kernels
import TestSupport
import XCTest

/// The low-rank screen's proven bound (`LowRankScreen`): a screen similarity plus the band is
/// never below the reference cosine, in every tile encoding, on random rows, on rows built so
/// that the bound is tight, and on degenerate rows; and `auto` switches itself off where the
/// screen cannot pay.
final class LowRankScreenTests: XCTestCase {
    static let encodings: [TileEncoding] = [.float32, .bfloat16, .int8]

    /// Every pair's screen similarity and the band, with the basis `axes` in `encoding`, and how
    /// far above the float screen's similarity an int8 tile may lie by its own pair's
    /// quantisation (its error, and the fixes' pp' − nn' that covers it: each at most
    /// 2·e·n + e² over the rows); the rows are projected on `longer` (a basis that starts with
    /// `axes`) when given.
    private func screened(_ matrix: EmbeddingMatrix, axes: [[Double]], longer: [[Double]]?,
                          _ encoding: TileEncoding) -> (similarities: [Float], band: Double, quantisation: Double) {
        let float = Backend.fastestFloatKernel
        let screen = LowRankScreen(axes: axes)
        let rows = screen.rows((longer.map { LowRankScreen(axes: $0) } ?? screen).projections(of: matrix, kernel: float))
        let encoded = rows.encoded(encoding)
        let band = screen.band(rows, rows, encodedRows: encoded, encodedColumns: encoded)
        let n = matrix.rows
        var similarities = [Float](repeating: 0, count: n * n)
        similarities.withUnsafeMutableBufferPointer { out in
            encoding.kernel(float: float).tile(encoded.block(from: 0),
                                               count: n, TileColumns(allRowsOf: encoded), 0..<n, into: out.baseAddress!, rowStride: n)
        }
        let (e, norm) = (encoded.maxError, encoded.largestFixes.last ?? 0)
        return (similarities, band, encoded.fixes == nil ? 0 : 2 * (2 * e * norm + e * e) * (1 + 1e-5))
    }

    /// Asserts s + band ≥ reference cosine for every pair, and returns the largest |s − cosine|
    /// over pairs of non-zero rows.
    @discardableResult
    private func assertBoundHolds(_ matrix: EmbeddingMatrix, axes: [[Double]], longer: [[Double]]? = nil, _ encoding: TileEncoding,
                                  _ label: String, file: StaticString = #filePath, line: UInt = #line)
        -> (gap: Double, band: Double, quantisation: Double) {
        let (s, band, quantisation) = screened(matrix, axes: axes, longer: longer, encoding)
        XCTAssertTrue(band.isFinite && band > 0 && band < 0.1, "\(label): band \(band)", file: file, line: line)
        let n = matrix.rows
        var violations = 0, gap = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let cosine = matrix.referenceCosine(i, matrix, j)
                if Double(s[i * n + j]) + band < cosine { violations += 1 }
                if matrix.norms[i] != 0, matrix.norms[j] != 0 { gap = max(gap, abs(Double(s[i * n + j]) - cosine)) }
            }
        }
        XCTAssertEqual(violations, 0, "\(label): pairs whose bound falls below their cosine", file: file, line: line)
        return (gap, band, quantisation)
    }

    /// `n` rows of dimension `d` around a few centres (cosines across the range).
    private func clusteredRows(n: Int, d: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        let centres = (0..<max(1, n / 10)).map { _ in (0..<d).map { _ in rng.gaussian() } }
        return (0..<n).map { i in centres[i % centres.count].map { $0 + 0.4 * rng.gaussian() } }
    }

    func testTheBoundHoldsOnRandomRowsAtEveryRankAndEncoding() throws {
        for d in [1, 2, 3, 17, 64] {
            let matrix = try EmbeddingMatrix(rows: clusteredRows(n: 90, d: d, seed: UInt64(d)))
            for k in Set([1, 2, max(1, d / 2), d - 1, d]).filter({ $0 >= 1 }).sorted() {
                let axes = ScreenEstimate.principalAxes(matrix, count: k, kernel: Backend.fastestFloatKernel)
                for encoding in Self.encodings {
                    assertBoundHolds(matrix, axes: axes, encoding, "d=\(d) k=\(k) \(encoding.name)")
                }
            }
        }
    }

    /// A screen on the first k axes made from the projections on more axes (as `auto` compares
    /// ranks on one projection) keeps the bound, down to rows that lie in the basis's span, whose
    /// residual ‖a‖² − ‖ŷ‖² is all rounding.
    func testTheBoundHoldsForAPrefixOfALongerProjection() throws {
        var rng = SplitMix64(seed: 0x9E3)
        let d = 48
        var rows = clusteredRows(n: 80, d: d, seed: 11)
        rows += (0..<10).map { _ in (0..<d).map { $0 < 6 ? rng.gaussian() : 0 } }
        let matrix = try EmbeddingMatrix(rows: rows)
        let longer = ScreenEstimate.principalAxes(matrix, count: 40, kernel: Backend.fastestFloatKernel)
        for k in [1, 6, 16, 39, 40] {
            for encoding in Self.encodings {
                assertBoundHolds(matrix, axes: Array(longer.prefix(k)), longer: longer, encoding, "prefix k=\(k) \(encoding.name)")
            }
        }
    }

    /// Projecting selected rows in place gives the screen rows of the same rows copied out.
    /// The screens `auto` compares come from one Gram matrix of the longest basis: each must be
    /// the screen of its own prefix.
    func testPrefixScreensAreTheScreensOfThePrefixes() throws {
        let matrix = try EmbeddingMatrix(rows: clusteredRows(n: 120, d: 48, seed: 5))
        let axes = ScreenEstimate.principalAxes(matrix, count: 40, kernel: Backend.fastestFloatKernel)
        let ranks = [1, 2, 17, 39, 40]
        let prefixes = LowRankScreen.prefixes(of: axes, ranks: ranks)
        XCTAssertEqual(prefixes.keys.sorted(), ranks)
        for k in ranks {
            let own = LowRankScreen(axes: Array(axes.prefix(k))), prefix = prefixes[k]!
            XCTAssertEqual(prefix.rank, k)
            XCTAssertEqual(prefix.orthogonalityError, own.orthogonalityError, "k=\(k)")
            XCTAssertEqual(prefix.projectionError, own.projectionError, "k=\(k)")
        }
    }

    func testSelectedRowsProjectAsTheirSubset() throws {
        let matrix = try EmbeddingMatrix(rows: clusteredRows(n: 300, d: 40, seed: 5))
        let screen = LowRankScreen(axes: ScreenEstimate.principalAxes(matrix, count: 12, kernel: Backend.fastestFloatKernel))
        let selected = [7, 3, 299, 0, 150, 150, 42]
        let inPlace = screen.rows(screen.projections(of: matrix, rows: selected, kernel: Backend.fastestFloatKernel))
        let copied = screen.rows(screen.projections(of: matrix.subset(selected), kernel: Backend.fastestFloatKernel))
        let width = inPlace.width
        XCTAssertEqual(Array(UnsafeBufferPointer(start: inPlace.values, count: selected.count * width)),
                       Array(UnsafeBufferPointer(start: copied.values, count: selected.count * width)))
        XCTAssertEqual(inPlace.maxLength, copied.maxLength)
    }

    /// With the basis the first k axes and every residual along one shared direction, the
    /// residual term ρ_a·ρ_b equals r_a·r_b: the screen similarity is the cosine up to the
    /// band (and an int8 tile's own quantisation), and the bound holds with nothing to spare.
    func testTheBoundIsTightWhenResidualsAreAligned() throws {
        let (d, k) = (40, 8)
        var rng = SplitMix64(seed: 0xA11)
        let shared = (0..<(d - k)).map { _ in rng.gaussian() }
        let rows = (0..<80).map { _ -> [Float] in
            let c = 0.5 + Float(rng.next() % 1000) / 1000
            return (0..<k).map { _ in rng.gaussian() * 0.3 } + shared.map { c * $0 }
        }
        let matrix = try EmbeddingMatrix(rows: rows)
        let axes = (0..<k).map { i in (0..<d).map { $0 == i ? 1.0 : 0.0 } }
        for encoding in Self.encodings {
            let (gap, band, quantisation) = assertBoundHolds(matrix, axes: axes, encoding, "aligned \(encoding.name)")
            XCTAssertLessThanOrEqual(gap, band + quantisation, "aligned \(encoding.name): the screen similarity is the cosine within the band")
        }
        // Turned against each other (alternating signs), the residuals make the bound loose.
        let opposed = try EmbeddingMatrix(rows: rows.enumerated().map { i, row in
            Array(row.prefix(k)) + row.dropFirst(k).map { i % 2 == 0 ? $0 : -$0 }
        })
        let (gap, band, _) = assertBoundHolds(opposed, axes: axes, .float32, "opposed")
        XCTAssertGreaterThan(gap, 100 * band, "opposed residuals: the bound is far above the cosine")
    }

    func testDuplicatesZeroRowsAndZeroVarianceDirections() throws {
        var rng = SplitMix64(seed: 7)
        // Rows in a 5-dimensional subspace of 24 dimensions (19 directions without variance),
        // each twice, and zero rows.
        var rows = (0..<30).map { _ in (0..<24).map { $0 < 5 ? rng.gaussian() : 0 } }
        rows += rows + [[Float](repeating: 0, count: 24), [Float](repeating: 0, count: 24)]
        let matrix = try EmbeddingMatrix(rows: rows)
        for k in [1, 4, 5, 6, 23, 24] {
            let axes = ScreenEstimate.principalAxes(matrix, count: k, kernel: Backend.fastestFloatKernel)
            XCTAssertEqual(axes.count, k)
            assertOrthonormal(axes, tolerance: 1e-5, "subspace k=\(k)")  // single-precision eigenvectors
            for encoding in Self.encodings {
                assertBoundHolds(matrix, axes: axes, encoding, "subspace k=\(k) \(encoding.name)")
            }
        }
        let identical = try EmbeddingMatrix(rows: Array(repeating: rows[0], count: 12))
        assertBoundHolds(identical, axes: ScreenEstimate.principalAxes(identical, count: 3, kernel: Backend.fastestFloatKernel),
                         .int8, "identical rows")
    }

    /// The iteration used without LAPACKE (and for large d) gives an orthonormal basis whose
    /// leading directions are LAPACK's where the eigenvalues are well separated, and an
    /// orthonormal basis still when the matrix is rank-deficient.
    func testTheIterationFallbackIsOrthonormalAndFindsTheLeadingDirections() throws {
        try XCTSkipIf(LAPACKLibrary.unavailableReason != nil, "LAPACKE is needed for the comparison")
        var rng = SplitMix64(seed: 11)
        let d = 30
        // Second moment of rows with variances 2^-i along random orthogonal directions.
        let rows = (0..<400).map { _ in (0..<d).map { i in rng.gaussian() * Float(pow(2, -Double(i) / 2)) } }
        let matrix = try EmbeddingMatrix(rows: rows)
        for useLAPACK in [true, false] {
            let scatter = PrincipalComponents.centredScatter(matrix, mean: Array(repeating: 0, count: d), kernel: CSIMDKernel())
            let axes = LeadingEigenvectors.of(scatter, dimension: d, count: 6, kernel: Backend.fastestFloatKernel, useLAPACK: useLAPACK)
            // LAPACK's are single precision (ssyevr), orthonormal to rounding in float.
            assertOrthonormal(axes, tolerance: useLAPACK ? 1e-5 : 1e-9, "useLAPACK=\(useLAPACK)")
            for (i, axis) in axes.prefix(3).enumerated() {
                XCTAssertGreaterThan(abs(axis[i]), 0.95, "useLAPACK=\(useLAPACK): axis \(i) is coordinate \(i)")
            }
        }
        var deficient = [Double](repeating: 0, count: d * d)
        deficient[0] = 1
        let axes = LeadingEigenvectors.of(deficient, dimension: d, count: d, kernel: Backend.fastestFloatKernel, useLAPACK: false)
        XCTAssertEqual(axes.count, d)
        assertOrthonormal(axes, tolerance: 1e-9, "rank 1")
    }

    /// On isotropic rows every residual is most of the row: `auto` finds no rank that pays.
    func testAutoSwitchesItselfOffOnIsotropicRows() throws {
        var rng = SplitMix64(seed: 384)
        let matrix = try EmbeddingMatrix(rows: (0..<20_000).map { _ in (0..<384).map { _ in rng.gaussian() } })
        // A backend running its serial twin (no AVX2) is slower than a float screen that prunes
        // nothing, so there the screen may pay: only vectorised tiles are held to this.
        let vectorised = [Backend.blas] + [(Backend.bf16, CK_NARROW_BF16), (.int8, CK_NARROW_I8)]
            .filter { ck_narrow_supported($0.1) != 0 }.map(\.0)
        for backend in vectorised {
            XCTAssertNil(backend.preparedScreen(.auto, rows: matrix, columns: matrix, target: .threshold(0.5)), "\(backend) clustering")
            XCTAssertNil(backend.preparedScreen(.auto, rows: matrix, columns: matrix, target: .topK(8)), "\(backend) recall")
        }
        XCTAssertNotNil(Backend.blas.preparedScreen(.rank(8), rows: matrix, columns: matrix, target: .threshold(0.5)),
                        "a forced rank screens whatever it costs")
    }

    private func assertOrthonormal(_ axes: [[Double]], tolerance: Double, _ label: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        for i in axes.indices {
            for j in axes.indices {
                let dot = zip(axes[i], axes[j]).reduce(0) { $0 + $1.0 * $1.1 }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: tolerance, "\(label): q\(i)·q\(j)", file: file, line: line)
            }
        }
    }
}
