import Foundation
import GRDB
import Kernels

/// One pending prospect: the metadata of its first occurrence in the store.
public struct PendingProspect: Equatable, Sendable {
    /// The prospect's id (unique within a pool).
    public let prospectID: String
    /// The session it came from.
    public let anchorKey: String
    /// The session's type, when the import gave one.
    public let anchorType: String?
    /// The prospect's type, when the import gave one.
    public let prospectType: String?
    /// Short name, possibly empty (also when the row had none).
    public let label: String
    /// One-sentence summary (`props.summary`), possibly empty.
    public let summary: String
    /// In [0, 1]; nil when the row had none.
    public let confidence: Double?
    /// The row's `source_keys` as JSON text, when it had any.
    public let sourceKeys: String?
    /// When the prospect was proposed (`created_at`).
    public let ts: UTCTimestamp
    /// The latest activity of its session (`ActivityBasis`), nil when it has none.
    public let sessionLastActivity: UTCTimestamp?
    /// Its row in the pool's `embeddings`, or nil when it has no embedding.
    public let embeddingRow: Int?

    /// A prospect with the given values (the store builds them; tests and tools may too).
    public init(prospectID: String, anchorKey: String, anchorType: String? = nil, prospectType: String? = nil,
                label: String = "", summary: String = "", confidence: Double? = 0.5, sourceKeys: String? = nil,
                ts: UTCTimestamp, sessionLastActivity: UTCTimestamp?, embeddingRow: Int?) {
        self.prospectID = prospectID
        self.anchorKey = anchorKey
        self.anchorType = anchorType
        self.prospectType = prospectType
        self.label = label
        self.summary = summary
        self.confidence = confidence
        self.sourceKeys = sourceKeys
        self.ts = ts
        self.sessionLastActivity = sessionLastActivity
        self.embeddingRow = embeddingRow
    }

    /// Its text (`itemText(type:label:summary:)`, `seed-contract.md` §2).
    public var text: String { itemText(type: prospectType, label: label, summary: summary) }
}

/// The pending pool: prospects with no resolution row, one per `prospect_id` (its first
/// occurrence, by insertion order, wins), in insertion order, optionally windowed by the latest
/// activity of their session; and one contiguous `EmbeddingMatrix` of their embeddings.
///
/// The matrix is filled straight from the stored blobs into one buffer of `rows × dimension`
/// floats: no per-row arrays. Row `r` belongs to `prospects[embeddedIndices[r]]`; when every
/// prospect has an embedding (the usual case), row `i` is `prospects[i]`.
public struct PendingPool: Sendable {
    /// The pending prospects, in insertion order.
    public let prospects: [PendingProspect]
    /// Their embeddings, or nil when none of them has one.
    public let embeddings: EmbeddingMatrix?
    /// For each row of `embeddings`, the index in `prospects` of its prospect (increasing).
    public let embeddedIndices: [Int]

    /// The number of pending prospects.
    public var count: Int { prospects.count }
    /// Whether the pool is empty.
    public var isEmpty: Bool { prospects.isEmpty }
    /// The prospect ids, in pool order.
    public var ids: [String] { prospects.map(\.prospectID) }
    /// Whether every prospect has an embedding (so row `i` of `embeddings` is `prospects[i]`).
    public var allEmbedded: Bool { embeddedIndices.count == prospects.count }

    /// A pool of `prospects` whose `embeddingRow`s index `embeddings`.
    /// - Precondition: `embeddedIndices[r]` is the prospect of row `r`, increasing, and matches
    ///   the prospects' `embeddingRow`s.
    public init(prospects: [PendingProspect], embeddings: EmbeddingMatrix?, embeddedIndices: [Int]) {
        precondition(embeddedIndices.count == (embeddings?.rows ?? 0), "one prospect per embedding row")
        self.prospects = prospects
        self.embeddings = embeddings
        self.embeddedIndices = embeddedIndices
    }
}

extension CurationStore {
    /// Loads the pending pool, in one read transaction.
    ///
    /// The window is a read-side filter on the session's latest activity (`ActivityBasis`):
    /// prospects outside it are left as they are.
    ///
    /// - Parameters:
    ///   - window: keep only prospects whose session's latest activity is in it (for `--since
    ///     YYYY-MM-DD`, `JobWindow(since: UTCTimestamp(day: text))`: from that day's UTC midnight);
    ///     nil: every pending prospect.
    ///   - limit: keep only the first `limit` of them, in insertion order (SQL `LIMIT`); nil: all.
    /// - Throws: `StoreError.corruptEmbedding` / `.corruptTimestamp` for a damaged row, or a
    ///   `DatabaseError`.
    /// - Complexity: O(p log p) for p prospect rows (one scan with index look-ups); the
    ///   embeddings are copied straight from SQLite into one buffer (plus one copy to trim it).
    public func loadPendingPool(in window: JobWindow? = nil, limit: Int? = nil) throws -> PendingPool {
        let limit = limit.map { max($0, 0) }
        var arguments = Self.windowArguments(window)
        arguments += [limit ?? -1]   // a negative LIMIT is none
        return try read { db in
            let basis = try Self.activityBasis(db)
            // An estimate only (the AUTOINCREMENT counter, no scan): the buffer grows if needed.
            let sequence = try Int.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'prospects'") ?? 0
            let expected = min(sequence, limit ?? sequence)
            var filler = MatrixFiller(expectedRows: expected, dimension: try Self.embeddingDimension(db) ?? 0, table: "prospects")
            var prospects: [PendingProspect] = []
            var embeddedIndices: [Int] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT p.prospect_id, p.anchor_key, p.anchor_type, p.prospect_type, p.label, p.summary,
                       p.confidence, p.source_keys, p.ts, s.\(basis.column), p.embedding, p.dim
                \(Self.pendingFrom(basis)) ORDER BY p.seq LIMIT ?3
                """, arguments: arguments)
            while let row = try rows.next() {
                let id: String = row[0]
                let embeddingRow = try filler.append(row, blobIndex: 10, dimIndex: 11, id: id)
                if embeddingRow != nil { embeddedIndices.append(prospects.count) }
                prospects.append(PendingProspect(
                    prospectID: id, anchorKey: row[1], anchorType: row[2], prospectType: row[3],
                    label: row[4] ?? "", summary: row[5], confidence: row[6], sourceKeys: row[7],
                    ts: try Self.timestamp(row[8], table: "prospects", id: id),
                    sessionLastActivity: try (row[9] as String?).map { try Self.timestamp($0, table: "sessions", id: id) },
                    embeddingRow: embeddingRow))
            }
            return PendingPool(prospects: prospects, embeddings: try filler.finish(), embeddedIndices: embeddedIndices)
        }
    }

    /// The number of prospects `loadPendingPool(in: window)` would load, without loading them.
    /// - Throws: a `DatabaseError`.
    public func pendingCount(in window: JobWindow? = nil) throws -> Int {
        try read { db in
            let from = Self.pendingFrom(try Self.activityBasis(db))
            return try Int.fetchOne(db, sql: "SELECT count(*) \(from)", arguments: Self.windowArguments(window)) ?? 0
        }
    }

    /// Pending prospects whose session has no latest activity on `basis` (with source rows in
    /// the store: sessions without any): outside every window.
    /// - Throws: a `DatabaseError`.
    public func pendingWithoutActivity() throws -> Int {
        try read { db in
            let basis = try Self.activityBasis(db)
            return try Int.fetchOne(db, sql: "SELECT count(*) \(Self.pendingFrom(basis)) AND s.\(basis.column) IS NULL",
                                    arguments: Self.windowArguments(nil)) ?? 0
        }
    }

    /// The rows of the pending pool, windowed on the `basis` column with arguments `?1` (since)
    /// and `?2` (before).
    static func pendingFrom(_ basis: ActivityBasis) -> String {
        """
        FROM prospects p LEFT JOIN sessions s ON s.anchor_key = p.anchor_key
        WHERE NOT EXISTS (SELECT 1 FROM prospects q WHERE q.prospect_id = p.prospect_id AND q.seq < p.seq)
          AND NOT EXISTS (SELECT 1 FROM resolutions r WHERE r.prospect_id = p.prospect_id)
          AND (?1 IS NULL OR s.\(basis.column) >= ?1)
          AND (?2 IS NULL OR s.\(basis.column) < ?2)
        """
    }

    /// The arguments `?1` (since) and `?2` (until) of `window` (nil: unbounded).
    static func windowArguments(_ window: JobWindow?) -> StatementArguments {
        [window?.since?.text, window?.until?.text]
    }

    static func timestamp(_ text: String, table: String, id: String) throws(StoreError) -> UTCTimestamp {
        do {
            return try UTCTimestamp(iso8601: text)
        } catch {
            throw .corruptTimestamp(table: table, id: id, text: text)
        }
    }
}

/// Copies embedding blobs of a cursor's rows into one contiguous row-major buffer (growing it
/// by doubling when needed) and hands it to an `EmbeddingMatrix`: the blob bytes are copied
/// straight into place, never through per-row arrays.
struct MatrixFiller: ~Copyable {
    let dimension: Int
    let table: String
    private var buffer: UnsafeMutablePointer<Float>?
    private var capacity = 0
    private(set) var rows = 0

    /// A filler expecting about `expectedRows` rows of `dimension` values (0 when the store has
    /// no embeddings yet).
    init(expectedRows: Int, dimension: Int, table: String) {
        self.dimension = dimension
        self.table = table
        if dimension > 0 {
            capacity = max(1, min(expectedRows, 4096))
            buffer = .allocate(capacity: capacity * dimension)
        }
    }

    deinit { buffer?.deallocate() }

    /// Copies the blob of `row` (if any) into the next matrix row and returns that row's index.
    mutating func append(_ row: Row, blobIndex: Int, dimIndex: Int, id: String) throws -> Int? {
        if row.hasNull(atIndex: blobIndex) { return nil }
        let (dimension, table) = (self.dimension, self.table)
        guard dimension > 0, let current = buffer else {
            throw StoreError.corruptEmbedding(table: table, id: id, bytes: -1, dimension: dimension)
        }
        var target = current
        if rows == capacity {
            capacity *= 2
            target = .allocate(capacity: capacity * dimension)
            target.moveInitialize(from: current, count: rows * dimension)
            current.deallocate()
            buffer = target
        }
        let destination = target + rows * dimension
        try row.withUnsafeData(atIndex: blobIndex) { data in
            let dim: Int? = row[dimIndex]
            guard let data, dim == dimension, EmbeddingBlob.copy(data, into: destination, count: dimension) else {
                throw StoreError.corruptEmbedding(table: table, id: id, bytes: data?.count ?? 0, dimension: dimension)
            }
        }
        rows += 1
        return rows - 1
    }

    /// The matrix of the copied rows (nil when there were none); the buffer, trimmed to
    /// `rows × dimension`, moves to it.
    consuming func finish() throws -> EmbeddingMatrix? {
        guard let full = buffer, rows > 0 else { return nil }
        buffer = nil
        let (rows, dimension, table) = (self.rows, self.dimension, self.table)
        var raw = full
        if rows < capacity {
            raw = .allocate(capacity: rows * dimension)
            raw.moveInitialize(from: full, count: rows * dimension)
            full.deallocate()
        }
        do {
            return try EmbeddingMatrix(taking: raw, rows: rows, dimension: dimension)
        } catch {
            throw StoreError.invalidEmbeddings(table: table, reason: error.description)
        }
    }
}
