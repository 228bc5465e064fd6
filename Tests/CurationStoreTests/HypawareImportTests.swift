import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import XCTest

/// The original's rows in (`seed-contract.md` §1): prospects, committed rows, resolutions and
/// source rows as `hyp query sql … --format jsonl` prints them; the format told by the first
/// line; the same guarantees as `curate`'s own rows (idempotent, all or nothing, one
/// line-numbered error).
final class HypawareImportTests: XCTestCase {
    /// Prospects in the original's shape: `props` as an object or a JSON string (its `summary`),
    /// null confidence kept null, `created_at` as the timestamp, `extractor_version` as a string
    /// or an integer; the embedder embeds `<type>: <label> - <summary>`.
    func testProspectsInTheOriginalsShape() async throws {
        let store = try CurationStore.inMemory()
        let path = JobScratch.fixture("hypaware/enrichment_prospects.jsonl")
        let recorder = RecordingEmbedder()
        let summary = try await ProspectImporter(store: store).importFile(path, vectors: .automatic(recorder))
        XCTAssertEqual(summary.format, "hypaware")
        XCTAssertEqual(summary.inserted, 7)
        XCTAssertEqual(recorder.texts.first, "Tool: curl - Command-line HTTP client.")
        XCTAssertTrue(recorder.texts.contains("Fact: teh build is broken"), "no summary: `<type>: <label>`")
        XCTAssertTrue(recorder.texts.contains("Tool: curl - Command-line HTTP client used to fetch URLs."), "props given as a string")
        let pool = try store.loadPendingPool()
        let again = try XCTUnwrap(pool.prospects.first { $0.prospectID == "02-curl-again" })
        XCTAssertNil(again.confidence)
        XCTAssertEqual(again.summary, "Command-line HTTP client used to fetch URLs.")
        XCTAssertEqual(again.anchorType, "Session")
        XCTAssertEqual(again.ts.text, "2026-04-01T09:05:00.000Z")
        XCTAssertEqual(SourceExcerpt.ids(of: [again], column: "message_id"), ["b-1"])
        let row = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT evidence, extractor, extractor_version FROM prospects WHERE prospect_id = '01-curl-flags'")
        }
        XCTAssertEqual(row?["evidence"], "ran curl -I https://example.org")
        XCTAssertEqual(row?["extractor"], "enrich.t1")
        XCTAssertEqual(row?["extractor_version"], 3)
        let twice = try await ProspectImporter(store: store).importFile(path, vectors: .automatic(recorder))
        XCTAssertEqual(twice.inserted, 0, "idempotent")
    }

    /// `--format auto` decides by the first line: `ts` is curate's, `created_at` the original's;
    /// a line with neither or both is refused with its line number, and nothing is written.
    func testTheFirstLineDecidesTheFormat() async throws {
        let store = try CurationStore.inMemory()
        func importLines(_ lines: [String], format: ImportFormat? = nil) async throws -> ImportSummary {
            try await ProspectImporter(store: store)
                .importData(Data(lines.map { $0 + "\n" }.joined().utf8), path: "p.jsonl", vectors: .automatic(nil), format: format)
        }
        let neither = #"{"prospect_id": "x", "anchor_key": "s"}"#
        await XCTAssertThrowsErrorAsync(try await importLines(["", neither])) { error in
            XCTAssertEqual((error as? ImportError)?.line, 2)
            XCTAssertTrue("\(error)".contains(#"neither "ts" (a curate prospect) nor "created_at""#), "\(error)")
            XCTAssertTrue("\(error)".contains("--format"), "\(error)")
        }
        let both = #"{"prospect_id": "x", "anchor_key": "s", "ts": "2026-01-01T00:00:00Z", "created_at": "2026-01-01T00:00:00Z"}"#
        await XCTAssertThrowsErrorAsync(try await importLines([both])) { XCTAssertTrue("\($0)".contains("has both"), "\($0)") }
        let forced = try await importLines([both], format: .hypaware)
        XCTAssertEqual(forced.format, "hypaware")
        await XCTAssertThrowsErrorAsync(try await importLines([#"{"prospect_id": "y", "anchor_key": "s", "ts": "2026-01-01T00:00:00Z"}"#],
                                                              format: .hypaware)) { error in
            XCTAssertTrue("\(error)".contains(#"missing "created_at""#), "\(error)")
        }
        XCTAssertEqual(try store.counts().prospects, 1)
        await XCTAssertThrowsErrorAsync(try await importLines(["{"])) { XCTAssertTrue("\($0)".contains("p.jsonl:1: invalid JSON"), "\($0)") }

        // Committed rows: both shapes have item_id, the original's also committed_at.
        let committed = CommittedImporter(store: store)
        await XCTAssertThrowsErrorAsync(try await committed.importData(Data(#"{"id": "k", "type": "Tool"}"#.utf8), path: "c.jsonl",
                                                                       vectors: .automatic(nil))) { error in
            XCTAssertTrue("\(error)".contains(#"c.jsonl:1: has neither "item_id" (a curate committed row) nor "committed_at""#), "\(error)")
        }
        let curate = try await committed.importData(Data(#"{"item_id": "k", "item_type": "Tool"}"#.utf8), path: "c.jsonl",
                                                    vectors: .automatic(nil))
        XCTAssertEqual(curate.format, "curate")
        let hypaware = try await committed.importData(Data(#"{"item_id": "k", "item_type": "Tool", "committed_at": "2026-01-01T00:00:00Z"}"#.utf8),
                                                      path: "c.jsonl", vectors: .automatic(nil))
        XCTAssertEqual(hypaware.format, "hypaware")
    }

    /// Bad values in the original's rows: one clear, line-numbered error; the store unchanged.
    func testBadOriginalRowsAreRefusedWithTheirLine() async throws {
        let good = #"{"prospect_id":"a","anchor_key":"s","created_at":"2026-01-01T00:00:00Z","props":{"summary":"x"}}"#
        let cases: [(String, String)] = [
            (#"{"prospect_id":"b","anchor_key":"s","created_at":"2026-01-01T00:00:00Z","props":"not json"}"#, #""props" must be a JSON object"#),
            (#"{"prospect_id":"b","anchor_key":"s","created_at":"2026-01-01T00:00:00Z","props":[1]}"#, #""props" must be a JSON object"#),
            (#"{"prospect_id":"b","anchor_key":"s","created_at":"2026-01-01T00:00:00Z","confidence":"0.5"}"#, #""confidence" must be a number in [0.0, 1.0] or null"#),
            (#"{"prospect_id":"b","anchor_key":"s","created_at":"2026-01-01T00:00:00Z","confidence":1.5}"#, #""confidence" must be a number in [0.0, 1.0] or null, found 1.5"#),
            (#"{"prospect_id":"b","anchor_key":"s","created_at":"2026-01-01T00:00:00Z","extractor_version":"v3"}"#, #""extractor_version" must be an integer"#),
            (#"{"prospect_id":"b","anchor_key":"s","created_at":"yesterday"}"#, #""created_at" must be an ISO-8601 timestamp"#),
            (#"{"prospect_id":"b","created_at":"2026-01-01T00:00:00Z"}"#, #"missing "anchor_key""#),
        ]
        for (line, expected) in cases {
            let store = try CurationStore.inMemory()
            await XCTAssertThrowsErrorAsync(try await ProspectImporter(store: store)
                .importData(Data((good + "\n" + line + "\n").utf8), path: "p.jsonl", vectors: .automatic(nil))) { error in
                XCTAssertEqual((error as? ImportError)?.line, 2, line)
                XCTAssertTrue("\(error)".contains(expected), "\(error) lacks \(expected)")
            }
            XCTAssertEqual(try store.counts().prospects, 0, "all or nothing")
        }
    }

    /// The original's resolutions: a resolved prospect is not pending; a prospect keeps its first
    /// resolution; imported rows are left out of exports unless asked; bad decisions are refused.
    func testResolutions() async throws {
        let store = try CurationStore.inMemory()
        try await ProspectImporter(store: store)
            .importFile(JobScratch.fixture("hypaware/enrichment_prospects.jsonl"), vectors: .automatic(nil))
        XCTAssertEqual(try store.counts().pending, 7)
        let path = JobScratch.fixture("hypaware/enrichment_resolutions.jsonl")
        XCTAssertEqual(try ResolutionImporter(store: store).importFile(path).inserted, 1)
        XCTAssertEqual(try store.counts().pending, 6)
        XCTAssertFalse(try store.loadPendingPool().ids.contains("00-decided-upstream"))
        XCTAssertEqual(try ResolutionImporter(store: store).importFile(path).alreadyPresent, 1)
        let duplicate = #"{"prospect_id":"05-typo","decision":"reject","committed_ids":null,"note":null,"curator":"enrich.t2","curator_version":1,"resolved_at":"2026-01-01T00:00:00Z"}"#
        let later = duplicate.replacingOccurrences(of: #""reject""#, with: #""skip""#)
        let summary = try ResolutionImporter(store: store)
            .importData(Data((duplicate + "\n" + later + "\n").utf8), path: "r.jsonl")
        XCTAssertEqual(summary.inserted, 1)
        XCTAssertEqual(try JobScratch.resolutions(store)["05-typo"]?.decision, "reject", "the first resolution stands")
        XCTAssertEqual(try StoreExport.rows(of: .resolutions, in: store, after: nil).rows, 0)
        let all = try StoreExport.rows(of: .resolutions, in: store, after: nil, includeImported: true)
        XCTAssertEqual(try JSONValue(parsing: String(all.jsonLines.split(separator: "\n")[0])),
                       ["prospect_id": "00-decided-upstream", "decision": "commit", "committed_ids": ["tool:curl"], "note": "first curl",
                        "curator": "enrich.t2", "curator_version": 1, "resolved_at": "2025-12-01T10:00:00.000Z"])
        for (line, expected) in [(#"{"prospect_id":"z","decision":"maybe","resolved_at":"2026-01-01T00:00:00Z"}"#, #""decision" must be one of"#),
                                 (#"{"prospect_id":"z","decision":"skip","committed_ids":"x","resolved_at":"2026-01-01T00:00:00Z"}"#, #""committed_ids" must be an array of strings"#),
                                 (#"{"prospect_id":"z","decision":"skip"}"#, #"missing "resolved_at""#)] {
            XCTAssertThrowsError(try ResolutionImporter(store: store).importData(Data((line + "\n").utf8), path: "r.jsonl")) {
                XCTAssertTrue("\($0)".hasPrefix("r.jsonl:1: ") && "\($0)".contains(expected), "\($0)")
            }
        }
    }

    /// Source rows: the configured column names, ids as strings or integers, null text empty;
    /// a row identical to a stored one (or an earlier line) is already present; the store
    /// switches its windows to source activity.
    func testSources() throws {
        let store = try CurationStore.inMemory()
        var config = CurateConfig()
        config.sourceIDColumn = "uuid"
        config.sourceAnchorKeyColumn = "conversation"
        config.sourceTimestampColumn = "at"
        config.sourceTextColumn = "body"
        let lines = [#"{"uuid": 17, "conversation": "c1", "at": "2026-02-01T00:00:00Z", "body": "hello"}"#,
                     #"{"uuid": "18", "conversation": "c1", "at": "2026-02-02T00:00:00Z", "body": null}"#,
                     #"{"uuid": 17, "conversation": "c1", "at": "2026-02-01T00:00:00Z", "body": "hello"}"#,
                     #"{"uuid": 17, "conversation": "c1", "at": "2026-02-01T00:00:00Z", "body": {"parts": ["a"]}}"#]
        let importer = SourceImporter(store: store, columns: SourceImporter.Columns(config))
        let summary = try importer.importData(Data(lines.map { $0 + "\n" }.joined().utf8), path: "s.jsonl")
        XCTAssertEqual(summary.read, 4)
        XCTAssertEqual(summary.inserted, 3, "line 3 repeats line 1")
        XCTAssertEqual(summary.sessionsTouched, 1)
        let texts = try store.read { try String.fetchAll($0, sql: "SELECT source_id || '=' || text FROM sources ORDER BY seq") }
        XCTAssertEqual(texts, ["17=hello", "18=", #"17={"parts":["a"]}"#])
        XCTAssertEqual(try importer.importData(Data(lines.map { $0 + "\n" }.joined().utf8), path: "s.jsonl").inserted, 0)
        XCTAssertEqual(try store.activityBasis(), .sources)
        XCTAssertThrowsError(try importer.importData(Data((#"{"uuid": 1, "conversation": "c1", "body": "x"}"# + "\n").utf8),
                                                     path: "s.jsonl")) {
            XCTAssertTrue("\($0)".contains(#"s.jsonl:1: missing "at""#), "\($0)")
        }
        XCTAssertThrowsError(try SourceImporter(store: store).importData(Data((lines[0] + "\n").utf8), path: "s.jsonl")) {
            XCTAssertTrue("\($0)".contains(#"missing "message_id""#), "the default columns: \($0)")
        }
    }

    /// The `[source]` section of `curate.toml` names the source columns, with the original's
    /// defaults.
    func testSourceColumnsInTheConfig() throws {
        XCTAssertEqual(SourceImporter.Columns(), SourceImporter.Columns(CurateConfig()))
        XCTAssertEqual(CurateConfig().sourceIDColumn, "message_id")
        XCTAssertEqual(CurateConfig().sourceAnchorKeyColumn, "session_id")
        XCTAssertEqual(CurateConfig().sourceTimestampColumn, "message_created_at")
        XCTAssertEqual(CurateConfig().sourceTextColumn, "content_text")
        let config = try CurateConfig(parsing: "[source]\nid_column = \"uuid\"\ntext_column = \"body\"\n", path: "c.toml")
        XCTAssertEqual(config.sourceIDColumn, "uuid")
        XCTAssertEqual(config.sourceTextColumn, "body")
        XCTAssertThrowsError(try CurateConfig(parsing: "[planner]\nid_column = \"uuid\"\n", path: "c.toml")) {
            XCTAssertTrue("\($0)".contains("belongs in [source]"), "\($0)")
        }
    }
}

/// An embedder recording the texts it is asked to embed (vectors from the hashing embedder).
final class RecordingEmbedder: Embedder, @unchecked Sendable {
    private let inner = HashingEmbedder(dimension: 8)
    private let lock = NSLock()
    private var recorded: [String] = []

    var model: String { inner.model }
    var dimension: Int { inner.dimension }

    /// Every text embedded so far, in order.
    var texts: [String] { lock.withLock { recorded } }

    func embed(_ texts: [String]) throws -> [[Float]] {
        lock.withLock { recorded += texts }
        return inner.embed(texts)
    }
}
