import CurationProviders
import CurationStore
import Foundation
import Kernels

/// What one daemon tick did.
public enum TickOutcome: Sendable {
    /// The slot was empty and nothing was submitted: nothing is pending, or every pending
    /// prospect was below the salience threshold (`skipped` of them got their `skip` resolution).
    case idle(skipped: Int)
    /// The slot was empty: a new daemon job was planned and submitted (not polled); its skips
    /// were written when it claimed the slot.
    case submitted(StoredJob)
    /// The daemon's job has batches still in progress (ended of total).
    case waiting(StoredJob, ended: Int, total: Int)
    /// The daemon's job had ended and was collected.
    case collected(StoredJob, DecisionTally)
    /// The slot holds a backfill job: left alone.
    case foreign(StoredJob)
}

/// One step of the daemon regime (`curate tick`; `curate daemon` repeats it), as the original
/// runs it (`seed-contract.md` §6).
///
/// - The slot holds a daemon job (or a job without owner, which reads as daemon): it is
///   reconciled if its submission was interrupted, polled once, and collected when every batch
///   has ended; otherwise the tick reports it waiting.
/// - The slot holds a backfill job: `.foreign`, nothing is touched.
/// - The slot is empty: the whole pending pool (no window) is planned — uncapped with a batch
///   provider; with a provider without batches (the synchronous regime) at most
///   `max_prospects_per_tick` prospects, the most novel first (without recall, only those are
///   loaded: `PlanInputs`) — and submitted as a new daemon job, which a later tick collects.
///   The skips are written when the job claims the slot; a plan with nothing but skips submits
///   nothing, writes them, and reports `.idle`.
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
    package var runner: JobRunner
    /// Prospects one synchronous tick plans at most (`max_prospects_per_tick`).
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
        if let job = try JobError.fromSlot({ () throws(JobSlotError) in try JobSlot.current(store) }) {
            guard job.owner == .daemon else { return .foreign(job) }
            let provider = try runner.provider(for: job, preferred: self.provider)
            let reconciled = try await runner.reconcile(job, provider: provider)
            let (ended, total) = try await runner.poll(reconciled, provider: provider)
            guard ended == total else { return .waiting(reconciled, ended: ended, total: total) }
            return .collected(reconciled, try await runner.collect(reconciled, provider: provider))
        }
        let cap = provider.hasBatchAPI ? nil : maxProspects
        let inputs = try PlanInputs.load(store, window: nil, planner: planner, maxProspects: cap)
        let (pool, committed) = (inputs.pool, inputs.committed)
        guard !pool.isEmpty else { return .idle(skipped: 0) }
        let plan = try inputs.plan()
        do throws(JobError) {
            guard !plan.clusters.isEmpty else {
                return .idle(skipped: try runner.writeSkips(plan.skipped.map { pool.prospects[$0].prospectID }).skipped)
            }
            return .submitted(try await runner.submit(plan: plan, pool: pool, committed: committed, owner: .daemon,
                                                      window: nil, provider: provider, writeSkipsAtClaim: true))
        } catch {
            if case let .slotTaken(other) = error {
                return other.owner == .daemon ? .waiting(other, ended: 0, total: other.batchIDs.count) : .foreign(other)
            }
            throw error
        }
    }
}
