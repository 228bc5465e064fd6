import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import XCTest

/// Committed rows as the original keeps them (`seed-contract.md` §1): append-only, one row per
/// contributing session, several per item; recall sees one entry per item, which a deepen
/// refreshes; exports in the original's shapes with cursors.
final class ProvenanceTests: XCTestCase {
    /// A cross-session merge yields two committed rows for one item, one per session, and recall
    /// still sees one item.
    func testACrossSessionMergeWritesARowPerSession() async throws {
        let store = try await DecisionTests.storeWithRuleProspects()
        let answer = CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [
            ["index": 1, "decision": "commit", "item_key": "tool:curl", "item_type": "Tool"],
            ["index": 3, "decision": "merge", "merge_into": "tool:curl", "item_type": "Tool"],
        ]]), memberCount: 3)
        let tally = try store.write { db in
            try DecisionRouter.apply(answer.routes, prospectIDs: ["p1", "p2", "p3"], jobID: "job", resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(tally.committedRows, 2)
        XCTAssertEqual(tally.newItems, 1)
        let rows = try DecisionTests.exportedRows(store).committed
        XCTAssertEqual(rows.map { $0["item_id"] }, ["tool:curl", "tool:curl"])
        XCTAssertEqual(rows.map { $0["anchor_key"] }, ["s1", "s3"], "each contributing session has its row")
        let recall = try store.loadCommitted()
        XCTAssertEqual(recall.ids, ["tool:curl"])
        XCTAssertEqual(recall.items.first?.label, "curl", "the commit's row, not the merge's")
    }

    /// A deepen appends a row whose label, summary and vector recall then uses for the item; a
    /// later merge does not replace them.
    func testADeepenRefreshesWhatRecallSees() async throws {
        let store = try CurationStore.inMemory()
        try await JobScratch.importCommitted(store, [JobScratch.committed("tool:curl", type: "Tool", vector: [1, 0, 0])])
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("deeper", anchor: "s1", label: "curl", type: "Tool", vector: [0.8, 0.6, 0]),
            JobScratch.prospect("same", anchor: "s2", label: "cURL again", type: "Tool", vector: [0, 0, 1]),
        ])
        let answer = CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [
            ["index": 1, "decision": "deepen", "item_key": "tool:curl", "label": "curl", "summary": "Also fetches headers."],
            ["index": 2, "decision": "merge", "merge_into": "tool:curl", "item_type": "Tool", "label": "cURL"],
        ]]), memberCount: 2)
        _ = try store.write { db in
            try DecisionRouter.apply(answer.routes, prospectIDs: ["deeper", "same"], jobID: "job", resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(try store.counts().committed, 3)
        let recall = try store.loadCommitted()
        XCTAssertEqual(recall.count, 1)
        let item = try XCTUnwrap(recall.items.first)
        XCTAssertEqual(item.summary, "Also fetches headers.")
        XCTAssertEqual(item.text, "Tool: curl - Also fetches headers.")
        XCTAssertEqual(item.source, "curator")
        XCTAssertEqual(recall.embeddings?.row(try XCTUnwrap(item.embeddingRow)), [0.8, 0.6, 0], "the deepening prospect's vector")
    }

    /// With the store's vectors from an embedder, a row written by a job carries the vector of its
    /// own text (so a merge row, which has no summary, differs from its prospect's); and an item
    /// whose representative row has no vector is recalled by its next row that has one.
    func testRowVectorsEmbedTheRowsTextAndFallBack() async throws {
        let store = try CurationStore.inMemory()
        let embedder = HashingEmbedder()
        try await JobScratch.importProspects(store, [
            #"{"prospect_id": "a", "anchor_key": "s1", "ts": "2026-01-01T00:00:00Z", "prospect_type": "lib", "label": "libfoo", "summary": "Foo library.", "confidence": 0.9}"#,
            #"{"prospect_id": "b", "anchor_key": "s2", "ts": "2026-01-01T00:00:00Z", "prospect_type": "lib", "label": "libfoo", "summary": "Foo library!", "confidence": 0.5}"#,
        ], vectors: .automatic(embedder))
        let report = try await JobScratch.backfill(store).run(BackfillScope())
        XCTAssertEqual(report.tally.committed, 1)
        XCTAssertEqual(report.tally.merged, 1)
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT decision, label, summary, embedding FROM committed ORDER BY seq")
        }
        XCTAssertEqual(rows.map { $0["decision"] as String? }, ["commit", "merge"])
        XCTAssertEqual(try EmbeddingBlob.floats(from: rows[0]["embedding"]), embedder.embed("lib: libfoo - Foo library."))
        XCTAssertEqual(try EmbeddingBlob.floats(from: rows[1]["embedding"]), embedder.embed("lib: libfoo"),
                       "the merge row's own text, not prospect b's")

        let external = try CurationStore.inMemory()
        try await JobScratch.importCommitted(external, [JobScratch.committed("tool:curl", type: "Tool", vector: [1, 0, 0])])
        try external.write { db in
            try db.execute(sql: """
                INSERT INTO committed (item_id, item_type, label, summary, committed_at, source, decision)
                VALUES ('tool:curl', 'Tool', 'curl', 'deeper', '2030-01-01T00:00:00.000Z', 'curator', 'deepen')
                """)
        }
        let recall = try external.loadCommitted()
        XCTAssertEqual(recall.items.first?.summary, "deeper")
        XCTAssertEqual(recall.embeddings?.row(try XCTUnwrap(recall.items.first?.embeddingRow)), [1, 0, 0],
                       "the deepen row has no vector: the imported row's stands in")
    }

    /// The original's committed rows import as several rows per item; importing them again
    /// inserts nothing; recall sees one item per (type, key) with its latest row's text.
    func testImportingTheOriginalsCommittedRows() async throws {
        let store = try CurationStore.inMemory()
        let path = JobScratch.fixture("hypaware/enrichment_committed.jsonl")
        let first = try await CommittedImporter(store: store).importFile(path, vectors: .automatic(HashingEmbedder()))
        XCTAssertEqual(first.format, "hypaware")
        XCTAssertEqual(first.inserted, 3)
        let again = try await CommittedImporter(store: store).importFile(path, vectors: .automatic(HashingEmbedder()))
        XCTAssertEqual(again.inserted, 0)
        XCTAssertEqual(again.alreadyPresent, 3)
        let recall = try store.loadCommitted()
        XCTAssertEqual(recall.ids, ["tool:curl", "concept:tls"])
        XCTAssertEqual(recall.items[0].summary, "Command-line HTTP client for URLs.", "the row of 2025-12-02, props given as a string")
        let exported = try StoreExport.rows(of: .committed, in: store, after: nil, includeImported: true).jsonLines
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(try exported.split(separator: "\n").map { try JSONValue(parsing: String($0)) },
                       try lines.map { try Self.normalised(JSONValue(parsing: String($0))) },
                       "an exported imported row is the original row, JSON strings parsed and integers as numbers")
        XCTAssertEqual(try StoreExport.rows(of: .committed, in: store, after: nil).rows, 0, "imported rows are not exported by default")
    }

    /// Exports: insertion order, only curate's rows by default, `--after` exports the rows added
    /// since, a cursor of the other table or past the store's newest row is refused.
    func testExportCursors() async throws {
        let store = try await DecisionTests.storeWithRuleProspects()
        func decide(_ index: Int, _ decision: JSONValue) throws {
            let answer = CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [["index": .integer(index), "decision": decision]]]),
                                             memberCount: 3)
            _ = try store.write { db in
                try DecisionRouter.apply(answer.routes, prospectIDs: ["p1", "p2", "p3"], jobID: "job", resolvedAt: .now(), db: db)
            }
        }
        try decide(1, "commit")
        let first = try StoreExport.rows(of: .committed, in: store, after: nil)
        XCTAssertEqual(first.rows, 1)
        XCTAssertEqual(first.cursor.description, "committed:1")
        let firstResolutions = try StoreExport.rows(of: .resolutions, in: store, after: nil)
        XCTAssertEqual(firstResolutions.rows, 3, "p1's commit and the two omitted rejects")
        XCTAssertEqual(firstResolutions.cursor, StoreExport.Cursor(table: .resolutions, seq: 3))

        let none = try StoreExport.rows(of: .committed, in: store, after: first.cursor)
        XCTAssertEqual(none.rows, 0)
        XCTAssertEqual(none.jsonLines, "")
        XCTAssertEqual(none.cursor, first.cursor)
        try await JobScratch.importCommitted(store, [JobScratch.committed("imported:x", vector: [0, 1, 0])])
        XCTAssertEqual(try StoreExport.rows(of: .committed, in: store, after: first.cursor).rows, 0, "an imported row is skipped…")
        XCTAssertEqual(try StoreExport.rows(of: .committed, in: store, after: first.cursor).cursor.seq, 2, "…and passed over")
        XCTAssertEqual(try StoreExport.rows(of: .committed, in: store, after: first.cursor, includeImported: true).rows, 1)

        XCTAssertEqual(try StoreExport.Cursor(parsing: "resolutions:17"), StoreExport.Cursor(table: .resolutions, seq: 17))
        for bad in ["", "committed", "committed:", "committed:-1", "commits:3", "committed:3:4", "3"] {
            XCTAssertThrowsError(try StoreExport.Cursor(parsing: bad), bad)
        }
        XCTAssertThrowsError(try StoreExport.rows(of: .resolutions, in: store, after: first.cursor)) { error in
            XCTAssertEqual(error as? ExportError, .cursorOfOtherTable(first.cursor, expected: .resolutions))
        }
        XCTAssertThrowsError(try StoreExport.rows(of: .committed, in: store, after: StoreExport.Cursor(table: .committed, seq: 99))) {
            XCTAssertTrue("\($0)".contains("another store"), "\($0)")
        }
    }

    /// An old store (v2: one committed row per item, resolutions with `item_key`) migrates: rows,
    /// keys, notes and vectors are kept and read in the original's shapes.
    func testAVersion2StoreMigrates() throws {
        let scratch = try JobScratch()
        do {
            let queue = try DatabaseQueue(path: scratch.databasePath)
            var migrator = DatabaseMigrator()
            for migration in StoreSchema.migrations where migration.id != "v3" {
                migrator.registerMigration(migration.id) { db in for sql in migration.statements { try db.execute(sql: sql) } }
            }
            try migrator.migrate(queue)
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO prospects (prospect_id, anchor_key, label, summary, confidence, ts, embedding, dim)
                    VALUES ('p', 's', 'curl', 'a client', 0.5, '2026-01-01T00:00:00.000Z', ?, 2)
                    """, arguments: [EmbeddingBlob.data(from: [1, 0])])
                try db.execute(sql: "INSERT INTO sessions VALUES ('s', '2026-01-01T00:00:00.000Z')")
                try db.execute(sql: """
                    INSERT INTO committed (item_id, item_type, label, summary, embedding, dim, source, created_at)
                    VALUES ('tool:curl', 'Tool', 'curl', 'a client', ?, 2, 'curator', '2026-01-02T00:00:00.000Z'),
                           ('tool:wget', 'Tool', 'wget', '', NULL, NULL, 'import', '2026-01-02T00:00:00.000Z')
                    """, arguments: [EmbeddingBlob.data(from: [1, 0])])
                try db.execute(sql: """
                    INSERT INTO resolutions (prospect_id, decision, item_key, note, job_id, resolved_at)
                    VALUES ('p', 'commit', 'tool:curl', '', 'j', '2026-01-02T00:00:00.000Z'),
                           ('q', 'reject', NULL, 'vague', 'j', '2026-01-02T00:00:00.000Z')
                    """)
            }
        }
        let store = try scratch.store()
        XCTAssertEqual(try store.appliedMigrations(), ["v1", "v2", "v3"])
        let (committed, resolutions) = try DecisionTests.exportedRows(store)
        XCTAssertEqual(committed, [["item_id": "tool:curl", "item_type": "Tool", "label": "curl", "props": ["summary": "a client"],
                                    "confidence": nil, "anchor_type": nil, "anchor_key": nil, "source_dataset": nil,
                                    "source_keys": nil, "curator": "enrich.t2", "curator_version": 1]])
        XCTAssertEqual(resolutions, [
            ["prospect_id": "p", "decision": "commit", "committed_ids": ["tool:curl"], "note": nil, "curator": "enrich.t2",
             "curator_version": 1],
            ["prospect_id": "q", "decision": "reject", "committed_ids": nil, "note": "vague", "curator": "enrich.t2",
             "curator_version": 1],
        ])
        XCTAssertEqual(try store.loadCommitted().ids, ["tool:curl", "tool:wget"])
        XCTAssertEqual(try store.loadPendingPool().count, 0)
        XCTAssertEqual(try store.embeddingDimension(), 2)
        XCTAssertThrowsError(try store.write { db in
            try db.execute(sql: "UPDATE committed SET dim = 3, embedding = ? WHERE item_id = 'tool:curl'",
                           arguments: [EmbeddingBlob.data(from: [1, 0, 0])])
        }, "the dimension triggers are back on the rebuilt tables")
    }

    /// An original row as `curate export` writes it: JSON columns parsed from strings,
    /// integers given as strings as numbers.
    static func normalised(_ row: JSONValue) throws -> JSONValue {
        let object = try XCTUnwrap(row.objectValue)
        return .object(JSONObject(object.members.map { member in
            switch (member.key, member.value) {
            case let ("props", .string(text)), let ("source_keys", .string(text)):
                return (member.key, (try? JSONValue(parsing: text)) ?? member.value)
            case let ("curator_version", .string(text)):
                return (member.key, Int(text).map(JSONValue.integer) ?? member.value)
            default:
                return member
            }
        }))
    }
}
