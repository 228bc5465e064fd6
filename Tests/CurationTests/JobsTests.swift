import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import XCTest

/// The job slot and its rules (ARCHITECTURE §6): claim, resume, refuse, foreign, legacy owner.
final class JobsTests: XCTestCase {
    /// A process killed after a batch was submitted and its id stored: the next backfill (a new
    /// connection, as a new process) polls and collects that batch; it submits nothing, and the
    /// job has exactly one local batch.
    func testResumePollsAndCollectsWithoutASecondSubmit() async throws {
        let scratch = try JobScratch()
        let crashedStore = try scratch.store()
        try await JobScratch.importProspects(crashedStore, JobScratch.twoClusterProspects())
        var crashing = JobScratch.backfill(crashedStore)
        crashing.interruption = .batchRecorded
        await XCTAssertThrowsErrorAsync(try await crashing.run(BackfillScope())) { error in
            guard case JobError.interrupted = error else { return XCTFail("\(error)") }
        }
        let job = try XCTUnwrap(try JobSlot.current(crashedStore))
        XCTAssertEqual(job.owner, .backfill)
        XCTAssertEqual(job.batchIDs.compactMap { $0 }.count, 1)
        XCTAssertEqual(try JobScratch.localBatchCount(crashedStore, nonce: job.nonce), 1)
        XCTAssertEqual(try JobScratch.resolutions(crashedStore), [:])

        let store = try scratch.store()
        let provider = CountingProvider(LocalCurator(store: store))
        let report = try await Backfill(store: store, config: CurateConfig(), provider: provider).run(BackfillScope())
        XCTAssertEqual(report.resumed, job.nonce)
        XCTAssertEqual(report.jobs, [job.nonce], "nothing was left to plan after the resumed job")
        XCTAssertEqual(provider.submitted, 0, "resume never submits")
        XCTAssertEqual(try JobScratch.localBatchCount(store, nonce: job.nonce), 1)
        XCTAssertEqual(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM local_batches") }, 1)
        let rows = try JobScratch.resolutions(store)
        XCTAssertEqual(rows.count, 5)
        XCTAssertTrue(rows.values.allSatisfy { $0.jobID == job.nonce })
        XCTAssertEqual(report.tally.processed, 5)
        XCTAssertNil(try JobSlot.current(store), "collecting clears the slot")
    }

    /// A crash between the provider accepting a batch and its id being stored: the resumed job
    /// finds the batch by the job's nonce (carried by every custom_id) and adopts it.
    func testCrashBeforeTheBatchIdIsStoredIsReconciled() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        var crashing = JobScratch.backfill(store)
        crashing.interruption = .providerAccepted
        await XCTAssertThrowsErrorAsync(try await crashing.run(BackfillScope()))
        let job = try XCTUnwrap(try JobSlot.current(store))
        XCTAssertEqual(job.state, .submitting)
        XCTAssertEqual(job.batchIDs, [nil])
        XCTAssertEqual(try JobScratch.localBatchCount(store, nonce: job.nonce), 1)
        XCTAssertTrue(job.plan.clusters.allSatisfy { $0.customID.hasPrefix(job.nonce + "-c") })

        let provider = CountingProvider(LocalCurator(store: store))
        let report = try await Backfill(store: store, config: CurateConfig(), provider: provider).run(BackfillScope())
        XCTAssertEqual(report.resumed, job.nonce)
        XCTAssertEqual(provider.submitted, 0)
        XCTAssertEqual(report.batches, 1)
        XCTAssertEqual(try JobScratch.localBatchCount(store, nonce: job.nonce), 1)
        XCTAssertEqual(try store.counts().pending, 0)
    }

    /// A crash right after claiming (nothing submitted): resume submits nothing; the job is
    /// collected empty, and its prospects are planned again by the same run.
    func testCrashAfterClaimLeavesNothingToReSubmit() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        var limited = JobScratch.backfill(store)
        limited.provider = LocalCurator(store: store, limits: CuratorBatchLimits(maxRequests: 1, maxBytes: 1 << 20))
        limited.interruption = .batchRecorded
        await XCTAssertThrowsErrorAsync(try await limited.run(BackfillScope()))
        let job = try XCTUnwrap(try JobSlot.current(store))
        XCTAssertEqual(job.plan.batchSizes, [1, 1], "one request per batch")
        XCTAssertEqual(job.batchIDs.map { $0 != nil }, [true, false])

        let provider = CountingProvider(LocalCurator(store: store))
        let report = try await Backfill(store: store, config: CurateConfig(), provider: provider).run(BackfillScope())
        XCTAssertEqual(report.jobs.count, 2, "the resumed job, then a new job for what it left pending")
        XCTAssertEqual(provider.submitted, 1, "only the new job submits")
        XCTAssertEqual(try store.counts().pending, 0)
        let rows = try JobScratch.resolutions(store)
        XCTAssertEqual(Set(rows.filter { $0.value.jobID == job.nonce }.keys), Set(job.plan.clusters[0].prospectIDs))
    }

    /// A backfill finding a daemon job refuses, naming the job (owner, nonce, age), and writes nothing.
    func testBackfillRefusesADaemonJob() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        guard case let .submitted(daemonJob) = try await JobScratch.tick(store).step() else {
            return XCTFail("the tick should submit")
        }
        let before = try StoreScratch.dump(store)
        await XCTAssertThrowsErrorAsync(try await JobScratch.backfill(store).run(BackfillScope())) { error in
            guard case let JobError.slotHeldByOtherOwner(job) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(job.nonce, daemonJob.nonce)
            let message = "\(error)"
            XCTAssertTrue(message.contains("owner daemon"), message)
            XCTAssertTrue(message.contains(daemonJob.nonce), message)
            XCTAssertTrue(message.contains("age "), message)
        }
        XCTAssertEqual(try StoreScratch.dump(store), before, "a refusal writes nothing")
    }

    /// A daemon tick finding a backfill job leaves it alone (`foreign`).
    func testDaemonTickLeavesABackfillJobAlone() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        var crashing = JobScratch.backfill(store)
        crashing.interruption = .batchRecorded
        await XCTAssertThrowsErrorAsync(try await crashing.run(BackfillScope()))
        let before = try StoreScratch.dump(store)
        let outcome = try await JobScratch.tick(store).step()
        guard case let .foreign(job) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(job.owner, .backfill)
        XCTAssertEqual(try StoreScratch.dump(store), before, "the tick neither polled nor collected the backfill job")
    }

    /// A job row stored without owner reads as a daemon job: a backfill refuses it, a tick
    /// collects it.
    func testJobWithoutOwnerReadsAsDaemon() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        guard case .submitted = try await JobScratch.tick(store).step() else {
            return XCTFail("the tick should submit")
        }
        try store.write { try $0.execute(sql: "UPDATE jobs SET owner = NULL") }
        let legacy = try XCTUnwrap(try JobSlot.current(store))
        XCTAssertEqual(legacy.owner, .daemon)
        XCTAssertFalse(legacy.ownerRecorded)
        await XCTAssertThrowsErrorAsync(try await JobScratch.backfill(store).run(BackfillScope())) { error in
            guard case JobError.slotHeldByOtherOwner = error else { return XCTFail("\(error)") }
        }
        let outcome = try await JobScratch.tick(store).step()
        guard case let .collected(job, tally) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(job.nonce, legacy.nonce)
        XCTAssertEqual(tally.processed, 5)
        XCTAssertNil(try JobSlot.current(store))
    }

    /// Ticks alternate: submit (with a batch provider, the whole pool, uncapped by
    /// max_prospects_per_tick), then collect the daemon's own job; with nothing pending, idle.
    func testTicksSubmitThenCollectTheirOwnJob() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        let tick = JobScratch.tick(store, maxProspects: 3)
        guard case let .submitted(first) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(first.owner, .daemon)
        XCTAssertEqual(first.plan.pending, 5)
        XCTAssertEqual(Set(first.plan.clusters.flatMap(\.prospectIDs)), ["a1", "a2", "a3", "b1", "b2"])
        XCTAssertEqual(try JobScratch.resolutions(store), [:], "a tick does not poll its new job to completion")
        guard case let .collected(collected, tally) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(collected.nonce, first.nonce)
        XCTAssertEqual(tally.processed, 5)
        guard case .idle(skipped: 0) = try await tick.step() else { return XCTFail() }
        XCTAssertEqual(try store.counts().pending, 0)
    }

    /// Collecting is one transaction: when a write fails midway, no committed row, no
    /// resolution is left behind and the job stays in the slot; the next run collects it all.
    func testCollectIsAllOrNothing() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        try store.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_b2 BEFORE INSERT ON resolutions WHEN NEW.prospect_id = 'b2'
                BEGIN SELECT RAISE(ABORT, 'simulated failure'); END
                """)
        }
        await XCTAssertThrowsErrorAsync(try await JobScratch.backfill(store).run(BackfillScope())) { error in
            guard case JobError.store = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try JobScratch.resolutions(store), [:])
        XCTAssertEqual(try store.counts().committed, 0)
        let job = try XCTUnwrap(try JobSlot.current(store))
        XCTAssertEqual(job.state, .submitted)

        try store.write { try $0.execute(sql: "DROP TRIGGER fail_b2") }
        let report = try await JobScratch.backfill(store).run(BackfillScope())
        XCTAssertEqual(report.resumed, job.nonce)
        XCTAssertEqual(report.tally.processed, 5)
        XCTAssertEqual(try JobScratch.localBatchCount(store, nonce: job.nonce), 1)
        XCTAssertNil(try JobSlot.current(store))
    }

    /// The slot holds one job: a second claim fails with the job found.
    func testClaimIsExclusive() throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        let plan = JobPlan(pending: 0, skipped: [], clusters: [], batchSizes: [])
        let job = try JobSlot.claim(store, nonce: "n1", owner: .backfill, provider: "local", plan: plan)
        XCTAssertEqual(job.state, .submitting)
        let other = try scratch.store()
        XCTAssertThrowsError(try JobSlot.claim(other, nonce: "n2", owner: .daemon, provider: "local", plan: plan)) { error in
            guard case let JobSlotError.slotTaken(found) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(found.nonce, "n1")
        }
    }

    /// A job is split over several provider batches when it exceeds the provider's limits; all
    /// are submitted, polled and collected in one job.
    func testAJobSplitsIntoSeveralBatches() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, (0..<7).map { i in
            JobScratch.prospect("p\(i)", anchor: "s\(i)", vector: [Float(i == 0 ? 1 : 0), Float(i), 1 + Float(i * i)])
        })
        var backfill = JobScratch.backfill(store)
        backfill.planner.settings.clusterSimilarity = 0.9999
        backfill.provider = LocalCurator(store: store, limits: CuratorBatchLimits(maxRequests: 3, maxBytes: 1 << 30))
        let report = try await backfill.run(BackfillScope())
        XCTAssertEqual(report.clusters, 7)
        XCTAssertEqual(report.batches, 3)
        XCTAssertEqual(report.jobs.count, 1)
        XCTAssertEqual(try JobScratch.localBatchCount(store, nonce: report.jobs[0]), 3)
        XCTAssertEqual(try store.counts().pending, 0)
    }

    /// Custom ids carry the job nonce and have the form batch APIs accept.
    func testCustomIDs() {
        let id = CuratorRequest.customID(jobNonce: JobRunner.makeNonce(), clusterIndex: 123_456)
        XCTAssertTrue(CuratorRequest.isValidCustomID(id), id)
        XCTAssertFalse(CuratorRequest.isValidCustomID(""))
        XCTAssertFalse(CuratorRequest.isValidCustomID(String(repeating: "a", count: 65)))
        XCTAssertFalse(CuratorRequest.isValidCustomID("a b"))
        XCTAssertFalse(CuratorRequest.isValidCustomID("é"))
    }
}
