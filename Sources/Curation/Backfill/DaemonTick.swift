import Foundation
import Kernels

/// What one daemon tick did.
public enum TickOutcome: Sendable {
    /// The slot was empty and nothing is pending.
    case idle
    /// The slot was empty: a new daemon job was planned and submitted (not polled).
    case submitted(StoredJob)
    /// The daemon's job has batches still in progress (ended of total).
    case waiting(StoredJob, ended: Int, total: Int)
    /// The daemon's job had ended and was collected.
    case collected(StoredJob, DecisionTally)
    /// The slot holds a backfill job: left alone.
    case foreign(StoredJob)
}

/// One step of the daemon regime (`curate tick`; `curate daemon` repeats it).
///
/// - The slot holds a daemon job (or a job without owner, which reads as daemon): it is
///   reconciled if its submission was interrupted, polled once, and collected when every batch
///   has ended; otherwise the tick reports it waiting.
/// - The slot holds a backfill job: `.foreign`, nothing is touched.
/// - The slot is empty: the first `max_prospects_per_tick` pending prospects (pool order, no
///   window) are planned and submitted as a new daemon job, which a later tick collects.
///
/// ```swift
/// let tick = DaemonTick(store: store, config: config, provider: LocalCurator(store: store, config: config))
/// if case let .collected(job, tally) = try await tick.step() { print(job.nonce, tally.processed) }
/// ```
public struct DaemonTick: Sendable {
    /// The store planned from and written to.
    public let store: CurationStore
    /// The planner of new jobs.
    public var planner: Planner
    /// The provider new jobs go to.
    public var provider: any CuratorProvider
    /// The job steps.
    public var runner: JobRunner
    /// Prospects one tick takes at most (`max_prospects_per_tick`).
    public var maxProspects: Int

    /// A tick over `store` with the settings of `config`.
    public init(store: CurationStore, config: CurateConfig, planner: Planner? = nil, provider: any CuratorProvider) {
        self.store = store
        self.planner = planner ?? Planner(settings: Planner.Settings(config))
        self.provider = provider
        runner = JobRunner(store: store, config: config)
        maxProspects = config.maxProspectsPerTick
    }

    /// Runs one step.
    /// - Throws: `JobError`.
    public func step() async throws(JobError) -> TickOutcome {
        if let job = try JobSlot.current(store) {
            guard job.owner == .daemon else { return .foreign(job) }
            let provider = try runner.provider(for: job, preferred: self.provider)
            let reconciled = try await runner.reconcile(job, provider: provider)
            let (ended, total) = try await runner.poll(reconciled, provider: provider)
            guard ended == total else { return .waiting(reconciled, ended: ended, total: total) }
            return .collected(reconciled, try await runner.collect(reconciled, provider: provider))
        }
        let (pool, committed): (PendingPool, CommittedIndex)
        do {
            pool = try Self.prefix(try store.loadPendingPool(), count: maxProspects)
            committed = try store.loadCommitted()
        } catch {
            throw JobError.wrap(error)
        }
        guard !pool.isEmpty else { return .idle }
        let plan: Plan
        do {
            plan = try planner.plan(pool, committed: committed)
        } catch {
            throw .planning(error)
        }
        do throws(JobError) {
            return .submitted(try await runner.submit(plan: plan, pool: pool, committed: committed, owner: .daemon,
                                                      window: nil, provider: provider))
        } catch {
            if case let .slotTaken(other) = error {
                return other.owner == .daemon ? .waiting(other, ended: 0, total: other.batchIDs.count) : .foreign(other)
            }
            throw error
        }
    }

    /// The first `count` prospects of `pool` (with their embedding rows).
    /// - Throws: `EmbeddingError` (cannot happen for rows that were valid).
    static func prefix(_ pool: PendingPool, count: Int) throws -> PendingPool {
        guard pool.count > count else { return pool }
        let prospects = Array(pool.prospects.prefix(count))
        let rows = pool.embeddedIndices.prefix { $0 < count }.count
        var matrix: EmbeddingMatrix? = nil
        if let embeddings = pool.embeddings, rows > 0 {
            let values = Array(UnsafeBufferPointer(start: embeddings.rawRow(0), count: rows * embeddings.dimension))
            matrix = try EmbeddingMatrix(flat: values, dimension: embeddings.dimension)
        }
        return PendingPool(prospects: prospects, embeddings: matrix, embeddedIndices: Array(pool.embeddedIndices.prefix(rows)))
    }
}
