import Foundation
import Clustering
import Kernels
import TestSupport

enum TestData {
    /// `n` rows of dimension `d` around `centers` random directions, with per-row noise drawn
    /// from a wide range so similarities to the seeds spread across any threshold; every 17th
    /// row is an exact duplicate of an earlier one and every 23rd is all zeros.
    static func clustered(n: Int, d: Int, centers: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        let hubs = (0..<max(centers, 1)).map { _ in (0..<d).map { _ in rng.gaussian() } }
        var rows: [[Float]] = []
        for i in 0..<n {
            if i % 23 == 22 {
                rows.append([Float](repeating: 0, count: d))
            } else if i % 17 == 16 {
                rows.append(rows[Int.random(in: 0..<i, using: &rng)])
            } else {
                let hub = hubs[Int.random(in: 0..<hubs.count, using: &rng)]
                let noise = Float.random(in: 0...1.2, using: &rng)
                let scale = Float.random(in: 0.01...100, using: &rng)
                rows.append(hub.map { ($0 + noise * rng.gaussian()) * scale })
            }
        }
        return rows
    }

    /// Independent Gaussian rows (almost no pair is similar in high dimension).
    static func gaussian(n: Int, d: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in (0..<d).map { _ in rng.gaussian() } }
    }

    /// The first 2,000 rows of debian-minilm (d = 384) kept in Tests/Fixtures.
    static func debianMiniLM() throws -> EmbeddingMatrix {
        try EmbeddingMatrix(contentsOfFile: fixture("debian-minilm-2000.f32"), dimension: 384)
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    /// Engine thread counts every exactness comparison runs at (`ComputeThreads.withCount`):
    /// one worker, and odd splits of the work.
    static let threadCounts = [1, 3, 7]

    /// Small tiles so that tests with a few hundred rows cross many block, chunk and level
    /// boundaries.
    static var smallTiling: GreedyClustering.Tiling {
        var tiling = GreedyClustering.Tiling()
        tiling.blockRows = 48
        tiling.subBlockRows = 7
        tiling.firstSeedChunk = 5
        tiling.seedChunk = 40
        return tiling
    }
}
