import Curation
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import XCTest

/// The window on session activity (`seed-contract.md` §3): a session's latest activity is the
/// newest timestamp of its source rows, not when its prospects were proposed.
final class WindowTests: XCTestCase {
    /// Prospects all created on one day; sessions whose source activity spans months: `--since`
    /// selects by activity, and the same holds for `--until` and the `--window` walk.
    func testSinceSelectsBySourceActivity() async throws {
        let store = try await Self.oneDayHistory()
        XCTAssertEqual(try store.activityBasis(), .sources)
        let february = try UTCTimestamp(day: "2026-02-01")
        XCTAssertEqual(Set(try store.loadPendingPool(in: JobWindow(since: february)).ids), ["march-1", "march-2"])
        XCTAssertEqual(Set(try store.loadPendingPool(in: JobWindow(since: try UTCTimestamp(day: "2025-12-01"),
                                                                   until: february)).ids), ["january"])
        XCTAssertEqual(try store.pendingCount(in: JobWindow(since: february)), 2)
        XCTAssertEqual(try store.loadPendingPool().count, 4, "no window: every pending prospect")
        let pool = try store.loadPendingPool()
        XCTAssertEqual(pool.prospects.first { $0.prospectID == "january" }?.sessionLastActivity?.text, "2026-01-05T10:00:00.000Z")

        let dry = try Backfill.dryRun(BackfillScope(since: try UTCTimestamp(day: "2025-12-01"), window: try WindowLength(parsing: "30d")),
                                      store: store, planner: Planner())
        XCTAssertEqual(dry.windows, 2, "January and March: two windows, though every prospect is from one day")
        XCTAssertEqual(dry.pending, 3)
    }

    /// A session without source rows, in a store that has some, has no latest activity: its
    /// prospects are outside every window (they stay pending), and an unwindowed run plans them.
    func testASessionWithoutSourceRowsIsOutsideEveryWindow() async throws {
        let store = try await Self.oneDayHistory()
        XCTAssertEqual(try store.pendingWithoutActivity(), 1)
        XCTAssertFalse(try store.loadPendingPool(in: JobWindow(since: try UTCTimestamp(day: "1970-01-01"))).ids.contains("silent"))
        XCTAssertTrue(try store.loadPendingPool().ids.contains("silent"))
        let report = try await JobScratch.backfill(store).run(BackfillScope(since: try UTCTimestamp(day: "2000-01-01")))
        XCTAssertEqual(report.pending, 3)
        XCTAssertEqual(try store.loadPendingPool().ids, ["silent"], "left pending and untouched")
    }

    /// A store without source rows falls back to the newest `created_at` of the session's
    /// prospects: a history proposed in one day then falls inside every window holding that day.
    func testFallbackToProspectActivity() async throws {
        let store = try CurationStore.inMemory()
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("a", anchor: "s1", ts: "2026-04-01T09:00:00Z", vector: [1, 0, 0]),
            JobScratch.prospect("b", anchor: "s2", ts: "2026-04-01T10:00:00Z", vector: [0, 1, 0]),
        ])
        XCTAssertEqual(try store.activityBasis(), .prospects)
        XCTAssertEqual(try store.pendingWithoutActivity(), 0)
        XCTAssertEqual(try store.loadPendingPool(in: JobWindow(since: try UTCTimestamp(day: "2026-04-01"))).count, 2)
        XCTAssertEqual(try store.loadPendingPool(in: JobWindow(since: try UTCTimestamp(day: "2026-04-02"))).count, 0)
        XCTAssertTrue(ActivityBasis.approximateNote.contains("approximate"))
    }

    /// Importing sources moves a session's activity to its source rows' newest timestamp (raised,
    /// never lowered, by later imports), whatever the order of the rows.
    func testSourceActivityIsTheNewestTimestamp() throws {
        let store = try CurationStore.inMemory()
        try Self.importSources(store, [("m1", "s", "2026-01-05T10:00:00Z"), ("m2", "s", "2026-03-01T00:00:00+01:00"),
                                       ("m3", "s", "2026-01-01T00:00:00Z")])
        try Self.importSources(store, [("m4", "s", "2025-06-01T00:00:00Z")])
        let activity = try store.read { try String.fetchOne($0, sql: "SELECT source_activity FROM sessions WHERE anchor_key = 's'") }
        XCTAssertEqual(activity, "2026-02-28T23:00:00.000Z")
    }

    /// Four prospects proposed on 2026-04-01 from three sessions with source rows (January,
    /// March, March) and one without.
    static func oneDayHistory() async throws -> CurationStore {
        let store = try CurationStore.inMemory()
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("january", anchor: "s-jan", ts: "2026-04-01T09:00:00Z", vector: [1, 0, 0]),
            JobScratch.prospect("march-1", anchor: "s-mar", ts: "2026-04-01T09:01:00Z", vector: [0, 1, 0]),
            JobScratch.prospect("march-2", anchor: "s-mar2", ts: "2026-04-01T09:02:00Z", vector: [0, 0, 1]),
            JobScratch.prospect("silent", anchor: "s-none", ts: "2026-04-01T09:03:00Z", vector: [1, 1, 0]),
        ])
        try importSources(store, [("j1", "s-jan", "2026-01-02T10:00:00Z"), ("j2", "s-jan", "2026-01-05T10:00:00Z"),
                                  ("m1", "s-mar", "2026-03-10T10:00:00Z"), ("n1", "s-mar2", "2026-03-20T10:00:00Z")])
        return store
    }

    static func importSources(_ store: CurationStore, _ rows: [(id: String, session: String, ts: String)]) throws {
        let lines = rows.map { row in
            TemporaryDirectory.line(["message_id": row.id, "session_id": row.session, "message_created_at": row.ts,
                                     "content_text": "text of \(row.id)"]) + "\n"
        }
        try SourceImporter(store: store).importData(Data(lines.joined().utf8), path: "sources.jsonl")
    }
}
