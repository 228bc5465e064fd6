import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import XCTest

/// The regimes of `seed-contract.md` §6: the daemon plans the whole scoped pool and writes its
/// skips when it submits; a pool of nothing but skips submits nothing and reports idle; the
/// synchronous tick (a provider without batches) takes the most novel `max_prospects_per_tick`.
final class RegimeTests: XCTestCase {
    /// With a batch provider a tick plans the whole pool, whatever `max_prospects_per_tick`, and
    /// writes the salience skips when it submits, before the job is collected.
    func testTheDaemonPlansTheWholePoolAndWritesSkipsWhenItSubmits() async throws {
        let store = try await Self.noveltyLadder()
        let tick = Self.tick(store, LocalCurator(store: store), maxProspects: 2, salienceThreshold: 0.05)
        guard case let .submitted(job) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(job.plan.pending, 6, "uncapped")
        XCTAssertEqual(job.plan.skipped, ["known-twin"])
        XCTAssertTrue(job.plan.skipsWrittenAtClaim)
        let rows = try JobScratch.resolutions(store)
        XCTAssertEqual(rows.keys.sorted(), ["known-twin"], "the skip is written at submit; nothing else yet")
        XCTAssertEqual(rows["known-twin"], JobScratch.Resolution(decision: "skip", itemKey: nil, note: "below salience threshold",
                                                                  jobID: job.nonce))
        guard case let .collected(_, tally) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(tally.skipped, 0, "not written twice")
        XCTAssertEqual(tally.leftPending, 0)
        XCTAssertEqual(tally.processed, 5)
        XCTAssertEqual(try store.counts().pending, 0)
    }

    /// A pool whose every prospect is below the salience threshold submits nothing: the tick
    /// writes the skips and reports idle; the slot stays empty.
    func testAnAllSkipPoolSubmitsNothingAndIsIdle() async throws {
        let store = try CurationStore.inMemory()
        try await JobScratch.importCommitted(store, [JobScratch.committed("known:x", vector: [1, 0, 0])])
        try await JobScratch.importProspects(store, [JobScratch.prospect("a", anchor: "s1", vector: [1, 0, 0]),
                                               JobScratch.prospect("b", anchor: "s2", vector: [2, 0, 0])])
        let provider = CountingProvider(LocalCurator(store: store))
        let tick = Self.tick(store, provider, maxProspects: 20, salienceThreshold: 0.5)
        guard case .idle(skipped: 2) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(provider.submitted, 0)
        XCTAssertNil(try JobSlot.current(store))
        XCTAssertEqual(try JobScratch.resolutions(store).values.map(\.decision), ["skip", "skip"])
        guard case .idle(skipped: 0) = try await tick.step() else { return XCTFail() }
    }

    /// The synchronous regime (a provider without batches) plans at most
    /// `max_prospects_per_tick` prospects: the most novel first, after the salience sort, not
    /// the first inserted; the others stay pending for the next tick.
    func testTheSynchronousTickTakesTheMostNovelFirst() async throws {
        let store = try await Self.noveltyLadder()
        let tick = Self.tick(store, CountingProvider(LocalCurator(store: store), hasBatchAPI: false), maxProspects: 2,
                             salienceThreshold: 0.05)
        guard case let .submitted(job) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(Set(job.plan.clusters.flatMap(\.prospectIDs)), ["novel-1", "novel-2"])
        XCTAssertEqual(job.plan.skipped, ["known-twin"], "skips cover the whole pool")
        XCTAssertEqual(job.plan.pending, 3)
        guard case .collected = try await tick.step() else { return XCTFail() }
        guard case let .submitted(next) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(Set(next.plan.clusters.flatMap(\.prospectIDs)), ["mid-1", "mid-2"], "the next most novel")

        let pool = try store.loadPendingPool(), committed = try store.loadCommitted()
        let plan = try Planner().plan(pool, committed: committed, maxProspects: 0)
        XCTAssertEqual(plan.clusters, [])
        XCTAssertEqual(plan.deferred, pool.count)
    }

    /// Without recall (no committed vectors) every novelty is 1 and the most novel are the first
    /// inserted: the synchronous tick then loads only `max_prospects_per_tick` prospects, and
    /// plans what a plan of the whole pool would. With recall it loads the whole pool.
    func testTheSynchronousTickWithoutRecallLoadsOnlyWhatItPlans() async throws {
        let store = try CurationStore.inMemory()
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("z-first", anchor: "s0", vector: [1, 0, 0]),
            JobScratch.prospect("a-second", anchor: "s1", vector: [0, 1, 0]),
            JobScratch.prospect("y-third", anchor: "s2", vector: [1, 0.01, 0]),
            JobScratch.prospect("b-fourth", anchor: "s3", vector: [0, 0, 1]),
        ])
        let tick = Self.tick(store, CountingProvider(LocalCurator(store: store), hasBatchAPI: false), maxProspects: 2,
                             salienceThreshold: 0.05)
        let pool = try store.loadPendingPool(), committed = try store.loadCommitted()
        let whole = try tick.planner.plan(pool, committed: committed, maxProspects: 2)
        let loaded = try PlanInputs.load(store, window: nil, planner: tick.planner, maxProspects: 2)
        XCTAssertEqual(loaded.pool.ids, ["z-first", "a-second"])
        let plan = try loaded.plan()
        XCTAssertEqual(plan.summary(ids: loaded.pool.ids), whole.summary(ids: pool.ids))
        guard case let .submitted(job) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(job.plan.clusters.map(\.prospectIDs), whole.clusters.map { $0.members.map { pool.ids[$0] } })
        XCTAssertEqual(job.plan.pending, 2)

        let recalling = try await Self.noveltyLadder()
        XCTAssertEqual(try PlanInputs.load(recalling, window: nil, planner: tick.planner, maxProspects: 2).pool.count, 6)
    }

    /// The backfill, a batch regime, is uncapped and writes its skips when it collects.
    func testTheBackfillIsUncapped() async throws {
        let store = try await Self.noveltyLadder()
        var config = CurateConfig()
        config.maxProspectsPerTick = 1
        var backfill = JobScratch.backfill(store, config: config)
        backfill.planner.settings.salienceThreshold = 0.05
        let report = try await backfill.run(BackfillScope())
        XCTAssertEqual(report.pending, 6)
        XCTAssertEqual(report.tally.skipped, 1)
        XCTAssertEqual(try store.counts().pending, 0)
    }

    /// A daemon tick of `provider` with `max_prospects_per_tick` and `salience_threshold`.
    static func tick(_ store: CurationStore, _ provider: any CuratorProvider, maxProspects: Int,
                     salienceThreshold: Double) -> DaemonTick {
        var config = CurateConfig()
        config.maxProspectsPerTick = maxProspects
        config.salienceThreshold = salienceThreshold
        return DaemonTick(store: store, config: config, provider: provider)
    }

    /// Six prospects of decreasing novelty against one committed item at [1, 0, 0], inserted
    /// least novel first: a near-twin of it (skipped at 0.05), two of middling novelty, two
    /// orthogonal to it (the most novel), and one between.
    static func noveltyLadder() async throws -> CurationStore {
        let store = try CurationStore.inMemory()
        try await JobScratch.importCommitted(store, [JobScratch.committed("known:x", vector: [1, 0, 0])])
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("known-twin", anchor: "s0", vector: [1, 0.01, 0]),
            JobScratch.prospect("close", anchor: "s1", vector: [1, 0.5, 0]),
            JobScratch.prospect("mid-1", anchor: "s2", vector: [1, 1, 0]),
            JobScratch.prospect("mid-2", anchor: "s3", vector: [1, 0, 1.1]),
            JobScratch.prospect("novel-1", anchor: "s4", vector: [0, 1, 0]),
            JobScratch.prospect("novel-2", anchor: "s5", vector: [0, 0, 1]),
        ])
        return store
    }
}
