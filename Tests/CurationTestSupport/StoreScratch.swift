import Curation
import CurationStore
import Foundation
import GRDB
import Kernels

/// A temporary directory removed when released, and helpers to fill stores.
package final class StoreScratch: TemporaryDirectory {
    /// A prospect line.
    package static func prospect(_ id: String, anchor: String = "s1", ts: String = "2026-01-10T12:00:00Z",
                         label: String? = nil, embedding: [Float]? = nil, extra: [String: Any] = [:]) -> String {
        var fields: [String: Any] = ["prospect_id": id, "anchor_key": anchor, "ts": ts]
        if let label { fields["label"] = label }
        if let embedding { fields["embedding"] = embedding.map { Double($0) } }
        fields.merge(extra) { $1 }
        return line(fields)
    }

    /// Runs `body` against an in-memory store, an on-disk queue and an on-disk pool.
    package static func withEveryStore(_ body: (CurationStore, String) async throws -> Void) async throws {
        let dir = try StoreScratch()
        try await body(try CurationStore.inMemory(), "in-memory queue")
        try await body(try CurationStore(path: dir.path("queue.sqlite"), access: .queue), "on-disk queue")
        try await body(try CurationStore(path: dir.path("pool.sqlite"), access: .pool), "on-disk pool")
    }

    /// Appends a prospect row directly (bypassing the importer's duplicate check).
    package static func insertProspect(_ store: CurationStore, id: String, anchor: String, ts: String,
                               vector: [Float]?, label: String = "") throws {
        try store.write { db in
            try db.execute(sql: """
                INSERT INTO prospects (prospect_id, anchor_key, label, ts, embedding, dim) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, anchor, label, ts, vector.map { EmbeddingBlob.data(from: $0) }, vector?.count])
        }
    }

    /// Every row of every table, byte for byte (blobs as hex), in a stable order.
    package static func dump(_ store: CurationStore) throws -> String {
        try store.read { db in
            var out = ""
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            for table in tables {
                let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table])
                let select = columns.map { "quote(\"\($0)\")" }.joined(separator: " || '|' || ")
                for row in try String.fetchAll(db, sql: "SELECT \(select) FROM \"\(table)\" ORDER BY 1") {
                    out += "\(table): \(row)\n"
                }
            }
            return out
        }
    }
}
