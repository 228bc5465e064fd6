import Kernels

/// Greedy first-match clustering at several thresholds in one pass: what `GreedyClustering`
/// returns at each of them, for little more than the cost of the most demanding one.
///
/// Every threshold seeds its clusters in visiting order, so one blocked pass over the union of
/// all thresholds' seeds serves them all (see `BlockedFirstMatch`); the similarity tiles are
/// shared, and only the scans of the tiles are per threshold. The results are exact: at each
/// threshold, the clusters of the double-precision reference loop.
///
/// ```swift
/// let thresholds = stride(from: 0.70, through: 0.95, by: 0.05).map { $0 }
/// let results = try ThresholdSweep(thresholds: thresholds).cluster(matrix)
/// for (t, result) in zip(thresholds, results) { print(t, result.clusters.count) }
/// ```
///
/// - Complexity: O(n·u·d) for n items and u seeds in the union of the thresholds' seeds (at most
///   n); memory O(n·d + n·T) for T thresholds, plus fixed-size tiles.
public struct ThresholdSweep: Sendable {
    /// The thresholds, in any order (at most 64, repeats allowed).
    public var thresholds: [Double]
    /// How similarities are computed.
    public var backend: Backend
    /// Tiling of the blocked pass; it changes speed, never results.
    public var tiling: GreedyClustering.Tiling
    /// The low-rank screen, at the lowest threshold; it changes speed, never results.
    public var screenRank: ScreenRank

    /// A sweep over `thresholds` with `backend`, `tiling` and `screenRank`.
    public init(thresholds: [Double], backend: Backend = .auto, tiling: GreedyClustering.Tiling = .init(),
                screenRank: ScreenRank = .auto) {
        self.thresholds = thresholds
        self.backend = backend
        self.tiling = tiling
        self.screenRank = screenRank
    }

    /// Clusters the rows of `matrix` at every threshold, visiting them in `order` (all rows, in
    /// index order, when nil).
    /// - Returns: one result per entry of `thresholds`, in that order, each equal to
    ///   `GreedyClustering(threshold:).cluster(matrix, order:)`; `computedPairs` is the whole
    ///   shared pass's.
    /// - Throws: `ClusteringError` for no thresholds or more than 64, a non-finite threshold, bad
    ///   tiling, or an `order` that repeats a row or names one outside the matrix.
    public func cluster(_ matrix: EmbeddingMatrix, order: [Int]? = nil) throws(ClusteringError) -> [ClusteringResult] {
        guard (1...64).contains(thresholds.count) else { throw .invalidThresholdCount(thresholds.count) }
        if let bad = thresholds.first(where: { !$0.isFinite }) { throw .invalidThreshold(bad) }
        let t = tiling
        guard t.blockRows >= 1, t.subBlockRows >= 1, t.firstSeedChunk >= 1, t.seedChunk >= t.firstSeedChunk else {
            throw .invalidTiling
        }
        let rows = try Self.validated(order, rows: matrix.rows)
        if backend.resolved == .scalar {
            return thresholds.map { ScalarReference.cluster(matrix, rows: rows, threshold: $0) }
        }
        let distinct = Array(Set(thresholds)).sorted()
        let resolved: Backend, tiles: PassTiles
        let screen = backend.preparedScreen(screenRank, rows: matrix, columns: matrix, target: .threshold(distinct[0]))
        if let screen {
            (resolved, tiles) = (backend.resolved, PassTiles(screen: screen, thresholds: distinct))
        } else {
            let (prepared, kernel, encoded) = backend.prepared([matrix])
            (resolved, tiles) = (prepared, PassTiles(kernel: kernel, rows: encoded[0], thresholds: distinct))
        }
        let run = BlockedFirstMatch(matrix: matrix, source: tiles, thresholds: distinct, tiling: t)
        run.place(rows)
        let summary = screen?.summary(screenedPairs: run.computedPairs, survivors: run.checkedPairs)
        return thresholds.map { threshold in
            let i = distinct.firstIndex(of: threshold)!
            return ClusteringResult(clusters: run.clusters[i], backend: resolved, rechecked: run.rechecked[i],
                                    computedPairs: run.computedPairs, screen: summary)
        }
    }

    private static func validated(_ order: [Int]?, rows: Int) throws(ClusteringError) -> [Int] {
        guard let order else { return Array(0..<rows) }
        var seen = [Bool](repeating: false, count: rows)
        for index in order {
            guard index >= 0, index < rows, !seen[index] else { throw .invalidOrder(index) }
            seen[index] = true
        }
        return order
    }
}
