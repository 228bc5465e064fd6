import Foundation
import GRDB

/// A snapshot of the store for `curate status`: counts, the pending prospects in and out of a
/// window, and the job in the slot. Reading it writes nothing (no provider is polled).
public struct StoreStatus: Sendable {
    /// One local batch of the job in the slot.
    public struct LocalBatch: Sendable, Equatable {
        /// The batch's id.
        public let batchID: String
        /// `in_progress` or `ended`.
        public let state: String
        /// Its number of requests.
        public let requests: Int
    }

    /// Row counts.
    public let counts: StoreCounts
    /// The window asked about, nil: none.
    public let window: JobWindow?
    /// Pending prospects whose session's latest activity is in the window (all pending without one).
    public let pendingInWindow: Int
    /// Pending prospects outside the window (0 without one).
    public var pendingOutsideWindow: Int { counts.pending - pendingInWindow }
    /// The job in the slot, if any.
    public let job: StoredJob?
    /// Why the slot's row could not be read, when it could not.
    public let jobError: String?
    /// The `local_batches` of the job in the slot (empty for other providers).
    public let localBatches: [LocalBatch]

    /// Reads the status of `store`.
    /// - Throws: a `DatabaseError` or `StoreError`.
    public static func read(_ store: CurationStore, window: JobWindow? = nil) throws -> StoreStatus {
        let counts = try store.counts()
        let inWindow = window == nil ? counts.pending : try store.pendingCount(in: window)
        var job: StoredJob? = nil, jobError: String? = nil
        do {
            job = try JobSlot.current(store)
        } catch {
            jobError = error.description
        }
        var batches: [LocalBatch] = []
        if let job {
            batches = try store.read { db in
                try LocalBatchTable.summaries(jobNonce: job.nonce, db: db).map { LocalBatch(batchID: $0.batchID, state: $0.state, requests: $0.requests) }
            }
        }
        return StoreStatus(counts: counts, window: window, pendingInWindow: inWindow, job: job, jobError: jobError,
                           localBatches: batches)
    }
}
