import Clustering
import Kernels

/// Times greedy clustering per pool and backend, extrapolates the skipped runs and checks
/// every backend's clusters against the reference.
final class ClusteringBench {
    let configuration: BenchConfiguration
    let catalog: DataCatalog
    let tiling: GreedyClustering.Tiling
    let quiet: QuietGuard
    private let log: (String) -> Void
    private(set) var rows: [ClusteringRow] = []
    /// Per pool: the clusters every correct run must return, and whose they are.
    private(set) var reference: [PoolSpec: (name: String, clusters: [[Int]])] = [:]
    private var clustersOf: [PoolSpec: [String: [[Int]]]] = [:]

    init(configuration: BenchConfiguration, catalog: DataCatalog, tiling: GreedyClustering.Tiling, quiet: QuietGuard,
         log: @escaping (String) -> Void) {
        self.configuration = configuration
        self.catalog = catalog
        self.tiling = tiling
        self.quiet = quiet
        self.log = log
    }

    /// Measures every pool with every backend within its size limit.
    func run() throws {
        for pool in configuration.pools {
            let real = catalog.isReal(rows: pool.rows, dimension: pool.dimension)
            let matrix = try catalog.matrix(rows: pool.rows, dimension: pool.dimension, real: real)
            for backend in configuration.backends {
              for screen in configuration.screens(for: backend) {
                var row = ClusteringRow(dim: pool.dimension, pool: pool.rows, data: real ? "real" : "synthetic",
                                        backend: runName(backend, screen), kind: "engine")
                if let limit = configuration.limit(backend, dimension: pool.dimension), pool.rows > limit {
                    row.note = "skipped above \(limit) items"
                    rows.append(row)
                    continue
                }
                let clustering = GreedyClustering(threshold: configuration.threshold, backend: backend, tiling: tiling, screenRank: screen)
                let (seconds, others, result) = try quiet.repeated(reps: configuration.reps, budget: configuration.repBudget) {
                    matrix.screenAxes.clear()  // each repetition finds the screen's basis afresh
                    return try clustering.cluster(matrix)
                }
                if result.backend != backend { row.note = "ran as \(result.backend) (no BLAS)" }
                row.blasCore = result.backend == .blas ? BLASLibrary.coreName : nil
                row.clusters = result.clusters.count
                row.referencePairs = result.referencePairs
                row.computedPairs = result.computedPairs
                row.rechecked = result.rechecked
                row.screen = result.screen.map(ScreenInfo.init)
                row.seconds = seconds
                row.othersShare = others
                row.secondsMin = seconds.min()
                row.secondsMedian = Timing.median(seconds)
                row.clustersDigest = Self.digest(result.clusters)
                rows.append(row)
                clustersOf[pool, default: [:]][row.backend] = result.clusters
                log(String(format: "cluster %@ %@ %@ %8.3f s (min of %ld)  %ld clusters  %ld reference pairs  %ld rechecked%@",
                           pool.description, row.data, row.backend.padding(toLength: 16, withPad: " ", startingAt: 0), row.secondsMin!, seconds.count,
                           result.clusters.count, result.referencePairs, result.rechecked, row.screen.map { "  screen " + $0.text } ?? ""))
              }
            }
            checkIdentical(pool)
        }
        extrapolate()
    }

    /// Compares each run at `pool` with `scalar`'s clusters, or with `simd`'s (then `blas`'s)
    /// when `scalar` was skipped.
    private func checkIdentical(_ pool: PoolSpec) {
        guard let runs = clustersOf[pool],
              let name = ["scalar", "simd", "blas", "swift-simd"].first(where: { runs[$0] != nil }) else { return }
        let clusters = runs[name]!
        reference[pool] = (name, clusters)
        for i in rows.indices where rows[i].dim == pool.dimension && rows[i].pool == pool.rows {
            guard let own = runs[rows[i].backend] else { continue }
            if rows[i].backend == name {
                rows[i].identicalTo = name == "scalar" ? "scalar" : "reference (scalar skipped)"
            } else {
                rows[i].identical = own == clusters
                rows[i].identicalTo = name
                if own != clusters { log("MISMATCH: \(rows[i].backend) clusters differ from \(name)'s at \(pool)") }
            }
        }
        clustersOf[pool] = nil  // keep only the reference
    }

    /// Seconds of each skipped run, scaled from its backend's largest measured run by the ratio
    /// of reference pairs (known exactly from the clusters of any backend at that pool), and by
    /// the dimension when no run of the same dimension was measured.
    private func extrapolate() {
        for i in rows.indices where rows[i].seconds.isEmpty {
            let target = rows[i]
            guard let pairs = rows.first(where: { $0.dim == target.dim && $0.pool == target.pool && $0.referencePairs != nil })?.referencePairs
            else { continue }
            let measured = rows.filter { $0.backend == target.backend && $0.secondsMin != nil && $0.extrapolatedFrom == nil }
            let sameDimension = measured.filter { $0.dim == target.dim }
            guard let base = (sameDimension.isEmpty ? measured : sameDimension).max(by: { $0.pool < $1.pool }),
                  let basePairs = base.referencePairs, basePairs > 0, let baseSeconds = base.secondsMin else {
                rows[i].note = (rows[i].note ?? "") + "; not extrapolated (no measured run)"
                continue
            }
            let seconds = baseSeconds * Double(pairs) / Double(basePairs) * Double(target.dim) / Double(base.dim)
            rows[i].referencePairs = pairs
            rows[i].clusters = rows.first(where: { $0.dim == target.dim && $0.pool == target.pool && $0.clusters != nil && $0.extrapolatedFrom == nil })?.clusters
            rows[i].secondsMin = seconds
            rows[i].secondsMedian = seconds
            rows[i].extrapolatedFrom = "\(base.pool)@\(base.dim)"
            log(String(format: "cluster %ld@%ld %@ extrapolated: %.1f s (from %ld@%ld by reference pairs%@)", target.pool, target.dim,
                       target.backend, seconds, base.pool, base.dim, base.dim == target.dim ? "" : " and dimension"))
        }
    }

    /// FNV-1a 64 of the clusters written as `a,b,c;d;…` (the peers compute the same).
    static func digest(_ clusters: [[Int]]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func feed(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        for (c, members) in clusters.enumerated() {
            if c > 0 { feed(UInt8(ascii: ";")) }
            for (m, member) in members.enumerated() {
                if m > 0 { feed(UInt8(ascii: ",")) }
                for byte in String(member).utf8 { feed(byte) }
            }
        }
        return String(hash, radix: 16)
    }
}
