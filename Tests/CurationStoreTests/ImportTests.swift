import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import Kernels
import Synchronization
import XCTest

final class ImportTests: XCTestCase {
    private let five = [
        StoreScratch.prospect("p1", anchor: "s1", ts: "2026-01-10T10:00:00Z", embedding: [1, 0, 0]),
        StoreScratch.prospect("p2", anchor: "s2", ts: "2026-01-11T10:00:00Z", embedding: [0, 1, 0]),
        StoreScratch.prospect("p3", anchor: "s1", ts: "2026-01-12T10:00:00Z", embedding: [0, 0, 1]),
        StoreScratch.prospect("p4", anchor: "s3", ts: "2026-01-13T10:00:00Z", embedding: [1, 1, 0]),
        StoreScratch.prospect("p5", anchor: "s2", ts: "2026-01-09T10:00:00Z", embedding: [0, 1, 1]),
    ]

    func testImportIsIdempotent() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let dir = try StoreScratch()
            let file = try dir.writeLines("p.jsonl", five)
            let first = try await ProspectImporter(store: store).importFile(file, vectors: .automatic(nil))
            XCTAssertEqual(first, ImportSummary(path: file, read: 5, inserted: 5, alreadyPresent: 0, sessionsTouched: 3,
                                                embedded: 0, vectorSource: "inline", dimension: 3), kind)
            let counts = try store.counts()
            let dump = try StoreScratch.dump(store)
            let second = try await ProspectImporter(store: store).importFile(file, vectors: .automatic(nil))
            XCTAssertEqual(second.inserted, 0, kind)
            XCTAssertEqual(second.alreadyPresent, 5, kind)
            XCTAssertEqual(second.sessionsTouched, 0, kind)
            XCTAssertEqual(try store.counts(), counts, kind)
            XCTAssertEqual(try StoreScratch.dump(store), dump, "byte-identical tables, \(kind)")
            // A file overlapping the first adds only the new lines.
            let more = try dir.writeLines("more.jsonl", [five[1], StoreScratch.prospect("p6", anchor: "s9", embedding: [1, 1, 1])])
            let third = try await ProspectImporter(store: store).importFile(more, vectors: .automatic(nil))
            XCTAssertEqual([third.read, third.inserted, third.alreadyPresent, third.sessionsTouched], [2, 1, 1, 1], kind)

            let committed = try dir.writeLines("c.jsonl", [
                StoreScratch.line(["item_id": "k1", "item_type": "t", "embedding": [1.0, 2.0, 3.0]]),
                StoreScratch.line(["item_id": "k2", "item_type": "t", "embedding": [3.0, 2.0, 1.0]]),
            ])
            let imported = try await CommittedImporter(store: store).importFile(committed, vectors: .automatic(nil))
            XCTAssertEqual(imported.inserted, 2, kind)
            let afterCommitted = try StoreScratch.dump(store)
            let again = try await CommittedImporter(store: store).importFile(committed, vectors: .automatic(nil))
            XCTAssertEqual([again.read, again.inserted, again.alreadyPresent], [2, 0, 2], kind)
            XCTAssertEqual(try StoreScratch.dump(store), afterCommitted, kind)
        }
    }

    /// Line 3 of 5 is bad in many ways: the error names the file and line 3, and the store
    /// keeps exactly the rows it had.
    func testABadLineImportsNothing() async throws {
        let good = five
        let badThirdLines: [(String, String)] = [
            (#"{"prospect_id": "p3", "anchor_key": "s1", "ts": "2026-01-12T10:00:00Z", "embedding": [0, NaN, 1]}"#, "invalid JSON"),
            (#"{"prospect_id": "p3", "anchor_key": "s1", "ts": "2026-01-12T10:00:00Z", "embedding": [0, 1e39, 1]}"#,
             #""embedding" value 1 is NaN or infinite as a float32 (1e+39)"#),
            (#"{"prospect_id": "p3", "anchor_key": "s1", "ts": "#, "invalid JSON"),
            (StoreScratch.prospect("p3", ts: "2026-13-01T00:00:00Z", embedding: [0, 0, 1]), #""ts" must be an ISO-8601 timestamp"#),
            (StoreScratch.prospect("p3", ts: "2026-01-12T10:00:00", embedding: [0, 0, 1]), "missing time zone"),
            (StoreScratch.prospect("p3", embedding: [0, 1]), #""embedding" has 2 values, expected 3 like line 1"#),
            (StoreScratch.line(["prospect_id": "p3", "anchor_key": "s1", "ts": "2026-01-12T10:00:00Z"]), #""embedding" is missing, but line 1 has one"#),
            (StoreScratch.prospect("p3", embedding: [0, 0, 1], extra: ["confidence": "high"]), #""confidence" must be a number in [0.0, 1.0], found a string"#),
            (StoreScratch.prospect("p3", embedding: [0, 0, 1], extra: ["confidence": 1.5]), "found 1.5"),
            (StoreScratch.prospect("p3", embedding: [0, 0, 1], extra: ["confidence": true]), "found a boolean"),
            (StoreScratch.prospect("p3", embedding: [0, 0, 1], extra: ["label": 7]), #""label" must be a string, found a number"#),
            (StoreScratch.line(["prospect_id": "p3", "ts": "2026-01-12T10:00:00Z", "embedding": [0.0, 0, 1]]), #"missing "anchor_key" field"#),
            (StoreScratch.prospect("", embedding: [0, 0, 1]), #""prospect_id" must not be empty"#),
            (StoreScratch.line(["prospect_id": 3, "anchor_key": "s1", "ts": "2026-01-12T10:00:00Z", "embedding": [0.0, 0, 1]]), #""prospect_id" must be a string, found a number"#),
            (StoreScratch.prospect("p1", embedding: [0, 0, 1]), #"duplicate prospect_id "p1" (first on line 1)"#),
            (StoreScratch.prospect("p3", embedding: [0, 0, 1], extra: ["embedding": ["x", "y", "z"]]), #""embedding" value 0 must be a number, found a string"#),
            ("[1, 2, 3]", "expected a JSON object, found an array"),
        ]
        try await StoreScratch.withEveryStore { store, kind in
            let dir = try StoreScratch()
            // Something in the store beforehand, so "unchanged" is not just "empty".
            let earlier = try dir.writeLines("earlier.jsonl", [StoreScratch.prospect("p0", anchor: "s1", ts: "2026-01-01T00:00:00Z",
                                                                                    embedding: [1, 2, 3])])
            try await ProspectImporter(store: store).importFile(earlier, vectors: .automatic(nil))
            let counts = try store.counts()
            let dump = try StoreScratch.dump(store)
            for (bad, message) in badThirdLines {
                var lines = good
                lines[2] = bad
                let file = try dir.writeLines("bad.jsonl", lines)
                await XCTAssertThrowsErrorAsync(try await ProspectImporter(store: store).importFile(file, vectors: .automatic(nil)), bad) { error in
                    guard let error = error as? ImportError else { return XCTFail("\(error)") }
                    XCTAssertEqual(error.line, 3, "\(error), \(kind)")
                    XCTAssertEqual(error.path, file, kind)
                    XCTAssertTrue(error.description.hasPrefix("\(file):3: "), error.description)
                    XCTAssertTrue(error.description.contains(message), "\(error.description) should say \(message)")
                }
                XCTAssertEqual(try store.counts(), counts, kind)
                XCTAssertEqual(try StoreScratch.dump(store), dump, "store unchanged after \(bad), \(kind)")
            }
        }
    }

    func testSessionsKeepTheLatestActivity() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let dir = try StoreScratch()
            func importLines(_ lines: [String]) async throws {
                try await ProspectImporter(store: store).importFile(try dir.writeLines("p.jsonl", lines), vectors: .automatic(nil))
            }
            func lastActivity(_ anchor: String) throws -> String? {
                try store.read { try String.fetchOne($0, sql: "SELECT prospect_activity FROM sessions WHERE anchor_key = ?", arguments: [anchor]) }
            }
            try await importLines([
                StoreScratch.prospect("a", anchor: "s", ts: "2026-01-10T12:00:00Z"),
                StoreScratch.prospect("b", anchor: "s", ts: "2026-01-10T13:00:00+02:00"),   // 11:00Z, earlier
                StoreScratch.prospect("c", anchor: "t", ts: "2026-01-05T00:00:00Z"),
            ])
            XCTAssertEqual(try lastActivity("s"), "2026-01-10T12:00:00.000Z", kind)
            XCTAssertEqual(try lastActivity("t"), "2026-01-05T00:00:00.000Z", kind)
            try await importLines([StoreScratch.prospect("d", anchor: "s", ts: "2026-01-01T00:00:00Z")])
            XCTAssertEqual(try lastActivity("s"), "2026-01-10T12:00:00.000Z", "an older prospect does not lower it, \(kind)")
            try await importLines([StoreScratch.prospect("e", anchor: "s", ts: "2026-01-10T12:00:00.001Z")])
            XCTAssertEqual(try lastActivity("s"), "2026-01-10T12:00:00.001Z", kind)
            // A re-imported prospect with a later ts is already present: it changes nothing.
            try await importLines([StoreScratch.prospect("c", anchor: "t", ts: "2027-01-01T00:00:00Z")])
            XCTAssertEqual(try lastActivity("t"), "2026-01-05T00:00:00.000Z", kind)
            XCTAssertEqual(try store.read { try String.fetchOne($0, sql: "SELECT ts FROM prospects WHERE prospect_id = 'b'") },
                           "2026-01-10T11:00:00.000Z", "stored in UTC, \(kind)")
        }
    }

    func testDefaultsAndOptionalFields() async throws {
        let store = try CurationStore.inMemory()
        let dir = try StoreScratch()
        let file = try dir.writeLines("p.jsonl", [
            StoreScratch.line(["prospect_id": "p", "anchor_key": "s", "ts": "2026-01-10T12:00:00Z", "label": NSNull(),
                               "source_keys": ["b": [1, 2], "a": "x/y"], "source_dataset": "ds", "ignored": [1]]),
        ])
        try await ProspectImporter(store: store).importFile(file, vectors: .automatic(nil))
        let row = try XCTUnwrap(try store.read { db in
            try Row.fetchOne(db, sql: "SELECT label, summary, confidence, anchor_type, prospect_type, source_dataset, source_keys, embedding, dim FROM prospects")
        })
        XCTAssertEqual(row[0] as String, "")
        XCTAssertEqual(row[1] as String, "")
        XCTAssertEqual(row[2] as Double, 0.5)
        XCTAssertNil(row[3] as String?)
        XCTAssertNil(row[4] as String?)
        XCTAssertEqual(row[5] as String?, "ds")
        XCTAssertEqual(row[6] as String?, #"{"a":"x/y","b":[1,2]}"#)
        XCTAssertNil(row[7] as Data?, "embedder none: no vector")
        XCTAssertNil(row[8] as Int?)
        XCTAssertNil(try store.embeddingDimension())
    }

    func testVectorsFromTheEmbedder() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let dir = try StoreScratch()
            let embedder = HashingEmbedder(dimension: 16)
            let file = try dir.writeLines("p.jsonl", [
                StoreScratch.line(["prospect_id": "a", "anchor_key": "s", "ts": "2026-01-10T12:00:00Z", "label": "curl", "summary": "Transfer data"]),
                StoreScratch.line(["prospect_id": "b", "anchor_key": "s", "ts": "2026-01-10T12:00:00Z", "label": "wget"]),
            ])
            let summary = try await ProspectImporter(store: store).importFile(file, vectors: .automatic(embedder))
            XCTAssertEqual(summary.embedded, 2, kind)
            XCTAssertEqual(summary.vectorSource, embedder.model, kind)
            let pool = try store.loadPendingPool()
            XCTAssertEqual(pool.embeddings?.row(0), embedder.embed(": curl - Transfer data"), "\(kind): the text of §2, without a type")
            XCTAssertEqual(pool.embeddings?.row(1), embedder.embed(": wget"), kind)
            XCTAssertEqual(try store.embeddingSpace(), embedder.model, kind)
            // Already present lines are not embedded again.
            let present = try await ProspectImporter(store: store).importFile(file, vectors: .automatic(embedder))
            XCTAssertEqual(present.embedded, 0, kind)
            // Committed items get vectors the same way, in the same space.
            let committed = try dir.writeLines("c.jsonl", [StoreScratch.line(["item_id": "k", "item_type": "pkg", "label": "curl"])])
            try await CommittedImporter(store: store).importFile(committed, vectors: .automatic(embedder))
            XCTAssertEqual(try store.loadCommitted().embeddings?.row(0), embedder.embed("pkg: curl"), kind)
        }
    }

    /// Progress goes to `onProgress`: each line read, each chunk embedded and each row written
    /// (a line already present is neither embedded nor written, but counted in the written lines).
    func testProgressGoesToTheHandler() async throws {
        let store = try CurationStore.inMemory()
        let dir = try StoreScratch()
        let embedder = HashingEmbedder(dimension: 8)
        let lines = (1...3).map { StoreScratch.line(["prospect_id": "p\($0)", "anchor_key": "s", "ts": "2026-01-10T12:00:00Z"]) }
        try await ProspectImporter(store: store).importFile(try dir.writeLines("first.jsonl", [lines[1]]), vectors: .automatic(embedder))
        let file = try dir.writeLines("p.jsonl", lines)
        let recorder = ProgressRecorder()
        try await ProspectImporter(store: store, onProgress: { recorder.record($0) }).importFile(file, vectors: .automatic(embedder))
        XCTAssertEqual(recorder.events, [
            ImportProgress(path: file, phase: .reading, done: 1), ImportProgress(path: file, phase: .reading, done: 2),
            ImportProgress(path: file, phase: .reading, done: 3), ImportProgress(path: file, phase: .embedding, done: 2, total: 2),
            ImportProgress(path: file, phase: .writing, done: 1, total: 3), ImportProgress(path: file, phase: .writing, done: 3, total: 3),
        ])
    }

    func testDimensionAndModelMismatchesAreRefused() async throws {
        try await StoreScratch.withEveryStore { store, kind in
            let dir = try StoreScratch()
            try await ProspectImporter(store: store).importFile(try dir.writeLines("a.jsonl", [five[0]]), vectors: .automatic(nil))
            let dump = try StoreScratch.dump(store)
            let other = try dir.writeLines("b.jsonl", [StoreScratch.prospect("q", embedding: [1, 2])])
            await XCTAssertThrowsErrorAsync(try await ProspectImporter(store: store).importFile(other, vectors: .automatic(nil))) { error in
                XCTAssertEqual(error as? ImportError, .dimensionMismatch(path: other, storeDimension: 3, importDimension: 2), kind)
                XCTAssertEqual("\(error)", "\(other): embeddings of dimension 2, but the store's embeddings have dimension 3 "
                               + "(every embedding in a store has one dimension)")
            }
            let committed = try dir.writeLines("c.jsonl", [StoreScratch.line(["item_id": "k", "item_type": "t", "embedding": [1.0]])])
            await XCTAssertThrowsErrorAsync(try await CommittedImporter(store: store).importFile(committed, vectors: .automatic(nil))) { error in
                XCTAssertEqual(error as? ImportError, .dimensionMismatch(path: committed, storeDimension: 3, importDimension: 1), kind)
            }
            let f32 = try dir.writeF32("c.f32", [[1, 2, 3, 4]])
            let plain = try dir.writeLines("plain.jsonl", [StoreScratch.line(["item_id": "k", "item_type": "t"])])
            await XCTAssertThrowsErrorAsync(try await CommittedImporter(store: store).importFile(plain, vectors: .file(path: f32, dimension: 4))) { error in
                XCTAssertEqual(error as? ImportError, .dimensionMismatch(path: plain, storeDimension: 3, importDimension: 4), kind)
            }
            // Same dimension, another source: the hashing embedder's vectors never mix with given ones.
            await XCTAssertThrowsErrorAsync(try await CommittedImporter(store: store).importFile(plain, vectors: .automatic(HashingEmbedder(dimension: 3)))) { error in
                XCTAssertEqual(error as? ImportError,
                               .embeddingSpaceMismatch(path: plain, store: "external", importing: HashingEmbedder().model), kind)
                XCTAssertTrue("\(error)".contains("refusing to mix"), "\(error)")
            }
            XCTAssertEqual(try StoreScratch.dump(store), dump, kind)
        }
    }

    func testVectorFileErrors() async throws {
        let store = try CurationStore.inMemory()
        let dir = try StoreScratch()
        let lines = [StoreScratch.prospect("a"), StoreScratch.prospect("b"), StoreScratch.prospect("c")]
        let file = try dir.writeLines("p.jsonl", lines)
        func refusal(_ vectors: VectorSource, jsonl: String? = nil) async -> ImportError? {
            do {
                try await ProspectImporter(store: store).importFile(jsonl ?? file, vectors: vectors)
                return nil
            } catch {
                return error
            }
        }
        let short = try dir.writeF32("short.f32", [[1, 2], [3, 4]])
        let rowCount = await refusal(.file(path: short, dimension: 2))
        XCTAssertEqual(rowCount?.description,
                       "\(short): has 2 rows but \(file) has 3 lines (row i of the .f32 is line i+1 of the .jsonl)")
        let byteCount = await refusal(.file(path: short, dimension: 3))
        XCTAssertEqual(byteCount?.description,
                       "\(short): 16 bytes is not a whole number of float32 rows of dimension 3 (12 bytes each)")
        let nan = try dir.writeF32("nan.f32", [[1, 2], [3, 4], [5, .nan]])
        let nonFinite = await refusal(.file(path: nan, dimension: 2))
        XCTAssertEqual(nonFinite?.description,
                       "\(nan): row 2, column 1 is NaN or infinite (row 2 is line 3 of \(file); rows and columns count from 0)")
        let missing = await refusal(.file(path: dir.path("missing.f32"), dimension: 2))
        XCTAssertTrue(missing?.description.hasPrefix("cannot read \(dir.path("missing.f32"))") ?? false)
        let inline = try dir.writeLines("inline.jsonl", [StoreScratch.prospect("a", embedding: [1, 2]), StoreScratch.prospect("b", embedding: [1, 2])])
        let good = try dir.writeF32("good.f32", [[1, 2], [3, 4]])
        let error = await refusal(.file(path: good, dimension: 2), jsonl: inline)
        XCTAssertEqual(error?.line, 1)
        XCTAssertTrue(error?.description.contains("is given inline but the vectors come from \(good)") ?? false, "\(String(describing: error))")
        let noEmbedder = await refusal(.automatic(makeEmbedder: { throw ConfigError(path: "x.toml", message: "no embedder") }))
        XCTAssertTrue(noEmbedder?.description.contains("cannot embed") ?? false)
        XCTAssertEqual(try store.counts().prospects, 0)
    }

    func testCommittedLinesAreChecked() async throws {
        let store = try CurationStore.inMemory()
        let dir = try StoreScratch()
        let cases: [(String, String)] = [
            (StoreScratch.line(["item_id": "k2", "label": "x"]), #"missing "item_type" field"#),
            (StoreScratch.line(["item_id": "k1", "item_type": "t"]), #"duplicate item_id "k1" (first on line 1)"#),
            (StoreScratch.line(["item_id": "k2", "item_type": "t", "summary": ["no"]]), #""summary" must be a string, found an array"#),
        ]
        for (bad, message) in cases {
            let file = try dir.writeLines("c.jsonl", [StoreScratch.line(["item_id": "k1", "item_type": "t"]), bad])
            await XCTAssertThrowsErrorAsync(try await CommittedImporter(store: store).importFile(file, vectors: .automatic(nil))) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(file):2: "), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        XCTAssertEqual(try store.counts().committed, 0)
    }

    /// The 2,000-row debian-minilm fixture with its .f32 vectors: a realistic import.
    func testFixtureImport() async throws {
        let jsonl = StoreScratch.fixture("debian-minilm-2000.jsonl")
        let f32 = StoreScratch.fixture("debian-minilm-2000.f32")
        let dir = try StoreScratch()
        let store = try CurationStore(path: dir.path("curate.sqlite"))
        let summary = try await ProspectImporter(store: store).importFile(jsonl, vectors: .file(path: f32, dimension: 384))
        XCTAssertEqual(summary.read, 2000)
        XCTAssertEqual(summary.inserted, 2000)
        XCTAssertEqual(summary.dimension, 384)

        // Expected sessions: the max ts per anchor_key, read independently of the importer.
        var latest: [String: UTCTimestamp] = [:]
        var ids: [String] = []
        for line in try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n") {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let anchor = try XCTUnwrap(object["anchor_key"] as? String)
            let ts = try UTCTimestamp(iso8601: try XCTUnwrap(object["ts"] as? String))
            latest[anchor] = max(latest[anchor] ?? ts, ts)
            ids.append(try XCTUnwrap(object["prospect_id"] as? String))
        }
        XCTAssertEqual(summary.sessionsTouched, latest.count)
        let sessions = try store.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT anchor_key, prospect_activity FROM sessions")
                .map { ($0[0] as String, $0[1] as String) })
        }
        XCTAssertEqual(sessions, latest.mapValues(\.text))

        let pool = try store.loadPendingPool()
        XCTAssertEqual(pool.ids, ids)
        let expected = try EmbeddingMatrix(contentsOfFile: f32, dimension: 384)
        let matrix = try XCTUnwrap(pool.embeddings)
        XCTAssertEqual(matrix.rows, 2000)
        for i in 0..<matrix.rows where matrix.row(i) != expected.row(i) {
            XCTFail("row \(i) differs")
            break
        }
        XCTAssertEqual(matrix.norms, expected.norms)

        let again = try await ProspectImporter(store: store).importFile(jsonl, vectors: .file(path: f32, dimension: 384))
        XCTAssertEqual([again.inserted, again.alreadyPresent], [0, 2000])
        XCTAssertEqual(try store.counts().prospects, 2000)
    }
}

/// Keeps the progress an import reports.
private final class ProgressRecorder: Sendable {
    private let kept = Mutex<[ImportProgress]>([])

    /// The progress reported so far, in order.
    var events: [ImportProgress] { kept.withLock { $0 } }

    /// Keeps `progress`.
    func record(_ progress: ImportProgress) {
        kept.withLock { $0.append(progress) }
    }
}
