import Foundation
import GRDB

/// Who drives a job (ARCHITECTURE §6).
public enum JobOwner: String, Sendable, Equatable, Codable, CaseIterable {
    /// `curate backfill`: submits and polls to completion.
    case backfill
    /// `curate tick` / `curate daemon`: one tick submits, a later tick collects.
    case daemon
}

/// Where a job is in its life. A collected job has no row: collecting clears the slot.
public enum JobState: String, Sendable, Equatable, Codable {
    /// Claimed; its batches are being submitted. A job found in this state after a crash is
    /// reconciled with the provider (`CuratorProvider.findBatches(jobNonce:claimedAt:)`) before polling.
    case submitting
    /// Every batch that will ever be submitted was; the job is polled, then collected.
    case submitted
}

/// What a job was planned to do, stored as JSON in `jobs.plan`: enough to poll, collect and
/// report it without re-planning.
public struct JobPlan: Sendable, Equatable, Codable {
    /// One curator request: a cluster.
    public struct Cluster: Sendable, Equatable, Codable {
        /// The request's `custom_id` (`<nonce>-c<index>`).
        public var customID: String
        /// Its prospects, index 1 first.
        public var prospectIDs: [String]

        /// A cluster of `prospectIDs` sent as request `customID`.
        public init(customID: String, prospectIDs: [String]) {
            self.customID = customID
            self.prospectIDs = prospectIDs
        }

        private enum CodingKeys: String, CodingKey { case customID = "custom_id", prospectIDs = "prospects" }
    }

    /// The window the job was planned over (nil: none, e.g. a daemon tick).
    public var window: JobWindow?
    /// The size of the planned pool (for a tick: the prospects it took).
    public var pending: Int
    /// Prospects skipped below the salience threshold: they get `skip` resolutions at collect,
    /// or at claim when `skipsWrittenAtClaim`.
    public var skipped: [String]
    /// Whether the skips were written when the slot was claimed (a daemon job,
    /// `seed-contract.md` §6) rather than at collect (a backfill job).
    public var skipsWrittenAtClaim: Bool
    /// The clusters, in plan order.
    public var clusters: [Cluster]
    /// The batches: for each, the number of consecutive clusters it holds (in plan order).
    public var batchSizes: [Int]

    /// A plan with the given parts.
    public init(window: JobWindow? = nil, pending: Int, skipped: [String], skipsWrittenAtClaim: Bool = false,
                clusters: [Cluster], batchSizes: [Int]) {
        self.window = window
        self.pending = pending
        self.skipped = skipped
        self.skipsWrittenAtClaim = skipsWrittenAtClaim
        self.clusters = clusters
        self.batchSizes = batchSizes
    }

    /// The clusters of batch `index`.
    public func clusters(ofBatch index: Int) -> ArraySlice<Cluster> {
        let start = batchSizes[..<index].reduce(0, +)
        return clusters[start..<min(start + batchSizes[index], clusters.count)]
    }

    private enum CodingKeys: String, CodingKey {
        case window, pending, skipped, skipsWrittenAtClaim = "skips_written_at_claim", clusters, batchSizes = "batch_sizes"
    }

    /// Missing members read as empty (a job stored by an older version, or by hand).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        window = try container.decodeIfPresent(JobWindow.self, forKey: .window)
        pending = try container.decodeIfPresent(Int.self, forKey: .pending) ?? 0
        skipped = try container.decodeIfPresent([String].self, forKey: .skipped) ?? []
        skipsWrittenAtClaim = try container.decodeIfPresent(Bool.self, forKey: .skipsWrittenAtClaim) ?? false
        clusters = try container.decodeIfPresent([Cluster].self, forKey: .clusters) ?? []
        batchSizes = try container.decodeIfPresent([Int].self, forKey: .batchSizes) ?? []
        guard batchSizes.allSatisfy({ $0 >= 0 }), batchSizes.reduce(0, +) <= clusters.count else {
            throw DecodingError.dataCorruptedError(forKey: .batchSizes, in: container,
                                                   debugDescription: "batch sizes do not partition the clusters")
        }
    }
}

/// The job in the slot, as stored.
public struct StoredJob: Sendable, Equatable {
    /// The job's random nonce: its id, carried by every `custom_id`.
    public let nonce: String
    /// The driver owning it (a row stored without owner reads as `.daemon`).
    public let owner: JobOwner
    /// False when the row had no owner (a job stored before owners existed).
    public let ownerRecorded: Bool
    /// The provider the batches went to.
    public let provider: String
    /// Submitting or submitted.
    public let state: JobState
    /// When the slot was claimed.
    public let createdAt: UTCTimestamp
    /// What the job covers: clusters with their `custom_id`s, skips, batches, window.
    public let plan: JobPlan
    /// One entry per planned batch: its provider id, or nil while not (or never) submitted.
    public let batchIDs: [String?]

    /// Seconds since the job was claimed.
    public func age(at now: UTCTimestamp = .now()) -> Double {
        Double(now.millisecondsSince1970 - createdAt.millisecondsSince1970) / 1000
    }

    /// "owner daemon, nonce 3f…, age 12m 5s" (for messages).
    public var identification: String {
        "owner \(owner.rawValue)\(ownerRecorded ? "" : " (no owner recorded)"), nonce \(nonce), "
            + "provider \(provider), age \(Self.formatAge(age()))"
    }

    /// A duration as `1h 2m 3s`, `4m 5s` or `6s`.
    public static func formatAge(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        if h > 0 { return "\(h)h \(m)m \(s)s" }
        if m > 0 { return "\(m)m \(s)s" }
        return "\(s)s"
    }
}

/// The single in-flight job slot: the `jobs` table, at most one row (`id = 1`).
///
/// Claiming happens inside a `BEGIN IMMEDIATE` transaction, so two processes cannot both find
/// the slot empty and claim it: the second waits for the first's write lock, then sees its row.
/// Every later change of the row is guarded by the job's nonce, so a driver never touches a job
/// another process replaced.
public enum JobSlot {
    /// The job in the slot, or nil when it is empty.
    /// - Throws: `JobSlotError.corruptJob` for a row that cannot be read, `.store` when the store fails.
    public static func current(_ store: CurationStore) throws(JobSlotError) -> StoredJob? {
        do {
            return try store.read { try read($0) }
        } catch {
            throw JobSlotError.wrap(error)
        }
    }

    /// Claims the empty slot for a new job, in a `BEGIN IMMEDIATE` transaction; when
    /// `plan.skipsWrittenAtClaim`, the plan's skip resolutions are written in that transaction.
    /// - Returns: the stored job (state `submitting`, no batch ids yet).
    /// - Throws: `JobSlotError.slotTaken` with the job found in the slot, or `.store`.
    package static func claim(_ store: CurationStore, nonce: String, owner: JobOwner, provider: String,
                             plan: JobPlan) throws(JobSlotError) -> StoredJob {
        let planText = try encode(plan, nonce: nonce)
        let now = UTCTimestamp.now()
        do {
            return try store.writeWithoutTransaction { db in
                var claimed: StoredJob? = nil
                try db.inTransaction(.immediate) {
                    if let existing = try read(db) { throw JobSlotError.slotTaken(existing) }
                    try db.execute(sql: """
                        INSERT INTO jobs (id, job_nonce, owner, provider, state, created_at, plan, batch_ids)
                        VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [nonce, owner.rawValue, provider, JobState.submitting.rawValue, now.text, planText,
                                         try encode([String?](repeating: nil, count: plan.batchSizes.count), nonce: nonce)])
                    if plan.skipsWrittenAtClaim {
                        _ = try DecisionRouter.writeSkips(plan.skipped, jobID: nonce, resolvedAt: now, db: db)
                    }
                    claimed = try read(db)
                    return .commit
                }
                return claimed!
            }
        } catch {
            throw JobSlotError.wrap(error)
        }
    }

    /// Records the provider id of batch `index` of job `nonce`.
    /// - Throws: `JobSlotError.jobVanished` when the slot holds no such job any more.
    package static func recordBatchID(_ store: CurationStore, nonce: String, index: Int, batchID: String) throws(JobSlotError) {
        try update(store, nonce: nonce) { job in
            var ids = job.batchIDs
            ids[index] = batchID
            return (ids, job.state)
        }
    }

    /// Marks job `nonce` submitted with the given batch ids (nil: never submitted).
    package static func markSubmitted(_ store: CurationStore, nonce: String, batchIDs: [String?]) throws(JobSlotError) {
        try update(store, nonce: nonce) { _ in (batchIDs, .submitted) }
    }

    /// Writes `skip` resolutions for `prospectIDs` with `jobID` and no job (a daemon tick whose
    /// whole pool is skipped submits nothing), in one `BEGIN IMMEDIATE` transaction that first
    /// checks the slot is empty.
    /// - Throws: `JobSlotError.slotTaken` when a job holds the slot, `.store`.
    package static func writeSkips(_ store: CurationStore, _ prospectIDs: [String], jobID: String) throws(JobSlotError) -> DecisionTally {
        do {
            return try store.writeWithoutTransaction { db in
                var tally = DecisionTally()
                try db.inTransaction(.immediate) {
                    if let job = try read(db) { throw JobSlotError.slotTaken(job) }
                    tally = try DecisionRouter.writeSkips(prospectIDs, jobID: jobID, resolvedAt: .now(), db: db)
                    return .commit
                }
                return tally
            }
        } catch {
            throw JobSlotError.wrap(error)
        }
    }

    /// Collects `job` in one `BEGIN IMMEDIATE` transaction: checks the slot still holds it,
    /// writes its skips (unless written at claim) and each cluster's routes (`DecisionRouter`),
    /// runs `beforeCommit`, and empties the slot. Its results, committed rows, resolutions and the
    /// cleared slot commit together, or none of them.
    /// - Throws: `JobSlotError.jobVanished`, `.store`, or what `beforeCommit` throws.
    package static func collect(_ store: CurationStore, _ job: StoredJob,
                                answers: [(routes: [ProspectRoute]?, prospectIDs: [String])], rowVectors: [String: Data],
                                beforeCommit: () throws -> Void) throws -> DecisionTally {
        let now = UTCTimestamp.now()
        return try store.writeWithoutTransaction { db in
            var tally = DecisionTally()
            try db.inTransaction(.immediate) {
                guard let current = try read(db), current.nonce == job.nonce else {
                    throw JobSlotError.jobVanished(nonce: job.nonce)
                }
                if !job.plan.skipsWrittenAtClaim {
                    tally = try DecisionRouter.writeSkips(job.plan.skipped, jobID: job.nonce, resolvedAt: now, db: db)
                }
                for (routes, prospectIDs) in answers {
                    tally = tally + (try DecisionRouter.apply(routes, prospectIDs: prospectIDs, jobID: job.nonce,
                                                              resolvedAt: now, rowVectors: rowVectors, db: db))
                }
                try beforeCommit()
                try db.execute(sql: "DELETE FROM jobs WHERE id = 1 AND job_nonce = ?", arguments: [job.nonce])
                return .commit
            }
            return tally
        }
    }

    /// Reads the slot's row on `db`.
    static func read(_ db: Database) throws -> StoredJob? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT job_nonce, owner, provider, state, created_at, plan, batch_ids FROM jobs WHERE id = 1
            """) else { return nil }
        let nonce: String = row["job_nonce"]
        func corrupt(_ reason: String) -> JobSlotError { .corruptJob(nonce: nonce, reason: reason) }
        let ownerText: String? = row["owner"]
        guard let owner = ownerText.map({ JobOwner(rawValue: $0) }) ?? .daemon else {
            throw corrupt("unknown owner \(ownerText!.debugDescription)")
        }
        let stateText: String = row["state"]
        guard let state = JobState(rawValue: stateText) else { throw corrupt("unknown state \(stateText.debugDescription)") }
        let createdText: String = row["created_at"]
        guard let createdAt = try? UTCTimestamp(iso8601: createdText) else {
            throw corrupt("bad created_at \(createdText.debugDescription)")
        }
        let plan: JobPlan, batchIDs: [String?]
        do {
            plan = try JSONDecoder().decode(JobPlan.self, from: Data((row["plan"] as String).utf8))
        } catch {
            throw corrupt("bad plan: \(error)")
        }
        do {
            batchIDs = try JSONDecoder().decode([String?].self, from: Data((row["batch_ids"] as String).utf8))
        } catch {
            throw corrupt("bad batch_ids: \(error)")
        }
        guard batchIDs.count <= plan.batchSizes.count else {
            throw corrupt("\(batchIDs.count) batch ids for \(plan.batchSizes.count) planned batches")
        }
        let padded = batchIDs + [String?](repeating: nil, count: plan.batchSizes.count - batchIDs.count)
        return StoredJob(nonce: nonce, owner: owner, ownerRecorded: ownerText != nil, provider: row["provider"],
                         state: state, createdAt: createdAt, plan: plan, batchIDs: padded)
    }

    private static func update(_ store: CurationStore, nonce: String,
                               _ change: (StoredJob) throws -> ([String?], JobState)) throws(JobSlotError) {
        do {
            try store.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    guard let job = try read(db), job.nonce == nonce else { throw JobSlotError.jobVanished(nonce: nonce) }
                    let (ids, state) = try change(job)
                    try db.execute(sql: "UPDATE jobs SET batch_ids = ?, state = ? WHERE id = 1 AND job_nonce = ?",
                                   arguments: [try encode(ids, nonce: nonce), state.rawValue, nonce])
                    return .commit
                }
            }
        } catch {
            throw JobSlotError.wrap(error)
        }
    }

    static func encode<T: Encodable>(_ value: T, nonce: String) throws(JobSlotError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw .corruptJob(nonce: nonce, reason: "cannot encode: \(error)")
        }
    }
}
