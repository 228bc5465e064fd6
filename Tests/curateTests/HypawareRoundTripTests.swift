import Curation
import CurationProviders
import CurationStore
import Foundation
import GRDB
import ProviderEmulator
import XCTest

/// A history in the original's shapes through the CLI, as a team moving its hypaware backlog
/// would run it: the four imports, a dry run without a key, a backfill through the Anthropic
/// emulator answering in the original's tool schema, and the exports compared field by field
/// with the rows written out by hand from `seed-contract.md` §5.
final class HypawareRoundTripTests: XCTestCase {
    static let key = "sk-ant-roundtrip-0123456789"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/hypaware")

    func testImportBackfillExportRoundTrip() async throws {
        let dir = try InputDirectory()
        for name in ["enrichment_prospects", "enrichment_committed", "enrichment_resolutions", "sources"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name + ".jsonl"),
                                             to: dir.url.appendingPathComponent(name + ".jsonl"))
        }
        for (kind, file, inserted) in [("prospects", "enrichment_prospects", 7), ("committed", "enrichment_committed", 3),
                                       ("resolutions", "enrichment_resolutions", 1), ("sources", "sources", 7)] {
            let run = try CurateProcess.run(["import", kind, file + ".jsonl", "--db", "d.sqlite", "--json"], in: dir.url)
            XCTAssertEqual(run.status, 0, run.stderr)
            let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
            XCTAssertEqual(summary["format"] as? String, "hypaware", kind)
            XCTAssertEqual(summary["inserted"] as? Int, inserted, kind)
        }

        // A dry run needs no provider and no key, even when the provider is a remote one.
        let noKey: [String: String?] = ["ANTHROPIC_API_KEY": nil]
        let dry = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--since", "2026-01-01", "--provider", "anthropic",
                                         "--dry-run", "--plan-out", "plan.json"], in: dir.url, environment: noKey)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertFalse(dry.stderr.contains("approximate"), "the store holds source rows: the window is exact")
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.url.appendingPathComponent("plan.json")))
            as? [String: Any])
        XCTAssertEqual(plan["clusters"] as? [[String]], [["01-curl-flags", "02-curl-again"], ["03-sqlite-wal", "04-sqlite-wal-dup"],
                                                         ["05-typo"]],
                       "06-old-session's session was last active in November: outside the window; 00 was decided upstream")
        let unknown = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--provider", "antropic", "--dry-run"], in: dir.url)
        XCTAssertEqual(unknown.status, 2, "an unknown provider is still refused")

        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.05, apiKey: Self.key))
        let answers = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("answers.json")))
            as? [String: Any])
        emulator.setOutcomes(try answers.map { suffix, content in
            let text = String(decoding: try JSONSerialization.data(withJSONObject: content), as: UTF8.self)
            return try EmulatorOutcomeRule(scripted: text, customIDSuffix: suffix)
        })
        try dir.write("curate.toml", "[curator]\npoll_interval_seconds = 0.02\n")
        let run = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--since", "2026-01-01", "--provider", "anthropic",
                                         "--base-url", emulator.baseURL, "--json"], in: dir.url,
                                        environment: ["ANTHROPIC_API_KEY": Self.key])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        XCTAssertEqual(report["processed"] as? Int, 5)
        XCTAssertEqual(report["committed_rows"] as? Int, 4)
        XCTAssertEqual(emulator.stats().submissionsByCustomID.count, 3)
        try await emulator.stop()

        for (table, expected) in [("committed", "expected_committed"), ("resolutions", "expected_resolutions")] {
            let export = try CurateProcess.run(["export", table, "--db", "d.sqlite", "--out", table + ".jsonl", "--json"], in: dir.url)
            XCTAssertEqual(export.status, 0, export.stderr)
            let out = dir.url.appendingPathComponent(table + ".jsonl")
            let attributes = try FileManager.default.attributesOfItem(atPath: out.path)
            XCTAssertEqual((attributes[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o600, "people's text: owner only")
            let rows = try Self.rows(out, dropping: ["committed_at", "resolved_at"])
            let wanted = try Self.rows(Self.fixtures.appendingPathComponent(expected + ".jsonl"), dropping: [])
            XCTAssertEqual(rows.count, wanted.count, table)
            for (row, want) in zip(rows, wanted) {
                for key in Set(row.keys).union(want.keys).sorted() {
                    XCTAssertEqual(row[key], want[key], "\(table) \(want["prospect_id"] ?? want["item_id"] ?? NSNull()): \(key)")
                }
            }
            let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: export.stdout) as? [String: Any])
            let cursor = try XCTUnwrap(summary["cursor"] as? String)
            let again = try CurateProcess.run(["export", table, "--db", "d.sqlite", "--out", "again.jsonl", "--after", cursor],
                                              in: dir.url)
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertTrue(again.stdoutText.hasPrefix("exported 0 \(table) rows"), again.stdoutText)
        }
        let badCursor = try CurateProcess.run(["export", "resolutions", "--db", "d.sqlite", "--out", "x.jsonl", "--after", "committed:3"],
                                              in: dir.url)
        XCTAssertEqual(badCursor.status, 2)
        XCTAssertTrue(badCursor.stderr.contains("belongs to the committed export"), badCursor.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("x.jsonl").path))

        // Appending the exports to the original's tables and importing them back inserts nothing twice.
        for table in ["committed", "resolutions"] {
            let back = try CurateProcess.run(["import", table, table + ".jsonl", "--db", "d.sqlite", "--json"], in: dir.url)
            XCTAssertEqual(back.status, 0, back.stderr)
            let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: back.stdout) as? [String: Any])
            XCTAssertEqual(summary["inserted"] as? Int, 0, "\(table): the store's own rows are already present")
        }
        // A deepen refreshes what recall sees: the item's text and, the vectors coming from the
        // hashing embedder, the vector of that text.
        let store = try CurationStore(path: dir.url.appendingPathComponent("d.sqlite").path, access: .queue, opening: .existingStore)
        let recall = try store.loadCommitted()
        let curl = try XCTUnwrap(recall.items.first { $0.itemID == "tool:curl" })
        XCTAssertEqual(curl.text, "Tool: curl - Command-line HTTP client; -I fetches only the headers.")
        XCTAssertEqual(recall.embeddings?.row(try XCTUnwrap(curl.embeddingRow)), HashingEmbedder().embed(curl.text))

        let status = try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url)
        let counts = try XCTUnwrap(JSONSerialization.jsonObject(with: status.stdout) as? [String: Any])
        XCTAssertEqual(counts["pending"] as? Int, 1, "06-old-session stays pending")
        XCTAssertEqual(counts["committed"] as? Int, 7, "three imported rows and four written")
        XCTAssertEqual(counts["window_basis"] as? String, "sources")
    }

    /// Without source rows the window falls back to the prospects' `created_at`, and the job
    /// and report commands say in one line that it is approximate.
    func testTheFallbackWindowIsAnnounced() throws {
        let dir = try InputDirectory()
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("enrichment_prospects.jsonl"),
                                         to: dir.url.appendingPathComponent("p.jsonl"))
        XCTAssertEqual(try CurateProcess.run(["import", "prospects", "p.jsonl", "--db", "d.sqlite"], in: dir.url).status, 0)
        for arguments in [["backfill", "--dry-run", "--since", "2026-01-01"], ["status", "--since", "2026-01-01"],
                          ["report", "--since", "2026-01-01", "--out", "r.html", "--map-points", "0"]] {
            let run = try CurateProcess.run(arguments + ["--db", "d.sqlite"], in: dir.url)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertEqual(run.stderr.components(separatedBy: "the window is approximate").count, 2, "\(arguments): \(run.stderr)")
        }
        let dry = try CurateProcess.run(["backfill", "--dry-run", "--since", "2026-01-01", "--db", "d.sqlite", "--json"], in: dir.url)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: dry.stdout) as? [String: Any])
        XCTAssertEqual(report["pending"] as? Int, 6, "the six prospects proposed on 2026-04-01 fall inside, whatever their sessions")
        let unwindowed = try CurateProcess.run(["backfill", "--dry-run", "--db", "d.sqlite"], in: dir.url)
        XCTAssertFalse(unwindowed.stderr.contains("approximate"), "no window, no note")
    }

    /// The rows of a JSON Lines file, without the fields `dropping`.
    static func rows(_ url: URL, dropping: Set<String>) throws -> [[String: NSObject]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return object.filter { !dropping.contains($0.key) }.mapValues { $0 as? NSObject ?? NSNull() }
        }
    }
}
