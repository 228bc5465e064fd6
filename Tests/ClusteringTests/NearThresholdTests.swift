import Clustering
import Kernels
import TestSupport
import XCTest

/// Inputs built so that `Float` rounding puts similarities on the wrong side of the threshold:
/// only the `Double` re-check inside the error band can get these right.
final class NearThresholdTests: XCTestCase {
    /// A seed followed by rows whose reference cosine with it lies within `spread` of `threshold`.
    static func nearThresholdRows(d: Int, count: Int, threshold: Double, spread: Double, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        let s = (0..<d).map { _ in Double(rng.gaussian()) }
        let sNorm = s.map { $0 * $0 }.reduce(0, +).squareRoot()
        let sUnit = s.map { $0 / sNorm }
        var rows: [[Float]] = [s.map { Float($0) }]
        for _ in 0..<count {
            // w: a random unit vector orthogonal to s.
            var w = (0..<d).map { _ in Double(rng.gaussian()) }
            let along = zip(w, sUnit).map(*).reduce(0, +)
            w = zip(w, sUnit).map { $0 - along * $1 }
            let wNorm = w.map { $0 * $0 }.reduce(0, +).squareRoot()
            let target = threshold + Double.random(in: -spread...spread, using: &rng)
            let sine = (1 - target * target).squareRoot()
            let scale = Double.random(in: 0.5...4, using: &rng)
            rows.append((0..<d).map { Float((target * sUnit[$0] + sine * w[$0] / wNorm) * scale) })
        }
        return rows
    }

    func testFloatRoundingCrossesTheThresholdAndClustersStayExact() throws {
        let threshold = 0.82
        for d in [3, 384, 1536] {
            let rows = Self.nearThresholdRows(d: d, count: 400, threshold: threshold, spread: 4e-7, seed: UInt64(d))
            let matrix = try EmbeddingMatrix(rows: rows)
            let kernel = SwiftSIMDKernel()
            var crossings = 0
            for i in 1..<matrix.rows {
                let float = kernel.dot(matrix.unitRow(0), matrix.unitRow(i), count: d)
                let reference = matrix.referenceCosine(0, matrix, i)
                if (Double(float) >= threshold) != (reference >= threshold) { crossings += 1 }
            }
            XCTAssertGreaterThan(crossings, 0, "d=\(d): the data must contain pairs where float rounding crosses the threshold")
            let expected = try GreedyClustering(threshold: threshold, backend: .scalar).cluster(matrix).clusters
            for backend in ClusteringExactnessTests.fastBackends {
                for tiling in [GreedyClustering.Tiling(), TestData.smallTiling] {
                    let result = try GreedyClustering(threshold: threshold, backend: backend, tiling: tiling).cluster(matrix)
                    XCTAssertEqual(result.clusters, expected, "d=\(d) backend=\(backend)")
                    XCTAssertGreaterThan(result.rechecked, 0, "d=\(d) backend=\(backend): near-threshold pairs are re-checked")
                }
            }
        }
    }

    func testBandBoundsTheFloatErrorOnNearThresholdPairs() throws {
        for d in [2, 7, 384, 1536] {
            let rows = Self.nearThresholdRows(d: d, count: 300, threshold: 0.82, spread: 1e-3, seed: 99 + UInt64(d))
            let matrix = try EmbeddingMatrix(rows: rows)
            let band = ExactnessBand.band(for: d)
            let kernels: [any FloatKernel] = [SwiftSIMDKernel(), CSIMDKernel(), BLASKernel()]
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: matrix.rows)
            defer { tile.deallocate() }
            for kernel in kernels {
                kernel.tile(matrix.unitRow(0), rows: 1, matrix.unitRow(0), rows: matrix.rows, dimension: d, into: tile, rowStride: matrix.rows)
                for i in 0..<matrix.rows {
                    let error = abs(Double(tile[i]) - matrix.referenceCosine(0, matrix, i))
                    XCTAssertLessThanOrEqual(error, band, "d=\(d) row \(i) \(type(of: kernel))")
                }
            }
        }
    }
}
