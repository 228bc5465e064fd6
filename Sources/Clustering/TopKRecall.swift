import Kernels

/// Exact top-k recall: for each query row, the k database rows with the highest reference
/// cosine, best first, ties broken by the lower database index.
///
/// Similarities come from tiled matrix products in the backend's encoding (float, or bf16 and
/// int8 for the screening backends; query blocks × database chunks, one tile per worker). Each
/// query keeps every candidate whose tile score is within twice the error band of its running
/// k-th best; at the end the candidates are narrowed in float (after screening) and re-scored
/// with `ReferenceCosine`, and ranked. So the hits are exactly those of a double-precision brute
/// force.
///
/// ```swift
/// let hits = try TopKRecall(k: 8).search(queries, in: committed)
/// print(hits[0].map(\.index))   // database rows most similar to query 0
/// ```
///
/// - Complexity: O(q·n·d) for q queries and n database rows; memory O(tiles + q·k).
public struct TopKRecall: Sendable {
    /// Hits per query (fewer when the database is smaller).
    public var k: Int
    /// How similarities are computed.
    public var backend: Backend
    /// Queries per tile (at most 128 with a screen, whose tiles are kept for a whole span).
    public var queryBlock = 256
    /// Database rows per tile.
    public var databaseChunk = 2048
    /// Database rows whose screen tiles a block of queries keeps at once (16 MiB of floats per
    /// worker): the first span seeds each query's floor, and the survivors of each span are
    /// scored row by row of the database.
    public var screenSpan = 32_768
    /// The low-rank screen run before the full-dimension similarities, bounded against each
    /// query's running k-th best (`LowRankScreen`); it changes speed, never results.
    public var screenRank: ScreenRank

    /// A search for the `k` best rows with `backend` and `screenRank`.
    public init(k: Int = 8, backend: Backend = .auto, screenRank: ScreenRank = .auto) {
        self.k = k
        self.backend = backend
        self.screenRank = screenRank
    }

    /// The top-k database rows of every query row.
    /// - Throws: `RecallError` when the dimensions differ or k or the tile sizes are negative or zero.
    public func search(_ queries: EmbeddingMatrix, in database: EmbeddingMatrix) throws(RecallError) -> [[RecallHit]] {
        try measuredSearch(queries, in: database).hits
    }

    /// `search`, with the backend that ran, the (query, row) pairs whose similarity left the
    /// tile to be decided exactly (in float, then double), and the screen that ran, if any.
    package func measuredSearch(_ queries: EmbeddingMatrix, in database: EmbeddingMatrix) throws(RecallError)
        -> (hits: [[RecallHit]], backend: Backend, rechecked: Int, screen: ScreenSummary?) {
        guard queries.dimension == database.dimension else {
            throw .dimensionMismatch(queries: queries.dimension, database: database.dimension)
        }
        guard k >= 0, queryBlock > 0, databaseChunk > 0, screenSpan > 0 else { throw .invalidParameters }
        if backend.resolved == .scalar {
            return (ScalarReference.recall(queries, database, k: k), .scalar, queries.rows * database.rows, nil)
        }
        guard k > 0, database.rows > 0 else { return (Array(repeating: [], count: queries.rows), backend.resolved, 0, nil) }
        if let screen = backend.preparedScreen(screenRank, rows: queries, columns: database, target: .topK(k)) {
            let run = TiledRecall(queries: queries, database: database, k: k, kernel: screen.kernel, rows: screen.rows,
                                  databaseRows: screen.columns, screenBand: screen.band, queryBlock: queryBlock,
                                  databaseChunk: databaseChunk, screenSpan: screenSpan).run()
            let screened = (0..<queries.rows).filter { queries.norms[$0] != 0 }.count * database.rows
            return (run.hits, backend.resolved, run.rechecked, screen.summary(screenedPairs: screened, survivors: run.survivors))
        }
        let (resolved, kernel, encoded) = backend.prepared([queries, database])
        let run = TiledRecall(queries: queries, database: database, k: k, kernel: kernel, rows: encoded[0], databaseRows: encoded[1],
                              screenBand: nil, queryBlock: queryBlock, databaseChunk: databaseChunk, screenSpan: screenSpan).run()
        return (run.hits, resolved, run.rechecked, nil)
    }
}

/// One recalled database row.
public struct RecallHit: Sendable, Equatable, Hashable {
    /// Row in the database matrix.
    public let index: Int
    /// Reference cosine with the query.
    public let score: Double

    /// A hit of database row `index` with reference cosine `score`.
    public init(index: Int, score: Double) {
        self.index = index
        self.score = score
    }

    /// Ranking order: higher score first, then lower index.
    public static func ranksBefore(_ a: RecallHit, _ b: RecallHit) -> Bool {
        a.score != b.score ? a.score > b.score : a.index < b.index
    }
}

/// Why recall was refused.
public enum RecallError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(queries: Int, database: Int)
    case invalidParameters

    public var description: String {
        switch self {
        case let .dimensionMismatch(q, d): "query dimension \(q) differs from database dimension \(d)"
        case .invalidParameters: "k must be ≥ 0 and tile sizes ≥ 1"
        }
    }
}
