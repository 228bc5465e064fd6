import Clustering
import Kernels

/// Lets the benchmark choose tile sizes: every combination of the tile options is timed on one
/// pool (min of two runs) with the fastest configured backend, and the fastest tiling is kept.
/// The tiling changes speed only, never clusters (checked here too).
enum TileSweep {
    static func choose(configuration: BenchConfiguration, catalog: DataCatalog, quiet: QuietGuard, log: (String) -> Void) throws
        -> (GreedyClustering.Tiling, [TuningRow]) {
        let candidates = configuration.tilingCandidates
        guard configuration.sweepsTiles, !candidates.isEmpty else {
            return (candidates.first ?? GreedyClustering.Tiling(), [])
        }
        let mainPools = configuration.pools.filter { $0.dimension == configuration.dimension }
        let rows = configuration.tunePool ?? mainPools.map(\.rows).filter { $0 <= 10000 }.max() ?? mainPools.map(\.rows).min() ?? 10000
        let real = catalog.isReal(rows: rows, dimension: configuration.dimension)
        let matrix = try catalog.matrix(rows: rows, dimension: configuration.dimension, real: real)
        let backend = [Backend.int8, .bf16, .blas, .simd, .swiftSIMD].first { configuration.backends.contains($0) } ?? .blas
        log("tile sweep: \(candidates.count) tilings on \(rows)@\(configuration.dimension) (\(real ? "real" : "synthetic")) with \(backend)")
        var results: [TuningRow] = []
        var best: (GreedyClustering.Tiling, Double)?
        var reference: [[Int]]?
        for tiling in candidates {
            let clustering = GreedyClustering(threshold: configuration.threshold, backend: backend, tiling: tiling)
            let (seconds, _, result) = try quiet.repeated(reps: 2, budget: configuration.repBudget) { try clustering.cluster(matrix) }
            if let reference, reference != result.clusters {
                throw BenchError("tiling \(tiling) changed the clusters: the engine is not exact")
            }
            reference = result.clusters
            let fastest = seconds.min()!
            results.append(TuningRow(blockRows: tiling.blockRows, subBlockRows: tiling.subBlockRows,
                                     firstSeedChunk: tiling.firstSeedChunk, seedChunk: tiling.seedChunk, seconds: fastest))
            log(String(format: "  block %5ld  sub-block %4ld  chunks %5ld→%-5ld  %.3f s", tiling.blockRows, tiling.subBlockRows,
                       tiling.firstSeedChunk, tiling.seedChunk, fastest))
            if best == nil || fastest < best!.1 { best = (tiling, fastest) }
        }
        return (best!.0, results)
    }
}
