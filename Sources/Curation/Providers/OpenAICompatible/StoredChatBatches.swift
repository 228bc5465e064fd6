import Foundation
import GRDB

/// The store side of `OpenAICompatibleCurator`: its batches are rows of `local_batches` with
/// `provider = 'openai-compatible'` (the requests, with their chat completions bodies, as JSON),
/// and its results are rows of `local_batch_results`, one per request (`StoreSchema.v2`).
struct StoredChatBatches: Sendable {
    /// The provider name the rows carry.
    static let provider = "openai-compatible"

    let store: CurationStore

    /// One stored batch: its requests and the results stored so far.
    struct Batch {
        let requests: [CuratorRequest]
        let results: [String: CuratorOutcome]
        let state: CuratorBatchStatus
    }

    /// Stores a new batch of `requests` (state `in_progress`).
    func insert(batchID: String, jobNonce: String, requests: [CuratorRequest]) throws(CuratorProviderError) {
        let text = try StoredBatchJSON.encode(requests)
        try access {
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO local_batches (batch_id, job_nonce, created_at, requests, results, state, provider)
                    VALUES (?, ?, ?, ?, NULL, ?, ?)
                    """, arguments: [batchID, jobNonce, UTCTimestamp.now().text, text,
                                     CuratorBatchStatus.inProgress.rawValue, Self.provider])
            }
        }
    }

    /// The batch `batchID` with the results stored so far.
    /// - Throws: `.unknownBatch` when no batch of this provider has this id.
    func load(_ batchID: String) throws(CuratorProviderError) -> Batch {
        let row = try access {
            try store.read { db -> (Row, [Row])? in
                guard let batch = try Row.fetchOne(db, sql: """
                    SELECT requests, state FROM local_batches WHERE batch_id = ? AND provider = ?
                    """, arguments: [batchID, Self.provider]) else { return nil }
                let results = try Row.fetchAll(db, sql: "SELECT custom_id, outcome FROM local_batch_results WHERE batch_id = ?",
                                               arguments: [batchID])
                return (batch, results)
            }
        }
        guard let (batch, resultRows) = row else { throw .unknownBatch(batchID) }
        let requests: [CuratorRequest] = try StoredBatchJSON.decode(batch["requests"], what: "requests", batchID: batchID)
        var results: [String: CuratorOutcome] = [:]
        for result in resultRows {
            results[result["custom_id"]] = try StoredBatchJSON.decode(result["outcome"], what: "results", batchID: batchID)
        }
        let state = CuratorBatchStatus(rawValue: batch["state"]) ?? .inProgress
        return Batch(requests: requests, results: results, state: state)
    }

    /// Stores the outcome of one request in its own small transaction; an outcome already
    /// stored (by a concurrent poller) is kept.
    func record(batchID: String, customID: String, outcome: CuratorOutcome) throws(CuratorProviderError) {
        let text = try StoredBatchJSON.encode(outcome)
        try access {
            try store.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO local_batch_results (batch_id, custom_id, outcome) VALUES (?, ?, ?)",
                               arguments: [batchID, customID, text])
            }
        }
    }

    /// Marks the batch `ended` (every request has its result).
    func markEnded(_ batchID: String) throws(CuratorProviderError) {
        try access {
            try store.write { db in
                try db.execute(sql: "UPDATE local_batches SET state = ? WHERE batch_id = ? AND provider = ?",
                               arguments: [CuratorBatchStatus.ended.rawValue, batchID, Self.provider])
            }
        }
    }

    /// The batches of `jobNonce`, oldest first, with their `custom_id`s.
    func batches(jobNonce: String) throws(CuratorProviderError) -> [CuratorSubmittedBatch] {
        let rows = try access {
            try store.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT batch_id, requests FROM local_batches WHERE job_nonce = ? AND provider = ?
                    ORDER BY created_at, batch_id
                    """, arguments: [jobNonce, Self.provider])
            }
        }
        return try rows.map { row throws(CuratorProviderError) in
            let batchID: String = row["batch_id"]
            let requests: [CuratorRequest] = try StoredBatchJSON.decode(row["requests"], what: "requests", batchID: batchID)
            return CuratorSubmittedBatch(batchID: batchID, customIDs: requests.map(\.customID))
        }
    }

    // MARK: Implementation

    /// Runs a store access, turning its failures into `CuratorProviderError.unavailable`.
    private func access<T>(_ body: () throws -> T) throws(CuratorProviderError) -> T {
        do {
            return try body()
        } catch {
            throw .unavailable("batch store: \(error)")
        }
    }
}
