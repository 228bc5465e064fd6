import Kernels
import TestSupport
import XCTest

/// The PCA of the report's map: LAPACKE's eigenpairs checked against the covariance itself.
final class PrincipalComponentsTests: XCTestCase {
    /// Rows around the direction e0 that spread 2.5× more along e1 than along e2 and barely at all
    /// along the other axes, so after normalisation the two leading axes are ±e1 and ±e2 (the
    /// normalisation's own wobble along e0 stays well below both).
    func anisotropicRows(n: Int, d: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in
            (0..<d).map { k in
                let noise = rng.gaussian()
                switch k {
                case 0: return 1
                case 1: return 0.25 * noise
                case 2: return 0.1 * noise
                default: return 0.002 * noise
                }
            }
        }
    }

    /// The covariance of the normalised rows in `Double`, summed the plain way.
    func covariance(_ matrix: EmbeddingMatrix) -> [[Double]] {
        let d = matrix.dimension, n = Double(matrix.rows)
        let units = (0..<matrix.rows).map { row in (0..<d).map { Double(matrix.unitRow(row)[$0]) } }
        let mean = (0..<d).map { k in units.reduce(0) { $0 + $1[k] } / n }
        return (0..<d).map { i in (0..<d).map { j in units.reduce(0) { $0 + ($1[i] - mean[i]) * ($1[j] - mean[j]) } / n } }
    }

    func testAxesAreUnitEigenvectorsOfTheCovarianceLargestFirst() throws {
        XCTAssertTrue(LAPACKLibrary.isAvailable, "install liblapacke (make test does): \(LAPACKLibrary.unavailableReason ?? "")")
        for (n, d, backend) in [(700, 9, Backend.auto), (1300, 40, .simd), (300, 3, .swiftSIMD)] {
            let matrix = try EmbeddingMatrix(rows: anisotropicRows(n: n, d: d, seed: UInt64(n + d)))
            let pca = try PrincipalComponents(of: matrix, count: 2, backend: backend)
            let c = covariance(matrix)
            XCTAssertEqual(pca.totalVariance, (0..<d).reduce(0) { $0 + c[$1][$1] }, accuracy: 1e-6)
            for (axis, variance) in zip(pca.axes, pca.variances) {
                XCTAssertEqual(axis.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-9, "unit axis")
                let image = (0..<d).map { i in (0..<d).reduce(0) { $0 + c[i][$1] * axis[$1] } }
                let residual = zip(image, axis).map { $0 - variance * $1 }.reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssertLessThan(residual, 1e-5 * max(variance, 1e-3), "n=\(n) d=\(d): C·v = λ·v")
                let peak = axis.indices.max { abs(axis[$0]) < abs(axis[$1]) }!
                XCTAssertGreaterThan(axis[peak], 0, "sign: largest component positive")
            }
            XCTAssertEqual(zip(pca.axes[0], pca.axes[1]).reduce(0) { $0 + $1.0 * $1.1 }, 0, accuracy: 1e-9, "orthogonal")
            XCTAssertGreaterThan(abs(pca.axes[0][1]), 0.99, "the widest spread is along e1")
            XCTAssertGreaterThan(abs(pca.axes[1][2]), 0.98, "then along e2")
            XCTAssertGreaterThan(pca.variances[0], pca.variances[1])
            XCTAssertGreaterThan(pca.explainedVariance[0] + pca.explainedVariance[1], 0.9)
            // The projection is the centred, normalised row along each axis.
            let row = 5, point = pca.project(row: row, of: matrix)
            let centred = (0..<d).map { Double(matrix.unitRow(row)[$0]) - pca.mean[$0] }
            XCTAssertEqual(point[0], zip(centred, pca.axes[0]).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-12)
        }
    }

    func testRefusals() throws {
        let one = try EmbeddingMatrix(rows: [[1, 2, 3]])
        XCTAssertThrowsError(try PrincipalComponents(of: one)) { XCTAssertEqual($0 as? PrincipalComponentsError, .tooFewRows(1)) }
        let two = try EmbeddingMatrix(rows: [[1, 2], [2, 1]])
        XCTAssertThrowsError(try PrincipalComponents(of: two, count: 3)) {
            XCTAssertEqual($0 as? PrincipalComponentsError, .invalidCount(3, dimension: 2))
        }
        XCTAssertThrowsError(try PrincipalComponents(of: two, count: 0))
    }

    func testIdenticalRowsHaveNoVariance() throws {
        XCTAssertTrue(LAPACKLibrary.isAvailable, "install liblapacke (make test does)")
        let matrix = try EmbeddingMatrix(rows: Array(repeating: [0.5, -1, 2, 0.25], count: 50))
        let pca = try PrincipalComponents(of: matrix)
        XCTAssertEqual(pca.totalVariance, 0, accuracy: 1e-12)
        XCTAssertEqual(pca.explainedVariance.count, 2)
        XCTAssertTrue(pca.explainedVariance.allSatisfy { $0 == 0 })
    }
}
