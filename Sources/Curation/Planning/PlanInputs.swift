import CurationStore
import Kernels

/// What a plan is made from, loaded for one window and one planner: the pending pool and the
/// committed index it is planned against. The backfill, its dry run, the daemon tick and the
/// report all load here.
package struct PlanInputs: Sendable {
    /// The pending prospects of the window (with a cap and no recall, only those the plan takes).
    package let pool: PendingPool
    /// The committed items.
    package let committed: CommittedIndex
    /// The planner they were loaded for.
    package let planner: Planner
    /// The most prospects the plan takes (`Planner.plan(_:committed:maxProspects:)`); nil: all.
    package let maxProspects: Int?
    /// Seconds the loading took.
    package let seconds: Double

    /// Loads the committed index and the pending pool of `window` (nil: every pending prospect)
    /// from `store`, for `planner`.
    ///
    /// With `maxProspects`, the plan takes the most novel prospects first. When `planner` does
    /// not recall (`Planner.recalls(against:)`), every novelty is 1 and that order is the pool's,
    /// so only the first `maxProspects` pending prospects are loaded (SQL `LIMIT`): exactly those
    /// the plan takes (its `deferred` then counts none of the others, which were never loaded).
    /// With recall, novelty needs every prospect's recall: the whole pool is loaded.
    /// - Parameter committed: the committed index, when the caller holds it already (a dry run
    ///   writes nothing, so it loads it once); nil: load it.
    /// - Throws: `JobError.store`.
    package static func load(_ store: CurationStore, window: JobWindow?, planner: Planner, maxProspects: Int? = nil,
                             committed: CommittedIndex? = nil) throws(JobError) -> PlanInputs {
        let stopwatch = Stopwatch()
        do {
            let committed = try committed ?? store.loadCommitted()
            let pool = try store.loadPendingPool(in: window, limit: planner.recalls(against: committed) ? nil : maxProspects)
            return PlanInputs(pool: pool, committed: committed, planner: planner, maxProspects: maxProspects,
                              seconds: stopwatch.seconds)
        } catch {
            throw JobError.wrap(error)
        }
    }

    /// The plan of the pool against the committed items, by the planner, within the cap.
    /// - Throws: `JobError.planning`.
    package func plan() throws(JobError) -> Plan {
        do {
            return try planner.plan(pool, committed: committed, maxProspects: maxProspects)
        } catch {
            throw .planning(error)
        }
    }
}
