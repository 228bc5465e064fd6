import Curation
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import Kernels
import XCTest

final class StoreTests: XCTestCase {
    func testMigrationsCreateTheTables() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let tables = try store.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            }
            XCTAssertEqual(tables, ["committed", "embedding_cache", "grdb_migrations", "jobs", "local_batch_results",
                                    "local_batches", "prospects", "resolutions", "sessions", "sources", "store_info"], kind)
            XCTAssertEqual(try store.appliedMigrations(), ["v1", "v2", "v3"], kind)
            let indexes = try store.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            }
            XCTAssertEqual(indexes, ["committed_by_item", "committed_by_row_key", "local_batches_by_nonce", "prospects_by_anchor", "prospects_by_id",
                                     "sessions_by_prospect_activity", "sessions_by_source_activity", "sources_by_id"], kind)
            let triggers = try store.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            }
            XCTAssertEqual(triggers, ["committed_insert_dim", "committed_update_dim", "prospects_insert_dim", "prospects_update_dim"],
                           "the rebuilt tables keep their dimension triggers (\(kind))")
            XCTAssertEqual(try store.counts(), StoreCounts(prospects: 0, distinctProspects: 0, pending: 0, resolutions: [:],
                                                           committed: 0, sessions: 0), kind)
            XCTAssertNil(try store.embeddingDimension(), kind)
            XCTAssertTrue(try store.read { try Bool.fetchOne($0, sql: "PRAGMA foreign_keys") } ?? false, kind)
        }
    }

    func testOnDiskStoreIsWALAndReopensWithItsData() throws {
        let dir = try StoreScratch()
        let path = dir.path("curate.sqlite")
        for access in [CurationStore.Access.pool, .queue] {
            try? FileManager.default.removeItem(atPath: path)
            do {
                let store = try CurationStore(path: path, access: access)
                XCTAssertEqual(try store.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }, "wal")
                try store.write { db in
                    try db.execute(sql: "INSERT INTO sessions (anchor_key, prospect_activity) VALUES ('s', '2026-01-01T00:00:00.000Z')")
                }
            }
            let reopened = try CurationStore(path: path, access: access)
            XCTAssertEqual(try reopened.appliedMigrations(), ["v1", "v2", "v3"])
            XCTAssertEqual(try reopened.counts().sessions, 1)
        }
    }

    func testANewerSchemaIsRefused() throws {
        let dir = try StoreScratch()
        let path = dir.path("curate.sqlite")
        try CurationStore(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999')")
        }
        XCTAssertThrowsError(try CurationStore(path: path)) { error in
            XCTAssertEqual(error as? StoreError, .newerSchema(path: path, unknownMigrations: ["v999"]))
            XCTAssertTrue("\(error)".contains("newer version of curate"), "\(error)")
        }
    }

    func testOpeningFailuresNameThePath() throws {
        let dir = try StoreScratch()
        let missing = dir.path("no/such/dir/curate.sqlite")
        XCTAssertThrowsError(try CurationStore(path: missing)) { error in
            guard case let .cannotOpen(path, _)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing)
        }
        let notADatabase = try dir.write("junk.sqlite", String(repeating: "not a database\n", count: 100))
        XCTAssertThrowsError(try CurationStore(path: notADatabase)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot open the database \(notADatabase)"), "\(error)")
        }
    }

    func testEmbeddingBlobsAreLittleEndianFloat32() throws {
        let blob = EmbeddingBlob.data(from: [1, -2, 0.5])
        XCTAssertEqual(Array(blob), [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F])
        XCTAssertEqual(try EmbeddingBlob.floats(from: blob), [1, -2, 0.5])
        XCTAssertThrowsError(try EmbeddingBlob.floats(from: Data([1, 2, 3])))
        var out = [Float](repeating: 9, count: 3)
        XCTAssertTrue(out.withUnsafeMutableBufferPointer { EmbeddingBlob.copy(blob, into: $0.baseAddress!, count: 3) })
        XCTAssertEqual(out, [1, -2, 0.5])
        XCTAssertFalse(out.withUnsafeMutableBufferPointer { EmbeddingBlob.copy(blob, into: $0.baseAddress!, count: 2) })
    }

    func testSchemaConstraints() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO jobs (id, job_nonce, owner, provider, state, created_at)
                    VALUES (1, 'n', NULL, 'local', 'submitted', '2026-01-01T00:00:00.000Z')
                    """)
            }
            // One job slot only.
            XCTAssertThrowsError(try store.write { db in
                try db.execute(sql: """
                    INSERT INTO jobs (id, job_nonce, provider, state, created_at) VALUES (2, 'm', 'local', 's', 'x')
                    """)
            }, kind)
            XCTAssertThrowsError(try store.write { db in
                try db.execute(sql: "INSERT INTO resolutions (prospect_id, decision, source, resolved_at) VALUES ('p', 'maybe', 'curator', 'x')")
            }, kind)
            XCTAssertThrowsError(try store.write { db in
                try db.execute(sql: "INSERT INTO committed (item_id, item_type, source, committed_at) VALUES ('i', 't', 'elsewhere', 'x')")
            }, kind)
            // Embedding size must match dim.
            XCTAssertThrowsError(try store.write { db in
                try db.execute(sql: """
                    INSERT INTO prospects (prospect_id, anchor_key, ts, embedding, dim) VALUES ('p', 's', 'x', ?, 3)
                    """, arguments: [EmbeddingBlob.data(from: [1, 2])])
            }, kind)
        }
    }

    func testEveryEmbeddingOfAStoreHasOneDimension() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            try StoreScratch.insertProspect(store, id: "a", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [1, 0, 0])
            XCTAssertEqual(try store.embeddingDimension(), 3, kind)
            XCTAssertThrowsError(try StoreScratch.insertProspect(store, id: "b", anchor: "s", ts: "2026-01-01T00:00:00.000Z",
                                                                 vector: [1, 0]), kind) { error in
                XCTAssertTrue("\(error)".contains("embedding dimension does not match"), "\(error)")
            }
            XCTAssertThrowsError(try store.write { db in
                try db.execute(sql: """
                    INSERT INTO committed (item_id, item_type, embedding, dim, source, committed_at) VALUES ('i', 't', ?, 2, 'curator', 'x')
                    """, arguments: [EmbeddingBlob.data(from: [1, 0])])
            }, kind)
            XCTAssertEqual(try store.counts().prospects, 1, kind)
        }
    }

    func testCountsByDecision() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            for id in ["a", "b", "c", "d"] {
                try StoreScratch.insertProspect(store, id: id, anchor: "s\(id)", ts: "2026-01-01T00:00:00.000Z", vector: nil)
            }
            try StoreScratch.insertProspect(store, id: "a", anchor: "sa", ts: "2026-01-01T00:00:00.000Z", vector: nil)
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO resolutions (prospect_id, decision, source, resolved_at) VALUES
                    ('a', 'commit', 'curator', 'x'), ('b', 'skip', 'curator', 'x'), ('c', 'skip', 'import', 'x')
                    """)
                try db.execute(sql: "INSERT INTO sessions (anchor_key, prospect_activity) VALUES ('sa', 'x'), ('sb', 'x')")
            }
            let counts = try store.counts()
            XCTAssertEqual(counts, StoreCounts(prospects: 5, distinctProspects: 4, pending: 1,
                                               resolutions: [.commit: 1, .skip: 2], committed: 0, sessions: 2), kind)
            XCTAssertEqual(counts.resolved, 3, kind)
        }
    }
}
