import Clustering
import Dispatch
import Foundation
import Kernels

// Minimal runner for now: pools from a dataset, every backend, against the measured sgemm peak.
let args = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return fallback }
    return args[i + 1]
}
let pools = option("--pools", "10000").split(separator: ",").compactMap { Int($0) }
let dataset = option("--dataset", "../shared/datasets/debian-minilm")
let backends = option("--backends", "blas,simd,swift-simd").split(separator: ",").compactMap { Backend(rawValue: String($0)) }
let threshold = Double(option("--threshold", "0.82"))!
let dim = Int(option("--dim", "384"))!
var tiling = GreedyClustering.Tiling()
tiling.blockRows = Int(option("--block", "1024"))!
tiling.subBlockRows = Int(option("--sub-block", "64"))!
tiling.firstSeedChunk = Int(option("--first-chunk", "256"))!
tiling.seedChunk = Int(option("--chunk", "4096"))!

let all = try EmbeddingMatrix(contentsOfFile: dataset + "/embeddings.f32", dimension: dim)
print("isa=\(ComputeEnvironment.isa) blas=\(BLASLibrary.coreName) requested=\(BLASLibrary.requestedCore ?? "-") workers=\(ComputeThreads.count)")
let peakOwn = SgemmPeak.perWorker() ?? .nan
let peakLib = SgemmPeak.libraryThreaded() ?? .nan
let peak = max(peakOwn, peakLib)
print(String(format: "sgemm peak: per-worker %.1f GFLOP/s, library-threaded %.1f GFLOP/s", peakOwn, peakLib))
for n in pools {
    let m = try EmbeddingMatrix(flat: (0..<n).flatMap { all.row($0) }, dimension: dim)
    for backend in backends {
        var s = Double.infinity
        var r: ClusteringResult! = nil
        for _ in 0..<Int(option("--reps", "1"))! {
            let start = DispatchTime.now().uptimeNanoseconds
            r = try GreedyClustering(threshold: threshold, backend: backend, tiling: tiling).cluster(m)
            s = min(s, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let gflops = 2 * Double(dim) * Double(r.referencePairs) / s / 1e9
        print(String(format: "n=%d %@ clusters=%d pairs=%d computed=%.3f rechecked=%d %.3fs %.1f GFLOP/s %.1f%% of peak",
                     n, backend.rawValue, r.clusters.count, r.referencePairs, Double(r.computedPairs) / Double(r.referencePairs), r.rechecked, s, gflops, 100 * gflops / peak))
    }
}
