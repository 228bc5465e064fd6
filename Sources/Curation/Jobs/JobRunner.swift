import CurationProviders
import CurationStore
import Foundation
import Kernels

/// The steps of a job, shared by the backfill and the daemon drivers (ARCHITECTURE §6):
/// `submit` (render, split into batches, claim the slot, submit, store the batch ids),
/// `reconcile` (after a crash while submitting), `poll` and `collect`.
///
/// Crash safety, step by step:
/// - The slot is claimed (state `submitting`, the plan with every cluster's `custom_id`, no batch
///   ids) in a `BEGIN IMMEDIATE` transaction **before** anything is submitted.
/// - Each batch id is stored as soon as the provider returns it. A crash between the provider
///   accepting a batch and its id being stored leaves a `submitting` job with a missing id;
///   `reconcile` asks the provider for the batches carrying the job's nonce
///   (`findBatches(jobNonce:claimedAt:)`) and adopts them by their `custom_id`s instead of submitting
///   again. Batches the provider does not know were never accepted: they are not submitted
///   later either (resume never submits), their clusters simply stay pending for a later job.
/// - `collect` writes the salience skips (a daemon job wrote them when it claimed the slot),
///   every cluster's committed rows and resolutions, and deletes the slot's row, in **one**
///   transaction, guarded by the job's nonce: a job is collected at most once, and a crash before
///   the commit leaves it to be collected again.
package struct JobRunner: Sendable {
    /// The store the slot and the results live in.
    package let store: CurationStore
    /// The configuration providers of resumed jobs are built from (and the source id column of
    /// the excerpts).
    package var config: CurateConfig
    /// The request renderer.
    package var prompt: CuratorPrompt
    /// Test hook: where to stop as if the process had been killed (package API).
    package var interruption: CrashPoint?

    /// A runner on `store`.
    package init(store: CurationStore, config: CurateConfig = CurateConfig(), prompt: CuratorPrompt = CuratorPrompt()) {
        self.store = store
        self.config = config
        self.prompt = prompt
    }

    /// A fresh random job nonce: 16 lowercase hex digits.
    package static func makeNonce() -> String { randomHex(bytes: 8) }

    /// The provider to resume `job` with: `preferred` when it has the job's provider name, else
    /// the one `CuratorProviders` builds for that name.
    /// - Throws: `JobError.providerUnavailable`.
    package func provider(for job: StoredJob, preferred: any CuratorProvider) throws(JobError) -> any CuratorProvider {
        if job.provider == preferred.name { return preferred }
        return try CuratorProviders.make(named: job.provider, store: store, config: config)
    }

    /// Renders one request per cluster of `plan` (with its source excerpt, in the provider's
    /// request style), splits them into batches within the provider's limits, claims the slot and
    /// submits every batch.
    /// - Parameters:
    ///   - plan: the plan of `pool` against `committed`.
    ///   - window: recorded with the job (reporting and resumption).
    ///   - writeSkipsAtClaim: write the plan's skip resolutions when the slot is claimed (the
    ///     daemon, `seed-contract.md` §6) instead of at collect (the backfill).
    /// - Returns: the job, state `submitted`, with its batch ids.
    /// - Throws: `JobError.slotTaken` when the slot is not empty, `.provider` when a submission
    ///   fails (the job then stays `submitting` and is reconciled on resume), `.store`.
    package func submit(plan: Plan, pool: PendingPool, committed: CommittedIndex, owner: JobOwner, window: JobWindow?,
                       provider: any CuratorProvider, writeSkipsAtClaim: Bool = false) async throws(JobError) -> StoredJob {
        let nonce = Self.makeNonce()
        let excerpts = try sourceExcerpts(plan, pool)
        let requests = plan.clusters.enumerated().map { index, cluster in
            prompt.request(customID: CuratorRequest.customID(jobNonce: nonce, clusterIndex: index), members: cluster.members,
                           pool: pool, committed: committed, recall: plan.recall, excerpt: excerpts[index],
                           style: provider.requestStyle)
        }
        let batchSizes = provider.limits.partition(requests)
        let jobPlan = JobPlan(window: window, pending: plan.pending, skipped: plan.skipped.map { pool.prospects[$0].prospectID },
                              skipsWrittenAtClaim: writeSkipsAtClaim,
                              clusters: requests.map { JobPlan.Cluster(customID: $0.customID, prospectIDs: $0.prospectIDs) },
                              batchSizes: batchSizes)
        _ = try JobError.fromSlot { () throws(JobSlotError) in try JobSlot.claim(store, nonce: nonce, owner: owner, provider: provider.name, plan: jobPlan) }
        try reach(.slotClaimed)
        var ids = [String?](repeating: nil, count: batchSizes.count)
        var start = 0
        for (index, size) in batchSizes.enumerated() {
            let batch = Array(requests[start..<start + size])
            start += size
            let id: String
            do {
                id = try await provider.submit(requests: batch, jobNonce: nonce)
            } catch {
                throw .provider(error)
            }
            try reach(.providerAccepted)
            try JobError.fromSlot { () throws(JobSlotError) in try JobSlot.recordBatchID(store, nonce: nonce, index: index, batchID: id) }
            ids[index] = id
            try reach(.batchRecorded)
        }
        return try JobError.fromSlot { () throws(JobSlotError) in
            try JobSlot.markSubmitted(store, nonce: nonce, batchIDs: ids)
            guard let job = try JobSlot.current(store), job.nonce == nonce else { throw .jobVanished(nonce: nonce) }
            return job
        }
    }

    /// Writes `skip` resolutions for `prospectIDs` without a job (a daemon tick whose whole pool
    /// is skipped submits nothing), in one `BEGIN IMMEDIATE` transaction that first checks the
    /// slot is empty; the resolutions carry a fresh nonce as their `job_id`.
    /// - Throws: `JobError.slotTaken` when a job holds the slot, `.store`.
    package func writeSkips(_ prospectIDs: [String]) throws(JobError) -> DecisionTally {
        let nonce = Self.makeNonce()
        return try JobError.fromSlot { () throws(JobSlotError) in try JobSlot.writeSkips(store, prospectIDs, jobID: nonce) }
    }

    /// The source excerpt of each cluster of `plan` (`SourceExcerpt`), read in one transaction.
    private func sourceExcerpts(_ plan: Plan, _ pool: PendingPool) throws(JobError) -> [String?] {
        let ids = plan.clusters.map { SourceExcerpt.ids(of: $0.members.map { pool.prospects[$0] }, column: config.sourceIDColumn) }
        do {
            return try SourceExcerpt.read(ids, from: store)
        } catch {
            throw JobError.wrap(error)
        }
    }

    /// Brings a job found in state `submitting` (its driver died while submitting) to
    /// `submitted`: batches without a stored id are looked up at the provider by the job's nonce
    /// and adopted; those the provider does not hold stay unsubmitted (their clusters stay
    /// pending). Nothing is submitted. A `submitted` job is returned as it is.
    /// - Throws: `JobError`.
    package func reconcile(_ job: StoredJob, provider: any CuratorProvider) async throws(JobError) -> StoredJob {
        guard job.state == .submitting else { return job }
        var ids = job.batchIDs
        if ids.contains(where: { $0 == nil }) {
            let found: [CuratorSubmittedBatch]
            do {
                found = try await provider.findBatches(jobNonce: job.nonce, claimedAt: job.createdAt) ?? []
            } catch {
                throw .provider(error)
            }
            var adopted = Set(ids.compactMap { $0 })
            for index in ids.indices where ids[index] == nil {
                let expected = Set(job.plan.clusters(ofBatch: index).map(\.customID))
                if let match = found.first(where: { !adopted.contains($0.batchID) && !expected.isDisjoint(with: $0.customIDs) }) {
                    ids[index] = match.batchID
                    adopted.insert(match.batchID)
                }
            }
        }
        return try JobError.fromSlot { () throws(JobSlotError) in
            try JobSlot.markSubmitted(store, nonce: job.nonce, batchIDs: ids)
            guard let updated = try JobSlot.current(store), updated.nonce == job.nonce else { throw .jobVanished(nonce: job.nonce) }
            return updated
        }
    }

    /// Polls every submitted batch of `job` once.
    /// - Returns: how many batches have ended, of how many were submitted.
    /// - Throws: `JobError.provider`.
    package func poll(_ job: StoredJob, provider: any CuratorProvider) async throws(JobError) -> (ended: Int, total: Int) {
        var ended = 0
        let ids = job.batchIDs.compactMap { $0 }
        for id in ids {
            do {
                if try await provider.status(batchID: id) == .ended { ended += 1 }
            } catch {
                throw .provider(error)
            }
        }
        return (ended, ids.count)
    }

    /// Polls until every batch has ended, waiting `provider.pollInterval` between rounds.
    /// - Parameter progress: called after each round with (ended, total, seconds so far).
    /// - Throws: `JobError.provider`, or `CancellationError`-free: a cancelled task stops waiting
    ///   and throws `JobError.interrupted`.
    package func pollUntilEnded(_ job: StoredJob, provider: any CuratorProvider,
                               progress: (@Sendable (Int, Int, Double) -> Void)? = nil) async throws(JobError) {
        let stopwatch = Stopwatch()
        while true {
            let (ended, total) = try await poll(job, provider: provider)
            progress?(ended, total, stopwatch.seconds)
            try reach(.midPoll)
            if ended == total { return }
            do {
                try await Task.sleep(for: max(provider.pollInterval, .milliseconds(1)))
            } catch {
                throw .interrupted("polling was cancelled")
            }
        }
    }

    /// Collects `job`: reads every submitted batch's results, embeds the texts of the committed
    /// rows they write (when the store's vectors come from the configured embedder), then in one
    /// write transaction writes the salience skips (unless written at claim), routes every
    /// cluster's answer (`CuratorAnswer`, `DecisionRouter`) and clears the slot.
    /// - Precondition: every submitted batch has ended (see `poll`).
    /// - Throws: `JobError.jobVanished` when the slot no longer holds the job (collected by
    ///   another process; nothing is written), `.provider`, `.store`.
    package func collect(_ job: StoredJob, provider: any CuratorProvider) async throws(JobError) -> DecisionTally {
        var outcomes: [String: CuratorOutcome] = [:]
        for (index, id) in job.batchIDs.enumerated() {
            guard let id else { continue }
            let customIDs = Set(job.plan.clusters(ofBatch: index).map(\.customID))
            do {
                outcomes.merge(try await provider.results(batchID: id, expecting: customIDs)) { first, _ in first }
            } catch {
                throw .provider(error)
            }
        }
        try reach(.resultsFetched)
        let answers = job.plan.clusters.map { cluster in
            (routes: CuratorAnswer.parse(outcomes[cluster.customID], memberCount: cluster.prospectIDs.count).routes,
             prospectIDs: cluster.prospectIDs)
        }
        let rowVectors = try await embedRowTexts(answers)
        let tally: DecisionTally
        do {
            tally = try JobSlot.collect(store, job, answers: answers, rowVectors: rowVectors) { try reach(.insideCollectTransaction) }
        } catch {
            throw JobError.wrap(error)
        }
        try reach(.collected)
        return tally
    }

    /// The vectors of the texts of the committed rows `answers` will write, when the store's
    /// vectors come from the configured embedder (its model and dimension): recall then searches
    /// an item by its own text, which a deepen refreshes. Empty when the vectors came with the
    /// data (a row then keeps its prospect's vector) or the configuration names another embedder.
    /// Runs before the collect transaction, never inside it.
    /// - Throws: `JobError.provider` when the embedder cannot be built or fails.
    private func embedRowTexts(_ answers: [(routes: [ProspectRoute]?, prospectIDs: [String])]) async throws(JobError) -> [String: Data] {
        do {
            guard let space = try store.embeddingSpace(), let dimension = try store.embeddingDimension(),
                  let embedder = try config.makeEmbedder(store: store), embedder.model == space,
                  embedder.dimension == dimension else { return [:] }
            let texts = try DecisionRouter.rowTexts(of: answers, in: store)
            guard !texts.isEmpty else { return [:] }
            let vectors = try await embedder.embed(texts)
            guard vectors.count == texts.count else {
                throw CuratorProviderError.unavailable("embedder \(space) returned \(vectors.count) vectors for \(texts.count) texts")
            }
            var byText: [String: Data] = [:]
            for (text, vector) in zip(texts, vectors)
            where vector.count == dimension && vector.allSatisfy(\.isFinite) && vector.contains(where: { $0 != 0 }) {
                byText[text] = EmbeddingBlob.data(from: vector)
            }
            return byText
        } catch let error as JobError {
            throw error
        } catch let error as CuratorProviderError {
            throw .provider(error)
        } catch {
            throw .provider(.unavailable("embedding the committed rows' texts: \(error)"))
        }
    }

    /// Stops here as if the process had died when `point` is armed: throws for the in-process
    /// hook, kills the process for `CURATE_CRASH_AT`.
    private func reach(_ point: CrashPoint) throws(JobError) {
        if interruption == point { throw .interrupted("at crash point \(point.rawValue)") }
        point.killProcessIfArmed()
    }
}
