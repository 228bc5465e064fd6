import CurationStore
import Kernels

/// What a plan is made from, loaded for one window: the pending pool and the committed index it
/// is planned against. The backfill, its dry run, the daemon tick and the report all load here.
package struct PlanInputs: Sendable {
    /// The pending prospects of the window.
    package let pool: PendingPool
    /// The committed items.
    package let committed: CommittedIndex
    /// Seconds the loading took.
    package let seconds: Double

    /// Loads the pending pool of `window` (nil: every pending prospect) and the committed index
    /// from `store`.
    /// - Parameter committed: the committed index, when the caller holds it already (a dry run
    ///   writes nothing, so it loads it once); nil: load it.
    /// - Throws: `JobError.store`.
    package static func load(_ store: CurationStore, window: JobWindow?,
                             committed: CommittedIndex? = nil) throws(JobError) -> PlanInputs {
        let stopwatch = Stopwatch()
        do {
            let pool = try store.loadPendingPool(in: window)
            return PlanInputs(pool: pool, committed: try committed ?? store.loadCommitted(), seconds: stopwatch.seconds)
        } catch {
            throw JobError.wrap(error)
        }
    }

    /// The plan of the pool against the committed items (`Planner.plan(_:committed:maxProspects:)`).
    /// - Throws: `JobError.planning`.
    package func plan(_ planner: Planner, maxProspects: Int? = nil) throws(JobError) -> Plan {
        do {
            return try planner.plan(pool, committed: committed, maxProspects: maxProspects)
        } catch {
            throw .planning(error)
        }
    }
}
