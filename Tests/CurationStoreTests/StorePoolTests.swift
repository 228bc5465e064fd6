import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import Kernels
import XCTest

final class StorePoolTests: XCTestCase {
    func testFirstOccurrenceWinsInInsertionOrder() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            try StoreScratch.insertProspect(store, id: "c", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [1, 0], label: "c1")
            try StoreScratch.insertProspect(store, id: "a", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [0, 1], label: "a1")
            try StoreScratch.insertProspect(store, id: "c", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [5, 5], label: "c2")
            try StoreScratch.insertProspect(store, id: "b", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [1, 1], label: "b1")
            let pool = try store.loadPendingPool()
            XCTAssertEqual(pool.ids, ["c", "a", "b"], kind)
            XCTAssertEqual(pool.prospects.map(\.label), ["c1", "a1", "b1"], kind)
            XCTAssertEqual(pool.embeddings?.rows, 3, kind)
            XCTAssertEqual(pool.embeddings?.row(0), [1, 0], "the first occurrence's vector, \(kind)")
            XCTAssertEqual(pool.embeddings?.row(2), [1, 1], kind)
            XCTAssertTrue(pool.allEmbedded, kind)
            XCTAssertEqual(try store.counts().pending, 3, kind)
        }
    }

    func testResolvedProspectsAreExcluded() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            for (i, id) in ["p1", "p2", "p3", "p4"].enumerated() {
                try StoreScratch.insertProspect(store, id: id, anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [Float(i), 1])
            }
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO resolutions (prospect_id, decision, source, resolved_at)
                    VALUES ('p2', 'reject', 'curator', '2026-01-02T00:00:00.000Z'), ('p4', 'skip', 'import', '2026-01-02T00:00:00.000Z')
                    """)
            }
            let pool = try store.loadPendingPool()
            XCTAssertEqual(pool.ids, ["p1", "p3"], kind)
            XCTAssertEqual(pool.embeddings?.row(1), [2, 1], kind)
            XCTAssertEqual(pool.prospects.map(\.embeddingRow), [0, 1], kind)
        }
    }

    /// A session active exactly at the `--since` UTC midnight is in; one a second earlier is
    /// out; the window only filters what is read.
    func testWindowBoundary() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let dir = try StoreScratch()
            let file = try dir.writeLines("p.jsonl", [
                StoreScratch.prospect("in-1", anchor: "at-midnight", ts: "2026-01-09T08:00:00Z"),
                StoreScratch.prospect("out-1", anchor: "second-before", ts: "2026-01-09T23:59:59Z"),
                StoreScratch.prospect("in-2", anchor: "at-midnight", ts: "2026-01-10T00:00:00Z"),
                StoreScratch.prospect("in-3", anchor: "later", ts: "2026-01-10T01:00:00+02:00"),   // 2026-01-09T23:00Z, but
                StoreScratch.prospect("in-4", anchor: "later", ts: "2026-02-01T00:00:00Z"),        // the session's latest wins
                StoreScratch.prospect("out-2", anchor: "old", ts: "2025-12-31T23:59:59.999Z"),
            ])
            try await ProspectImporter(store: store).importFile(file, vectors: .automatic(HashingEmbedder(dimension: 8)))
            let before = try StoreScratch.dump(store)
            let midnight = try UTCTimestamp(day: "2026-01-10")
            let pool = try store.loadPendingPool(in: JobWindow(since: midnight))
            XCTAssertEqual(pool.ids, ["in-1", "in-2", "in-3", "in-4"], kind)
            XCTAssertEqual(pool.prospects.map { $0.sessionLastActivity?.text }, [
                "2026-01-10T00:00:00.000Z", "2026-01-10T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z",
            ], kind)
            XCTAssertEqual(pool.embeddings?.rows, 4, kind)
            // Out of the window: untouched and still pending.
            XCTAssertEqual(try StoreScratch.dump(store), before, kind)
            XCTAssertEqual(try store.counts().pending, 6, kind)
            XCTAssertEqual(try store.loadPendingPool().ids, ["in-1", "out-1", "in-2", "in-3", "in-4", "out-2"], kind)
            // An upper bound is exclusive.
            XCTAssertEqual(try store.loadPendingPool(in: JobWindow(since: try UTCTimestamp(day: "2026-01-09"),
                                                                   until: midnight)).ids, ["out-1"], kind)
            XCTAssertEqual(try store.loadPendingPool(in: JobWindow(until: midnight)).ids, ["out-1", "out-2"], kind)
            XCTAssertEqual(try store.loadPendingPool(in: JobWindow(since: try UTCTimestamp(day: "2026-03-01"))).count, 0, kind)
            XCTAssertEqual(try store.pendingCount(in: JobWindow(since: midnight)), 4, kind)
            XCTAssertEqual(try store.pendingCount(), 6, kind)
            XCTAssertEqual(try store.pendingCount(in: JobWindow(until: midnight)), 2, kind)
            // A limit keeps the first of the window's prospects, in insertion order.
            let first = try store.loadPendingPool(in: JobWindow(since: midnight), limit: 2)
            XCTAssertEqual(first.ids, ["in-1", "in-2"], kind)
            XCTAssertEqual(first.embeddings?.rows, 2, kind)
            XCTAssertEqual(try store.loadPendingPool(limit: 10).ids, try store.loadPendingPool().ids, kind)
            XCTAssertEqual(try store.loadPendingPool(limit: 0).count, 0, kind)
        }
    }

    func testPoolMetadata() async throws {
        let store = try CurationStore.inMemory()
        let dir = try StoreScratch()
        let file = try dir.writeLines("p.jsonl", [
            StoreScratch.line(["prospect_id": "p", "anchor_key": "s", "anchor_type": "session", "prospect_type": "fact",
                               "label": "L", "summary": "S.", "confidence": 0.75, "ts": "2026-01-10T12:00:00.250Z",
                               "embedding": [1.0, 2.0]]),
        ])
        try await ProspectImporter(store: store).importFile(file, vectors: .automatic(nil))
        let prospect = try XCTUnwrap(try store.loadPendingPool().prospects.first)
        XCTAssertEqual(prospect, PendingProspect(
            prospectID: "p", anchorKey: "s", anchorType: "session", prospectType: "fact", label: "L", summary: "S.",
            confidence: 0.75, ts: try UTCTimestamp(iso8601: "2026-01-10T12:00:00.250Z"),
            sessionLastActivity: try UTCTimestamp(iso8601: "2026-01-10T12:00:00.250Z"), embeddingRow: 0))
    }

    func testProspectsWithoutEmbeddings() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            XCTAssertNil(try store.loadPendingPool().embeddings, kind)
            try StoreScratch.insertProspect(store, id: "a", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: nil)
            try StoreScratch.insertProspect(store, id: "b", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [3, 4])
            try StoreScratch.insertProspect(store, id: "c", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: nil)
            let pool = try store.loadPendingPool()
            XCTAssertEqual(pool.ids, ["a", "b", "c"], kind)
            XCTAssertEqual(pool.prospects.map(\.embeddingRow), [nil, 0, nil], kind)
            XCTAssertEqual(pool.embeddedIndices, [1], kind)
            XCTAssertFalse(pool.allEmbedded, kind)
            XCTAssertEqual(pool.embeddings?.row(0), [3, 4], kind)
            XCTAssertEqual(pool.embeddings?.norms, [5], kind)
        }
    }

    func testLoadCommitted() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let dir = try StoreScratch()
            let file = try dir.writeLines("c.jsonl", [
                StoreScratch.line(["item_id": "k2", "item_type": "pkg", "label": "two", "embedding": [0.0, 1.0, 0.5]]),
                StoreScratch.line(["item_id": "k1", "item_type": "lib", "summary": "one", "embedding": [1.0, 0.0, -0.5]]),
            ])
            try await CommittedImporter(store: store).importFile(file, vectors: .automatic(nil))
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO committed (item_id, item_type, label, source, committed_at)
                    VALUES ('k3', 'pkg', 'no vector', 'curator', '2026-01-01T00:00:00.000Z')
                    """)
            }
            let index = try store.loadCommitted()
            XCTAssertEqual(index.ids, ["k2", "k1", "k3"], kind)
            XCTAssertEqual(index.types, ["pkg", "lib", "pkg"], kind)
            XCTAssertEqual(index.labels, ["two", "", "no vector"], kind)
            XCTAssertEqual(index.items.map(\.source), ["import", "import", "curator"], kind)
            XCTAssertEqual(index.items.map(\.embeddingRow), [0, 1, nil], kind)
            XCTAssertEqual(index.embeddings?.rows, 2, kind)
            XCTAssertEqual(index.embeddings?.row(1), [1, 0, -0.5], kind)
            XCTAssertEqual(index.embeddedIndices, [0, 1], kind)
        }
    }

    /// More rows than the loader's first buffer (4,096 rows): it grows, then is trimmed.
    func testLargePoolsGrowTheBuffer() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let count = 9_000
            try store.write { db in
                for i in 0..<count {
                    try db.execute(sql: """
                        INSERT INTO prospects (prospect_id, anchor_key, ts, embedding, dim) VALUES (?, 's', '2026-01-01T00:00:00.000Z', ?, 2)
                        """, arguments: ["p\(i)", EmbeddingBlob.data(from: [Float(i), 1])])
                }
                // Resolve every third prospect, so the pool is smaller than the history.
                try db.execute(sql: """
                    INSERT INTO resolutions (prospect_id, decision, source, resolved_at)
                    SELECT prospect_id, 'reject', 'curator', 'x' FROM prospects WHERE seq % 3 = 0
                    """)
            }
            let pool = try store.loadPendingPool()
            let expected = (0..<count).filter { ($0 + 1) % 3 != 0 }
            XCTAssertEqual(pool.ids, expected.map { "p\($0)" }, kind)
            let matrix = try XCTUnwrap(pool.embeddings)
            XCTAssertEqual(matrix.rows, expected.count, kind)
            for (row, i) in expected.enumerated() where matrix.row(row) != [Float(i), 1] {
                XCTFail("row \(row) is \(matrix.row(row)), expected [\(i), 1], \(kind)")
                break
            }
        }
    }

    // MARK: timestamps and days

    func testDayParser() throws {
        XCTAssertEqual(try UTCTimestamp(day: "2026-01-10").text, "2026-01-10T00:00:00.000Z")
        XCTAssertEqual(try UTCTimestamp(day: "1970-01-01").millisecondsSince1970, 0)
        XCTAssertEqual(try UTCTimestamp(day: "2026-01-10").millisecondsSince1970, 1_768_003_200_000)
        XCTAssertEqual(try UTCTimestamp(day: "2024-02-29").text, "2024-02-29T00:00:00.000Z")
        let bad: [(String, String)] = [
            ("2026-1-10", "expected a date as YYYY-MM-DD"),
            ("2026-13-01", "month 13 is out of range 01-12"),
            ("2026-02-29", "day 29 is out of range for 2026-02 (01-28)"),
            ("2026-01-00", "day 00 is out of range"),
            ("2026-01-10T00:00:00Z", "with nothing after it"),
            ("", "expected a date as YYYY-MM-DD"),
            ("yesterday", "expected a date as YYYY-MM-DD"),
        ]
        for (text, message) in bad {
            XCTAssertThrowsError(try UTCTimestamp(day: text), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("invalid date \(text.debugDescription): "), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }

    func testTimestampParserNormalisesToUTC() throws {
        let cases: [(String, String)] = [
            ("2026-01-27T09:14:29Z", "2026-01-27T09:14:29.000Z"),
            ("2026-01-27t09:14:29z", "2026-01-27T09:14:29.000Z"),
            ("2026-01-27 09:14:29Z", "2026-01-27T09:14:29.000Z"),
            ("2026-01-27T10:14:29+01:00", "2026-01-27T09:14:29.000Z"),
            ("2026-01-27T00:30:00+01:00", "2026-01-26T23:30:00.000Z"),
            ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00.000Z"),
            ("2026-01-27T09:14:29.5Z", "2026-01-27T09:14:29.500Z"),
            ("2026-01-27T09:14:29.123456789Z", "2026-01-27T09:14:29.123Z"),
            ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
            ("2000-02-29T12:00:00Z", "2000-02-29T12:00:00.000Z"),
        ]
        for (input, text) in cases {
            XCTAssertEqual(try UTCTimestamp(iso8601: input).text, text, input)
            XCTAssertEqual(try UTCTimestamp(iso8601: text).text, text, "the stored form parses back: \(text)")
        }
        XCTAssertEqual(try UTCTimestamp(iso8601: "1970-01-01T00:00:01.5Z").millisecondsSince1970, 1500)
        XCTAssertLessThan(try UTCTimestamp(iso8601: "2026-01-09T23:59:59.999Z"), try UTCTimestamp(day: "2026-01-10"))
        for bad in ["2026-01-27T09:14:29", "2026-01-27", "2026-01-27T24:00:00Z", "2026-01-27T09:14:60Z",
                    "2026-01-27T09:14:29+0100", "2026-01-27T09:14:29Z junk", "2026-01-27T09:14:29.Z", "27/01/2026"] {
            XCTAssertThrowsError(try UTCTimestamp(iso8601: bad), bad)
        }
    }
}
