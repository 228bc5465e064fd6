import Foundation
import GRDB

/// The batches the store-backed curators keep in the store (`local_batches`, and for the
/// OpenAI-compatible curator one `local_batch_results` row per request, `StoreSchema.v2`): their
/// requests and results as JSON text, which the curators encode and decode.
///
/// Each table value reads and writes the rows of one curator (`local_batches.provider`).
package struct LocalBatchTable: Sendable {
    package let store: CurationStore
    /// The `provider` column written and filtered on.
    package let provider: String

    package init(store: CurationStore, provider: String) {
        self.store = store
        self.provider = provider
    }

    /// One stored batch: its requests, its state and the results stored so far.
    package struct Batch {
        package let requests: String
        package let state: String
        /// The batch's results as one JSON text (the local curator's), nil before they exist.
        package let results: String?
        /// Per-request outcomes, by custom id (the OpenAI-compatible curator's).
        package let outcomes: [(customID: String, outcome: String)]
    }

    /// Stores a new batch of `requests` in `state`, without results.
    package func insert(batchID: String, jobNonce: String, requests: String, state: String) throws {
        try store.write { db in
            try db.execute(sql: """
                INSERT INTO local_batches (batch_id, job_nonce, created_at, requests, results, state, provider)
                VALUES (?, ?, ?, ?, NULL, ?, ?)
                """, arguments: [batchID, jobNonce, UTCTimestamp.now().text, requests, state, provider])
        }
    }

    /// The batch `batchID`, or nil when there is none.
    package func batch(_ batchID: String) throws -> Batch? {
        try store.read { db in try read(batchID, db) }
    }

    /// The results of batch `batchID`: the stored ones, or else those `compute` makes from its
    /// requests (reading prospects with its second argument), stored with `state`, under the
    /// write lock so that they are computed once. Nil when there is no such batch.
    package func results(of batchID: String, state: String,
                         computing compute: (_ requests: String, _ prospect: (String) throws -> LocalProspect?) throws -> String)
        throws -> String? {
        if let batch = try batch(batchID), let results = batch.results { return results }
        return try store.writeWithoutTransaction { db in
            var results: String?
            try db.inTransaction(.immediate) {
                guard let batch = try read(batchID, db) else { return .commit }
                if let stored = batch.results {
                    results = stored
                    return .commit
                }
                let computed = try compute(batch.requests) { try LocalProspect.fetch($0, db: db) }
                try db.execute(sql: "UPDATE local_batches SET results = ?, state = ? WHERE batch_id = ?",
                               arguments: [computed, state, batchID])
                results = computed
                return .commit
            }
            return results
        }
    }

    /// Stores the outcome of one request in its own small transaction; an outcome already
    /// stored (by a concurrent poller) is kept.
    package func record(batchID: String, customID: String, outcome: String) throws {
        try store.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO local_batch_results (batch_id, custom_id, outcome) VALUES (?, ?, ?)",
                           arguments: [batchID, customID, outcome])
        }
    }

    /// Sets the batch's state.
    package func setState(_ state: String, of batchID: String) throws {
        try store.write { db in
            try db.execute(sql: "UPDATE local_batches SET state = ? WHERE batch_id = ? AND provider = ?",
                           arguments: [state, batchID, provider])
        }
    }

    /// The batches of `jobNonce`, oldest first: their ids and requests.
    package func batches(jobNonce: String) throws -> [(batchID: String, requests: String)] {
        try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT batch_id, requests FROM local_batches WHERE job_nonce = ? AND provider = ?
                ORDER BY created_at, batch_id
                """, arguments: [jobNonce, provider]).map { ($0["batch_id"], $0["requests"]) }
        }
    }

    /// The `local_batches` of `jobNonce`, oldest first: id, state and number of requests
    /// (`curate status`).
    static func summaries(jobNonce: String, db: Database) throws -> [(batchID: String, state: String, requests: Int)] {
        try Row.fetchAll(db, sql: """
            SELECT batch_id, state, json_array_length(requests) AS n FROM local_batches
            WHERE job_nonce = ? ORDER BY created_at, batch_id
            """, arguments: [jobNonce]).map { ($0["batch_id"], $0["state"], $0["n"] ?? 0) }
    }

    private func read(_ batchID: String, _ db: Database) throws -> Batch? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT requests, state, results FROM local_batches WHERE batch_id = ? AND provider = ?
            """, arguments: [batchID, provider]) else { return nil }
        let outcomes = try Row.fetchAll(db, sql: """
            SELECT custom_id, outcome FROM local_batch_results WHERE batch_id = ?
            """, arguments: [batchID]).map { (customID: $0["custom_id"] as String, outcome: $0["outcome"] as String) }
        return Batch(requests: row["requests"], state: row["state"], results: row["results"], outcomes: outcomes)
    }
}
