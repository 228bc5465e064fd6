import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import Synchronization
import XCTest

/// Backfill: dry run, salience skips, windows, the fixture end to end.
final class BackfillTests: XCTestCase {
    /// A dry run plans and reports, and writes nothing: every table is unchanged, including the
    /// job slot and the local batches.
    func testDryRunWritesNothing() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        try await JobScratch.importCommitted(store, [JobScratch.committed("known:x", vector: [0, 0, 1])])
        let before = try StoreScratch.dump(store)
        let backfill = JobScratch.backfill(store)
        let report = try Backfill.dryRun(BackfillScope(), store: backfill.store, planner: backfill.planner)
        XCTAssertEqual(report.pending, 5)
        XCTAssertEqual(report.clusters, 2)
        XCTAssertEqual(report.summary.pending, 5)
        XCTAssertEqual(report.summary.clusters, [["a1", "a2", "a3"], ["b1", "b2"]])
        let windowed = try Backfill.dryRun(BackfillScope(window: try WindowLength(parsing: "1d")), store: backfill.store,
                                           planner: backfill.planner)
        XCTAssertEqual(windowed.windows, 2, "a1-a3 and b1-b2 are a day apart")
        XCTAssertEqual(try StoreScratch.dump(store), before)
        XCTAssertNil(try JobSlot.current(store))
    }

    /// Prospects whose novelty is below the salience threshold get `skip` resolutions, note
    /// "below salience threshold", written when the job is collected, with no curator request;
    /// a dry run only counts them.
    func testSalienceSkipWritesSkipResolutions() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importCommitted(store, [JobScratch.committed("known:x", vector: [1, 0, 0])])
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("dup", anchor: "s1", vector: [1, 0, 0]),          // novelty 0
            JobScratch.prospect("new", anchor: "s1", vector: [0, 1, 0]),          // novelty 1
        ])
        var backfill = JobScratch.backfill(store)
        backfill.planner.settings.salienceThreshold = 0.5
        let dry = try Backfill.dryRun(BackfillScope(), store: backfill.store, planner: backfill.planner)
        XCTAssertEqual(dry.skipped, 1)
        XCTAssertEqual(dry.summary.skipped, ["dup"])
        XCTAssertEqual(try JobScratch.resolutions(store), [:], "a dry run writes no skip")

        let report = try await backfill.run(BackfillScope())
        XCTAssertEqual(report.tally.skipped, 1)
        XCTAssertEqual(report.clusters, 1, "the skipped prospect has no request")
        let rows = try JobScratch.resolutions(store)
        XCTAssertEqual(rows["dup"]?.decision, "skip")
        XCTAssertEqual(rows["dup"]?.note, "below salience threshold")
        XCTAssertEqual(rows["dup"]?.jobID, report.jobs.first)
        XCTAssertEqual(rows["new"]?.decision, "commit")
    }

    /// `--since` keeps sessions active at or after that UTC midnight; the others stay pending,
    /// untouched.
    func testOutOfWindowProspectsStayPending() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("in", anchor: "late", ts: "2026-01-10T00:00:00Z", vector: [1, 0, 0]),
            JobScratch.prospect("out", anchor: "early", ts: "2026-01-09T23:59:59Z", vector: [0, 1, 0]),
        ])
        let report = try await JobScratch.backfill(store).run(BackfillScope(since: try UTCTimestamp(day: "2026-01-10")))
        XCTAssertEqual(report.pending, 1)
        XCTAssertEqual(Set(try JobScratch.resolutions(store).keys), ["in"])
        XCTAssertEqual(try store.loadPendingPool().ids, ["out"])
    }

    /// Windows lie on a grid anchored at `since` (else the epoch), clipped to the scope.
    func testWindowGrid() throws {
        let since = try UTCTimestamp(day: "2026-01-03")
        let scope = BackfillScope(since: since, until: try UTCTimestamp(day: "2026-01-20"),
                                  window: try WindowLength(parsing: "7d"))
        let window = scope.window(containing: try UTCTimestamp(iso8601: "2026-01-16T12:00:00Z"))
        XCTAssertEqual(window.since, try UTCTimestamp(day: "2026-01-10"))
        XCTAssertEqual(window.until, try UTCTimestamp(day: "2026-01-17"))
        let last = scope.window(containing: try UTCTimestamp(iso8601: "2026-01-19T00:00:00Z"))
        XCTAssertEqual(last.until, try UTCTimestamp(day: "2026-01-20"), "clipped to --until")
        let epoch = BackfillScope(window: try WindowLength(parsing: "1d"))
            .window(containing: try UTCTimestamp(iso8601: "2026-01-16T12:00:00Z"))
        XCTAssertEqual(epoch.since, try UTCTimestamp(day: "2026-01-16"))
        XCTAssertEqual(try WindowLength(parsing: "2w").milliseconds, 14 * 86_400_000)
        XCTAssertEqual(try WindowLength(parsing: "12h").description, "12h")
        for bad in ["", "d", "0d", "-3d", "14", "14x", "1.5d"] {
            XCTAssertThrowsError(try WindowLength(parsing: bad), bad)
        }
    }

    /// `--window`: one job per window, oldest first; after a crash in the second window the next
    /// run resumes that job (without submitting it again) and walks on; windows done are skipped.
    func testWindowWalkResumesWhereItStopped() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("w1", anchor: "s1", ts: "2026-01-01T10:00:00Z", vector: [1, 0, 0]),
            JobScratch.prospect("w2", anchor: "s2", ts: "2026-01-02T10:00:00Z", vector: [0, 1, 0]),
            JobScratch.prospect("w3", anchor: "s3", ts: "2026-01-04T10:00:00Z", vector: [0, 0, 1]),
        ])
        let scope = BackfillScope(window: try WindowLength(parsing: "1d"))
        let provider = CountingProvider(LocalCurator(store: store))
        // A first run covers the first day only.
        let early = try await Backfill(store: store, config: CurateConfig(), provider: provider)
            .run(BackfillScope(until: try UTCTimestamp(day: "2026-01-02"), window: try WindowLength(parsing: "1d")))
        XCTAssertEqual(early.jobs.count, 1)
        // The second run is killed after submitting the job of its first window: the second day.
        var crashing = Backfill(store: store, config: CurateConfig(), provider: provider)
        crashing.interruption = .batchRecorded
        await XCTAssertThrowsErrorAsync(try await crashing.run(scope))
        let crashed = try XCTUnwrap(try JobSlot.current(store))
        XCTAssertEqual(crashed.owner, .backfill)
        XCTAssertEqual(crashed.plan.window, JobWindow(since: try UTCTimestamp(day: "2026-01-02"), until: try UTCTimestamp(day: "2026-01-03")))
        XCTAssertEqual(crashed.plan.clusters.map(\.prospectIDs), [["w2"]])
        XCTAssertEqual(provider.submitted, 2)

        let report = try await Backfill(store: store, config: CurateConfig(), provider: provider).run(scope)
        XCTAssertEqual(report.resumed, crashed.nonce)
        XCTAssertEqual(report.jobs.count, 2, "the resumed job, then the one remaining window")
        XCTAssertEqual(report.jobs.first, crashed.nonce)
        XCTAssertEqual(report.windows, 1, "the processed windows are skipped")
        XCTAssertEqual(provider.submitted, 3, "one submission per window, none for the resumed job")
        XCTAssertEqual(try JobScratch.localBatchCount(store, nonce: crashed.nonce), 1)
        let rows = try JobScratch.resolutions(store)
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows["w1"]?.jobID, early.jobs[0])
        XCTAssertEqual(rows["w2"]?.jobID, crashed.nonce)
        XCTAssertEqual(rows["w3"]?.jobID, report.jobs[1])
        XCTAssertNil(try JobSlot.current(store))
        let again = try await Backfill(store: store, config: CurateConfig(), provider: provider).run(scope)
        XCTAssertEqual(again.jobs, [], "re-walking a processed history does nothing")
        XCTAssertEqual(provider.submitted, 3)
    }

    /// The fixture slice end to end over a temporary database: import, dry run, backfill; every
    /// prospect resolved once, committed rows carry the prospects' vectors, a rerun does nothing.
    func testEndToEndBackfillOverTheFixture() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await ProspectImporter(store: store)
            .importFile(JobScratch.fixture("debian-minilm-2000.jsonl"),
                        vectors: .file(path: JobScratch.fixture("debian-minilm-2000.f32"), dimension: 384))
        let backfill = JobScratch.backfill(store)
        let dry = try Backfill.dryRun(BackfillScope(), store: backfill.store, planner: backfill.planner)
        XCTAssertEqual(dry.pending, 2000)
        XCTAssertEqual(dry.summary.clusters.joined().count + dry.summary.skipped.count, 2000)

        let report = try await backfill.run(BackfillScope())
        XCTAssertEqual(report.pending, 2000)
        XCTAssertEqual(report.clusters, dry.clusters, "the run plans what the dry run planned")
        let sent = try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT requests.value ->> '$.custom_id' AS id, requests.value ->> '$.prospect_ids' AS members
                FROM local_batches JOIN json_each(local_batches.requests) AS requests
                """).map { row -> (Int, [String]) in
                let id: String = row["id"]
                let members = try JSONDecoder().decode([String].self, from: Data((row["members"] as String).utf8))
                return (Int(id.split(separator: "c").last ?? "") ?? -1, members)
            }.sorted { $0.0 < $1.0 }.map(\.1)
        }
        XCTAssertEqual(sent, dry.summary.clusters, "the same clusters, by id and in plan order")
        XCTAssertEqual(report.tally.processed, 2000)
        XCTAssertEqual(report.tally.leftPending, 0)
        XCTAssertGreaterThan(report.tally.merged, 0)
        XCTAssertGreaterThan(report.tally.rejected, 0)
        let counts = try store.counts()
        XCTAssertEqual(counts.pending, 0)
        XCTAssertEqual(counts.resolved, 2000)
        XCTAssertEqual(counts.committed, report.tally.committedRows, "one committed row per commit, deepen and merge")
        XCTAssertEqual(report.tally.committedRows, report.tally.committed + report.tally.deepened + report.tally.merged)
        XCTAssertEqual(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM committed WHERE source = 'curator' AND dim = 384") },
                       counts.committed, "committed rows from the curator carry the prospect's vector")
        let merges = try store.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM resolutions r WHERE decision = 'merge'
                AND NOT EXISTS (SELECT 1 FROM committed c WHERE c.item_id = r.committed_ids ->> '$[0]' AND c.decision <> 'merge')
                """)
        }
        XCTAssertEqual(merges, 0, "every merge points at a row the local curator committed")
        XCTAssertEqual(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM local_batches") }, report.batches)
        XCTAssertNil(try JobSlot.current(store))
        // The committed rows are recalled now: a dry run over nothing pending plans nothing.
        XCTAssertEqual(try Backfill.dryRun(BackfillScope(), store: backfill.store, planner: backfill.planner).pending, 0)
        let again = try await backfill.run(BackfillScope())
        XCTAssertEqual(again.jobs, [])
        XCTAssertEqual(try store.counts().resolved, 2000)
    }
}
