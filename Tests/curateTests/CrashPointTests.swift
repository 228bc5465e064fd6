import Curation
import CurationStore
import Foundation
import GRDB
import XCTest

/// Every named crash point in `make test` (issue 14, item 12): a `curate backfill` with the
/// local curator killed there (`CURATE_CRASH_AT`, SIGKILL), then resumed, resolves every prospect
/// exactly once, sends no prospect to the curator twice, and leaves the slot empty.
final class CrashPointTests: XCTestCase {
    /// Every point, with the arrival killed at (the second batch for the points reached per batch).
    static let points = ["slot-claimed:1", "provider-accepted:2", "batch-recorded:2", "mid-poll:1", "results-fetched:1",
                         "inside-collect-transaction:1", "collected:1"]

    func testEveryCrashPointResumes() throws {
        XCTAssertEqual(Set(Self.points.map { String($0.prefix { $0 != ":" }) }), Set(CrashPoint.allCases.map(\.rawValue)))
        for point in Self.points {
            let dir = try SecretsCommandTests.store()
            try dir.write("curate.toml", "[curator]\nmax_batch_requests = 4\n")
            let arguments = ["backfill", "--db", "d.sqlite", "--json"]
            let crashed = try CurateProcess.run(arguments, in: dir.url, environment: ["CURATE_CRASH_AT": point])
            XCTAssertTrue(crashed.killed, "\(point) was never reached: \(crashed.status) \(crashed.stderr)")
            let resumed = try CurateProcess.run(arguments, in: dir.url)
            XCTAssertEqual(resumed.status, 0, "\(point): \(resumed.stderr)")
            let queue = try DatabaseQueue(path: dir.url.appendingPathComponent("d.sqlite").path)
            try queue.read { db in
                XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs"), 0, "\(point): the slot is empty")
                XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM resolutions"), 20, "\(point): one resolution each")
                XCTAssertEqual(try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM committed WHERE source = 'curator'
                    """), try Int.fetchOne(db, sql: "SELECT count(*) FROM resolutions WHERE decision IN ('commit', 'deepen', 'merge')"),
                               "\(point): one committed row per commit, deepen or merge")
                let sent = try String.fetchAll(db, sql: """
                    SELECT ids.value FROM local_batches
                    JOIN json_each(local_batches.requests) AS requests
                    JOIN json_each(requests.value, '$.prospect_ids') AS ids
                    """)
                XCTAssertEqual(sent.count, Set(sent).count, "\(point): a prospect went to the curator twice")
            }
        }
    }
}
