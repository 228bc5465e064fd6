import CurationProviders
import CurationStore

/// What `curate status` shows: the store's snapshot (`StoreStatus`), how its windows are
/// measured, and the facts of the job's provider. Reading it writes nothing and polls no
/// provider.
///
/// ```swift
/// let status = try CurationStatus.read(store, window: JobWindow(since: try UTCTimestamp(day: "2026-01-01")))
/// print(status.store.counts.pending, status.localBatchesEnded ?? 0)
/// ```
public struct CurationStatus: Sendable {
    /// The database file.
    public let database: String
    /// Counts, the window's pending prospects and the job in the slot.
    public let store: StoreStatus
    /// What a session's latest activity is measured by (`prospects`: the window is approximate).
    public let basis: ActivityBasis
    /// Pending prospects of sessions without source rows: outside every window.
    public let pendingWithoutActivity: Int
    /// Batches of the job that have ended, when the job is the local curator's (nil for other providers, whose
    /// batches live with them).
    public let localBatchesEnded: Int?

    /// Reads the status of `store`.
    /// - Throws: a `DatabaseError` or `StoreError`.
    public static func read(_ store: CurationStore, window: JobWindow? = nil) throws -> CurationStatus {
        let snapshot = try StoreStatus.read(store, window: window)
        let local = snapshot.job?.provider == LocalCurator.providerName
        return CurationStatus(
            database: store.path, store: snapshot, basis: (try? store.activityBasis()) ?? .prospects,
            pendingWithoutActivity: (try? store.pendingWithoutActivity()) ?? 0,
            localBatchesEnded: local ? snapshot.localBatches.filter { $0.state == CuratorBatchStatus.ended.rawValue }.count : nil)
    }
}

extension CurationStatus: Encodable {
    private enum CodingKeys: String, CodingKey {
        case db, prospects, distinctProspects = "distinct_prospects", pending, pendingInWindow = "pending_in_window"
        case pendingOutsideWindow = "pending_outside_window", window, windowBasis = "window_basis"
        case pendingWithoutActivity = "pending_without_activity", resolutions, resolved, committed, sessions, job
        case jobError = "job_error"
    }

    private enum JobKeys: String, CodingKey { case localBatchesEnded = "local_batches_ended" }

    /// The counts, the window and its basis, resolutions by decision, and the job (with
    /// `local_batches_ended`, null for a remote provider) or null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let counts = store.counts
        try container.encode(database, forKey: .db)
        try container.encode(counts.prospects, forKey: .prospects)
        try container.encode(counts.distinctProspects, forKey: .distinctProspects)
        try container.encode(counts.pending, forKey: .pending)
        try container.encode(store.pendingInWindow, forKey: .pendingInWindow)
        try container.encode(store.pendingOutsideWindow, forKey: .pendingOutsideWindow)
        try container.encodeIfPresent(store.window, forKey: .window)
        try container.encode(basis.rawValue, forKey: .windowBasis)
        try container.encode(pendingWithoutActivity, forKey: .pendingWithoutActivity)
        try container.encode(Dictionary(uniqueKeysWithValues: ResolutionDecision.allCases.map { ($0.rawValue, counts.resolutions[$0] ?? 0) }),
                             forKey: .resolutions)
        try container.encode(counts.resolved, forKey: .resolved)
        try container.encode(counts.committed, forKey: .committed)
        try container.encode(counts.sessions, forKey: .sessions)
        if let job = store.job {
            let jobEncoder = container.superEncoder(forKey: .job)
            try job.encode(to: jobEncoder)
            var extra = jobEncoder.container(keyedBy: JobKeys.self)
            try extra.encodeIfPresent(localBatchesEnded, forKey: .localBatchesEnded)
        } else {
            try container.encodeNil(forKey: .job)
        }
        try container.encodeIfPresent(store.jobError, forKey: .jobError)
    }
}
