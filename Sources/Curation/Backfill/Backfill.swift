import CurationProviders
import CurationStore
import Foundation
import Kernels

/// Seconds per stage of a backfill or a dry run.
public struct BackfillTimings: Sendable, Equatable {
    /// Loading the pending pools and the committed index (`PlanInputs`).
    public var load = 0.0
    /// Top-k recall (planner).
    public var recall = 0.0
    /// Greedy clustering of the cold prospects (planner).
    public var cluster = 0.0
    /// Salience, warm buckets and chunking (planner).
    public var plan = 0.0
    /// Rendering, claiming and submitting (0 in a dry run).
    public var submit = 0.0
    /// Polling until the batches ended (0 in a dry run).
    public var poll = 0.0
    /// Reading results and the collect transaction (0 in a dry run).
    public var collect = 0.0

    /// All zero.
    public init() {}

    mutating func add(_ timings: PlanTimings) {
        recall += timings.recall
        cluster += timings.cluster
        plan += timings.plan
    }
}

/// What a dry run found: the plan a backfill would submit, with nothing written.
public struct BackfillDryRun: Sendable {
    /// Windows with pending prospects (1 without `--window`, when anything is pending).
    public var windows = 0
    /// Pending prospects in scope.
    public var pending = 0
    /// Curator requests the backfill would send.
    public var clusters = 0
    /// Prospects that would be skipped below the salience threshold.
    public var skipped = 0
    /// Seconds per stage (load, recall, cluster, plan).
    public var timings = BackfillTimings()
    /// The low-rank screens of recall and clustering over every window.
    public var screens = PlanScreens()
    /// The plans of every window, concatenated in walk order (the `--plan-out` document).
    public var summary = PlanSummary(pending: 0, skipped: [], clusters: [])
}

/// What a backfill did.
public struct BackfillReport: Sendable {
    /// Resolutions and committed rows written, summed over every job (the resumed one included).
    public var tally = DecisionTally()
    /// Prospects planned (pool sizes, summed over the jobs).
    public var pending = 0
    /// Curator requests (clusters), summed over the jobs.
    public var clusters = 0
    /// Provider batches submitted or adopted, summed over the jobs.
    public var batches = 0
    /// Windows that had pending prospects.
    public var windows = 0
    /// The nonces of the jobs collected, in order.
    public var jobs: [String] = []
    /// The nonce of the job found in the slot and resumed, if any.
    public var resumed: String?
    /// Seconds per stage, summed over the windows.
    public var timings = BackfillTimings()

    /// An empty report.
    public init() {}
}

/// Progress of a backfill, for a progress line.
public enum BackfillEvent: Sendable {
    /// A job of this driver was found in the slot and is being resumed.
    case resuming(StoredJob)
    /// The walk reached a window (1-based ordinal).
    case window(ordinal: Int, JobWindow)
    /// A window's pool was planned.
    case planned(pending: Int, clusters: Int, skipped: Int)
    /// A job was submitted.
    case submitted(StoredJob)
    /// A polling round: batches ended of total, seconds since polling began.
    case polling(nonce: String, ended: Int, total: Int, seconds: Double)
    /// A job was collected.
    case collected(nonce: String, DecisionTally)
}

/// The backfill driver (`curate backfill`): plans the pending pool of a scope, window by window,
/// and runs one job per window to completion: claim, submit, poll, collect (ARCHITECTURE §6).
///
/// Rules of the slot:
/// - A job of the backfill found in the slot (a previous run crashed) is resumed first: it is
///   reconciled, polled and collected, never submitted again.
/// - A daemon job (or a job stored without owner, which reads as daemon) makes the backfill
///   refuse with `JobError.slotHeldByOtherOwner`, naming the job; nothing is written.
///
/// Salience skips get their `skip` resolutions in the collect transaction of their job, with
/// the curator's decisions; a dry run writes nothing at all.
///
/// ```swift
/// let store = try CurationStore(path: "curate.sqlite")
/// let backfill = Backfill(store: store, config: config, provider: LocalCurator(store: store, config: config))
/// let report = try await backfill.run(BackfillScope(since: try UTCTimestamp(day: "2026-01-01"),
///                                                   window: try WindowLength(parsing: "14d")))
/// print(report.tally.committed, report.tally.merged)
/// ```
public struct Backfill: Sendable {
    /// The store planned from and written to.
    public let store: CurationStore
    /// The planner (its settings: the config's, overridden by flags).
    public var planner: Planner
    /// The provider new jobs go to (resumed jobs use the provider they were submitted to).
    public var provider: any CuratorProvider
    /// The job steps.
    package var runner: JobRunner

    /// A backfill over `store` with the planner settings of `config` (override them on
    /// `planner.settings`).
    public init(store: CurationStore, config: CurateConfig, planner: Planner? = nil, provider: any CuratorProvider) {
        self.store = store
        self.planner = planner ?? Planner(settings: Planner.Settings(config))
        self.provider = provider
        runner = JobRunner(store: store, config: config)
    }

    /// Test hook: stop as if killed at this point (package API).
    package var interruption: CrashPoint? {
        get { runner.interruption }
        set { runner.interruption = newValue }
    }

    /// Plans the scope as a backfill would, window by window, and writes nothing. It needs no
    /// provider (and so no API key): nothing is submitted.
    /// - Throws: `JobError.planning`, `.store`.
    public static func dryRun(_ scope: BackfillScope, store: CurationStore, planner: Planner) throws(JobError) -> BackfillDryRun {
        var report = BackfillDryRun()
        var skipped: [String] = [], clusters: [[String]] = []
        var committed: CommittedIndex? = nil
        var walk = Walk(scope, store: store)
        while let window = try walk.next() {
            let inputs = try PlanInputs.load(store, window: window, planner: planner, committed: committed)
            committed = inputs.committed
            report.timings.load += inputs.seconds
            let pool = inputs.pool
            guard !pool.isEmpty else { continue }
            let plan = try inputs.plan()
            report.windows += 1
            report.pending += pool.count
            report.clusters += plan.clusters.count
            report.skipped += plan.skipped.count
            report.timings.add(plan.timings)
            report.screens = report.screens.combined(with: plan.screens)
            let summary = plan.summary(ids: pool.ids)
            skipped += summary.skipped
            clusters += summary.clusters
        }
        report.summary = PlanSummary(pending: report.pending, skipped: skipped, clusters: clusters)
        return report
    }

    /// Runs the backfill: resumes this driver's job if one is in the slot, then walks the scope
    /// and runs one job per window with pending prospects, each polled to completion.
    /// - Parameter progress: called on the driver's task for each step.
    /// - Throws: `JobError.slotHeldByOtherOwner` when a daemon job holds the slot (before
    ///   anything is written), `.provider`, `.planning`, `.store`, `.interrupted`.
    public func run(_ scope: BackfillScope, progress: (@Sendable (BackfillEvent) -> Void)? = nil) async throws(JobError) -> BackfillReport {
        var report = BackfillReport()
        if let job = try JobError.fromSlot({ () throws(JobSlotError) in try JobSlot.current(store) }) {
            guard job.owner == .backfill else { throw .slotHeldByOtherOwner(job) }
            progress?(.resuming(job))
            report.resumed = job.nonce
            report.pending += job.plan.pending
            report.clusters += job.plan.clusters.count
            try await finish(job, report: &report, progress: progress)
        }
        var walk = Walk(scope, store: store)
        while let window = try walk.next() {
            progress?(.window(ordinal: walk.ordinal, window))
            let inputs = try PlanInputs.load(store, window: window, planner: planner)
            report.timings.load += inputs.seconds
            let (pool, committed) = (inputs.pool, inputs.committed)
            guard !pool.isEmpty else { continue }
            let plan = try inputs.plan()
            report.windows += 1
            report.pending += pool.count
            report.clusters += plan.clusters.count
            report.timings.add(plan.timings)
            progress?(.planned(pending: pool.count, clusters: plan.clusters.count, skipped: plan.skipped.count))
            let (job, submitSeconds) = try await Stopwatch.measure { () async throws(JobError) in
                do throws(JobError) {
                    return try await runner.submit(plan: plan, pool: pool, committed: committed, owner: .backfill,
                                                   window: window, provider: provider)
                } catch {
                    if case let .slotTaken(other) = error, other.owner != .backfill { throw .slotHeldByOtherOwner(other) }
                    throw error
                }
            }
            report.timings.submit += submitSeconds
            progress?(.submitted(job))
            try await finish(job, report: &report, progress: progress)
        }
        return report
    }

    // MARK: Implementation

    /// Reconciles, polls to completion and collects `job`.
    private func finish(_ job: StoredJob, report: inout BackfillReport,
                        progress: (@Sendable (BackfillEvent) -> Void)?) async throws(JobError) {
        let provider = try runner.provider(for: job, preferred: self.provider)
        let reconciled = try await runner.reconcile(job, provider: provider)
        let nonce = job.nonce
        let (_, pollSeconds) = try await Stopwatch.measure { () async throws(JobError) in
            try await runner.pollUntilEnded(reconciled, provider: provider) { ended, total, seconds in
                progress?(.polling(nonce: nonce, ended: ended, total: total, seconds: seconds))
            }
        }
        report.timings.poll += pollSeconds
        let (tally, collectSeconds) = try await Stopwatch.measure { () async throws(JobError) in
            try await runner.collect(reconciled, provider: provider)
        }
        report.timings.collect += collectSeconds
        report.tally = report.tally + tally
        report.batches += reconciled.batchIDs.compactMap { $0 }.count
        report.jobs.append(nonce)
        progress?(.collected(nonce: nonce, tally))
    }

    /// The walk of a scope (`BackfillScope.nextWindow(after:in:)`), oldest window first,
    /// re-evaluated at each step: each job changes what is pending.
    private struct Walk {
        let scope: BackfillScope
        let store: CurationStore
        /// The windows walked so far.
        private(set) var ordinal = 0
        private var window: JobWindow?

        init(_ scope: BackfillScope, store: CurationStore) {
            self.scope = scope
            self.store = store
        }

        /// The next window, nil when the walk is over.
        mutating func next() throws(JobError) -> JobWindow? {
            do {
                window = try scope.nextWindow(after: window, in: store)
            } catch {
                throw JobError.wrap(error)
            }
            if window != nil { ordinal += 1 }
            return window
        }
    }
}
