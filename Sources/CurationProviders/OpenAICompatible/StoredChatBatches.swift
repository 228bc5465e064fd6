import CurationStore
import Foundation

/// The store side of `OpenAICompatibleCurator`: its batches are rows of `local_batches` with
/// `provider = 'openai-compatible'` (the requests, with their chat completions bodies, as JSON),
/// and its results are rows of `local_batch_results`, one per request (`StoreSchema.v2`).
struct StoredChatBatches: Sendable {
    /// The provider name the rows carry.
    static let provider = "openai-compatible"

    private let table: LocalBatchTable

    init(store: CurationStore) {
        table = LocalBatchTable(store: store, provider: Self.provider)
    }

    /// One stored batch: its requests and the results stored so far.
    struct Batch {
        let requests: [CuratorRequest]
        let results: [String: CuratorOutcome]
        let state: CuratorBatchStatus
    }

    /// Stores a new batch of `requests` (state `in_progress`).
    func insert(batchID: String, jobNonce: String, requests: [CuratorRequest]) throws(CuratorProviderError) {
        let text = try StoredBatchJSON.encode(requests)
        try access { try table.insert(batchID: batchID, jobNonce: jobNonce, requests: text, state: CuratorBatchStatus.inProgress.rawValue) }
    }

    /// The batch `batchID` with the results stored so far.
    /// - Throws: `.unknownBatch` when no batch of this provider has this id.
    func load(_ batchID: String) throws(CuratorProviderError) -> Batch {
        guard let batch = try access({ try table.batch(batchID) }) else { throw .unknownBatch(batchID) }
        let requests: [CuratorRequest] = try StoredBatchJSON.decode(batch.requests, what: "requests", batchID: batchID)
        var results: [String: CuratorOutcome] = [:]
        for (customID, outcome) in batch.outcomes {
            results[customID] = try StoredBatchJSON.decode(outcome, what: "results", batchID: batchID)
        }
        return Batch(requests: requests, results: results, state: CuratorBatchStatus(rawValue: batch.state) ?? .inProgress)
    }

    /// Stores the outcome of one request in its own small transaction; an outcome already
    /// stored (by a concurrent poller) is kept.
    func record(batchID: String, customID: String, outcome: CuratorOutcome) throws(CuratorProviderError) {
        let text = try StoredBatchJSON.encode(outcome)
        try access { try table.record(batchID: batchID, customID: customID, outcome: text) }
    }

    /// Marks the batch `ended` (every request has its result).
    func markEnded(_ batchID: String) throws(CuratorProviderError) {
        try access { try table.setState(CuratorBatchStatus.ended.rawValue, of: batchID) }
    }

    /// The batches of `jobNonce`, oldest first, with their `custom_id`s.
    func batches(jobNonce: String) throws(CuratorProviderError) -> [CuratorSubmittedBatch] {
        try access { try table.batches(jobNonce: jobNonce) }.map { batch throws(CuratorProviderError) in
            let requests: [CuratorRequest] = try StoredBatchJSON.decode(batch.requests, what: "requests", batchID: batch.batchID)
            return CuratorSubmittedBatch(batchID: batch.batchID, customIDs: requests.map(\.customID))
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
