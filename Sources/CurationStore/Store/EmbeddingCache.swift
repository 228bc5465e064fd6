import Foundation
import GRDB

/// Vectors already fetched from a remote embedder, in the store's `embedding_cache` table,
/// keyed by model and the SHA-256 of the text (lowercase hex of its UTF-8 bytes). Texts are
/// never stored, only their hashes.
///
/// A row of another dimension than asked (the same model truncated with `dimensions`) is a miss
/// and is replaced when the new vector is written.
package struct EmbeddingCache: Sendable {
    /// The store holding `embedding_cache`.
    let store: CurationStore
    /// The model the vectors belong to.
    let model: String
    /// The dimension of the vectors looked up and written.
    let dimension: Int

    /// A cache of `model`'s vectors of `dimension` in `store`.
    package init(store: CurationStore, model: String, dimension: Int) {
        self.store = store
        self.model = model
        self.dimension = dimension
    }

    /// Hashes looked up per statement (well under SQLite's bound-parameter limit).
    private static let lookupChunk = 500

    /// The cache key of `text`: the lowercase hex SHA-256 of its UTF-8 bytes.
    package static func key(_ text: String) -> String {
        sha256Hex(text)
    }

    /// The cached vectors of `keys` (of this model and dimension), by key.
    /// - Complexity: one read transaction; one indexed lookup per key.
    package func vectors(for keys: [String]) throws -> [String: [Float]] {
        try store.read { db in
            var found: [String: [Float]] = [:]
            var start = 0
            while start < keys.count {
                let chunk = Array(keys[start..<min(start + Self.lookupChunk, keys.count)])
                start += chunk.count
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let rows = try Row.fetchAll(db, sql: """
                    SELECT text_sha256, embedding FROM embedding_cache
                    WHERE model = ? AND dim = ? AND text_sha256 IN (\(marks))
                    """, arguments: StatementArguments([model, dimension] as [any DatabaseValueConvertible] + chunk))
                for row in rows {
                    found[row["text_sha256"]] = try EmbeddingBlob.floats(from: row["embedding"])
                }
            }
            return found
        }
    }

    /// Writes `vectors` (by key) in one transaction, replacing rows of another dimension.
    package func insert(_ vectors: [(key: String, vector: [Float])]) throws {
        try store.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO embedding_cache (model, text_sha256, dim, embedding) VALUES (?, ?, ?, ?)
                """)
            for (key, vector) in vectors {
                try statement.execute(arguments: [model, key, vector.count, EmbeddingBlob.data(from: vector)])
            }
        }
    }
}
