import Kernels

/// Greedy first-match (leader) clustering under the reference semantics.
///
/// Items are visited in the given order; each joins the first cluster, in creation order,
/// whose seed (first member) has reference cosine ≥ `threshold` with it, or else seeds a new
/// cluster. Every backend returns exactly the clusters of the `scalar` double-precision loop.
///
/// ```swift
/// let matrix = try EmbeddingMatrix(contentsOfFile: "vectors.f32", dimension: 384)
/// let result = try GreedyClustering(threshold: 0.82).cluster(matrix)
/// for members in result.clusters { print(members) }   // row indices, seed first
/// ```
///
/// - Complexity: O(n·s·d) for n items and s clusters, as in the reference loop, but computed
///   as blocked matrix products; memory O(n·d) plus fixed-size tiles (never n×n).
public struct GreedyClustering: Sendable {
    /// Minimum reference cosine between an item and a cluster's seed for the item to join.
    public var threshold: Double
    /// How similarities are computed.
    public var backend: Backend
    /// Tiling: rows per block, rows per in-block sub-block, and seed-chunk widths (the first
    /// chunk of every block is `firstSeedChunk` wide; each next one doubles, up to `seedChunk`).
    public var tiling: Tiling
    /// The low-rank screen run before the full-dimension similarities (`LowRankScreen`); it
    /// changes speed, never results.
    public var screenRank: ScreenRank

    /// Block and tile sizes of the blocked algorithm; they change speed, never results.
    ///
    /// A row that matches early in a seed chunk still rides along to the chunk's end, so wide
    /// chunks waste work; 1,024-seed chunks keep that under 2 % on debian-minilm at 40,000 items
    /// while the tiles stay large enough for full sgemm speed (`curate-bench --chunk` measures it).
    public struct Tiling: Sendable, Equatable {
        /// Rows matched together against the seeds that existed when the block started.
        public var blockRows = 1024
        /// Rows per sub-block when the rows still open recurse against the block's own seeds.
        public var subBlockRows = 64
        /// Width of a block's first seed chunk.
        public var firstSeedChunk = 256
        /// Widest seed chunk (chunks double from `firstSeedChunk` up to it).
        public var seedChunk = 1024
        /// The engine's default tiling.
        public init() {}
    }

    /// Clustering at `threshold` with `backend`, `tiling` and `screenRank`.
    public init(threshold: Double = 0.82, backend: Backend = .auto, tiling: Tiling = Tiling(), screenRank: ScreenRank = .auto) {
        self.threshold = threshold
        self.backend = backend
        self.tiling = tiling
        self.screenRank = screenRank
    }

    /// Clusters the rows of `matrix`, visiting them in `order` (all rows, in index order, when nil).
    /// - Returns: the clusters in creation order, each a list of row indices in visiting order.
    /// - Throws: `ClusteringError` for a non-finite threshold, bad tiling, or an `order` that
    ///   repeats a row or names one outside the matrix.
    public func cluster(_ matrix: EmbeddingMatrix, order: [Int]? = nil) throws(ClusteringError) -> ClusteringResult {
        try ThresholdSweep(thresholds: [threshold], backend: backend, tiling: tiling, screenRank: screenRank).cluster(matrix, order: order)[0]
    }
}

/// Clusters and what it took to find them.
public struct ClusteringResult: Sendable, Equatable {
    /// Clusters in creation order; each lists row indices in visiting order, seed first.
    public let clusters: [[Int]]
    /// The concrete backend that ran.
    public let backend: Backend
    /// Similarities that fell inside the tiles' error band and were decided again exactly (in
    /// float after a screening tile, then in `Double`); after a low-rank screen, the pairs it
    /// could not rule out, per threshold.
    public let rechecked: Int
    /// Similarities the backend computed in tiles (screen similarities when a screen ran; for
    /// `scalar`, exactly `referencePairs`).
    public internal(set) var computedPairs: Int
    /// The low-rank screen that ran, or nil for none.
    public let screen: ScreenSummary?

    /// Clusters found by `backend`, with the work it took.
    public init(clusters: [[Int]], backend: Backend, rechecked: Int, computedPairs: Int, screen: ScreenSummary? = nil) {
        self.clusters = clusters
        self.backend = backend
        self.rechecked = rechecked
        self.computedPairs = computedPairs
        self.screen = screen
    }

    /// Pairs (item, seed) the reference loop evaluates for these clusters: an item that joins
    /// cluster c compares with seeds 0…c, a seed of cluster c with seeds 0..<c.
    public var referencePairs: Int {
        var pairs = 0
        for (c, members) in clusters.enumerated() { pairs += c + (members.count - 1) * (c + 1) }
        return pairs
    }
}

/// Why clustering was refused.
public enum ClusteringError: Error, Equatable, CustomStringConvertible {
    case invalidThreshold(Double)
    case invalidThresholdCount(Int)
    case invalidTiling
    case invalidOrder(Int)

    public var description: String {
        switch self {
        case let .invalidThreshold(t): "threshold \(t) is not a finite number"
        case let .invalidThresholdCount(n): "a sweep takes 1 to 64 thresholds, not \(n)"
        case .invalidTiling: "tile sizes must be positive and seedChunk ≥ firstSeedChunk"
        case let .invalidOrder(i): "order names row \(i) twice or outside the matrix"
        }
    }
}
