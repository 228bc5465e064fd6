import Curation
import CurationProviders
import CurationStore
import Foundation
import XCTest

/// `curate backfill`, `tick`, `daemon` and `status` end to end: output, exit codes, slot rules.
final class BackfillCommandTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/debian-minilm-2000")

    /// Five prospects in two sessions, with inline vectors.
    static let small = [
        #"{"prospect_id": "a1", "anchor_key": "sa", "ts": "2026-01-10T08:00:00Z", "label": "Alpha", "confidence": 0.9, "embedding": [1, 0, 0]}"#,
        #"{"prospect_id": "a2", "anchor_key": "sa", "ts": "2026-01-10T09:00:00Z", "label": "Alpha 2", "confidence": 0.7, "embedding": [0.99, 0.05, 0]}"#,
        #"{"prospect_id": "a3", "anchor_key": "sa", "ts": "2026-01-10T10:00:00Z", "label": "Alpha 3", "confidence": 0.2, "embedding": [0.9, 0.3, 0]}"#,
        #"{"prospect_id": "b1", "anchor_key": "sb", "ts": "2026-01-11T08:00:00Z", "label": "Beta", "confidence": 0.6, "embedding": [0, 1, 0]}"#,
        #"{"prospect_id": "b2", "anchor_key": "sb", "ts": "2026-01-11T09:00:00Z", "label": "Beta 2", "confidence": 0.6, "embedding": [0.1, 0.99, 0]}"#,
    ].joined(separator: "\n") + "\n"

    func json(_ result: CurateProcess.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], result.stdoutText, file: file, line: line)
    }

    func importSmall(_ dir: InputDirectory) throws {
        try dir.write("p.jsonl", Self.small)
        let result = try CurateProcess.run(["import", "prospects", "p.jsonl", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// The main job on the fixture: import → dry run (with --plan-out; nothing written) →
    /// backfill → status; a second backfill finds nothing pending.
    func testMainJobOnTheFixture() throws {
        let dir = try InputDirectory()
        let imported = try CurateProcess.run(["import", "prospects", Self.fixture.path + ".jsonl", "--embeddings",
                                              Self.fixture.path + ".f32", "--dim", "384", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let statusBefore = try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url)

        let dry = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--dry-run", "--plan-out", "plan.json", "--json"],
                                        in: dir.url)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        let report = try json(dry)
        XCTAssertEqual(report["pending"] as? Int, 2000)
        XCTAssertEqual(report["dry_run"] as? Bool, true)
        XCTAssertEqual(Set((report["timings"] as? [String: Any])?.keys ?? [:].keys), ["load", "recall", "cluster", "plan"])
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.url.appendingPathComponent("plan.json")))
                                    as? [String: Any])
        XCTAssertEqual(Set(plan.keys), ["pending", "skipped", "clusters"])
        XCTAssertEqual(plan["pending"] as? Int, 2000)
        let clusters = try XCTUnwrap(plan["clusters"] as? [[String]])
        XCTAssertEqual(clusters.count, report["clusters"] as? Int)
        XCTAssertEqual(clusters.joined().count, 2000)
        XCTAssertFalse(try dir.contents().contains { $0.contains(".tmp-") }, "the plan is written atomically")
        let statusAfterDry = try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url)
        XCTAssertEqual(statusAfterDry.stdoutText, statusBefore.stdoutText, "a dry run writes nothing")

        let run = try CurateProcess.run(["backfill", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(run.status, 0, run.stderr)
        let pattern = #"^2000/2000 over \#(clusters.count) clusters - [0-9]+ committed, [0-9]+ merged, [0-9]+ rejected, 0 skipped\n$"#
        XCTAssertNotNil(run.stdoutText.range(of: pattern, options: .regularExpression), run.stdoutText)

        let status = try json(try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url))
        XCTAssertEqual(status["pending"] as? Int, 0)
        XCTAssertEqual(status["resolved"] as? Int, 2000)
        XCTAssertTrue(status["job"] is NSNull)
        let text = try CurateProcess.run(["status", "--db", "d.sqlite"], in: dir.url)
        XCTAssertTrue(text.stdoutText.contains("pending: 0\n"), text.stdoutText)
        XCTAssertTrue(text.stdoutText.contains("job: none\n"), text.stdoutText)

        let again = try CurateProcess.run(["backfill", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(again.stdoutText, "0/0 over 0 clusters - 0 committed, 0 merged, 0 rejected, 0 skipped\n")
    }

    /// A backfill finding a daemon job exits 3 naming it; ticks then collect it.
    func testBackfillRefusesADaemonJob() throws {
        let dir = try InputDirectory()
        try importSmall(dir)
        let tick = try CurateProcess.run(["tick", "--db", "d.sqlite", "--json"], in: dir.url)
        XCTAssertEqual(tick.status, 0, tick.stderr)
        let submitted = try json(tick)
        XCTAssertEqual(submitted["outcome"] as? String, "submitted")
        let nonce = try XCTUnwrap((submitted["job"] as? [String: Any])?["nonce"] as? String)

        let refused = try CurateProcess.run(["backfill", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stdout.isEmpty)
        for fragment in ["error: ", "owner daemon", nonce, "age "] {
            XCTAssertTrue(refused.stderr.contains(fragment), "\(refused.stderr) lacks \(fragment)")
        }
        let status = try json(try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url))
        XCTAssertEqual((status["job"] as? [String: Any])?["owner"] as? String, "daemon")
        XCTAssertEqual(status["pending"] as? Int, 5, "the refusal wrote nothing")

        let collected = try CurateProcess.run(["tick", "--db", "d.sqlite"], in: dir.url)
        XCTAssertTrue(collected.stdoutText.hasPrefix("tick: collected daemon job \(nonce): 5/5 over "), collected.stdoutText)
        let idle = try CurateProcess.run(["tick", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(idle.stdoutText, "tick: nothing to submit\n")
    }

    /// A tick leaves a backfill job alone (exit 0); the next backfill resumes and collects it.
    func testTickLeavesABackfillJobAloneAndBackfillResumesIt() async throws {
        let dir = try InputDirectory()
        try importSmall(dir)
        let path = dir.url.appendingPathComponent("d.sqlite").path
        let nonce: String
        do {
            let store = try CurationStore(path: path)
            var crashing = Backfill(store: store, config: CurateConfig(), provider: LocalCurator(store: store))
            crashing.interruption = .batchRecorded
            do {
                _ = try await crashing.run(BackfillScope())
                XCTFail("the crash point stops the backfill")
            } catch {}
            nonce = try XCTUnwrap(try JobSlot.current(store)).nonce
        }
        let tick = try CurateProcess.run(["tick", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(tick.status, 0, tick.stderr)
        XCTAssertTrue(tick.stdoutText.contains("slot holds a backfill job"), tick.stdoutText)
        XCTAssertTrue(tick.stdoutText.contains(nonce), tick.stdoutText)
        XCTAssertTrue(tick.stdoutText.hasSuffix("left alone\n"), tick.stdoutText)
        let status = try CurateProcess.run(["status", "--db", "d.sqlite"], in: dir.url)
        XCTAssertTrue(status.stdoutText.contains("job: backfill job \(nonce)"), status.stdoutText)

        let resumed = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--json"], in: dir.url)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let report = try json(resumed)
        XCTAssertEqual(report["resumed"] as? String, nonce)
        XCTAssertEqual(report["processed"] as? Int, 5)
        XCTAssertEqual(report["batches"] as? Int, 1)
        XCTAssertEqual(try CurationStore(path: path).counts().pending, 0)
    }

    /// Bad input exits 2 with one `error:` line; a missing database is not created; unknown
    /// flags are usage errors (64).
    func testBadInputExitCodes() throws {
        let dir = try InputDirectory()
        try importSmall(dir)
        let cases: [([String], String)] = [
            (["backfill", "--db", "d.sqlite", "--since", "2026-02-30"], "--since"),
            (["backfill", "--db", "d.sqlite", "--until", "2026-01-01T00:00:00Z"], "--until"),
            (["backfill", "--db", "d.sqlite", "--since", "2026-02-01", "--until", "2026-01-01"], "exclusive"),
            (["backfill", "--db", "missing.sqlite"], "missing.sqlite does not exist"),
            (["backfill", "--db", "missing.sqlite", "--dry-run"], "does not exist"),
            (["backfill", "--db", "d.sqlite", "--window", "2 weeks"], "--window"),
            (["backfill", "--db", "d.sqlite", "--max-cluster-size", "0"], "--max-cluster-size"),
            (["backfill", "--db", "d.sqlite", "--cluster-similarity", "1.5"], "--cluster-similarity"),
            (["backfill", "--db", "d.sqlite", "--plan-out", "p.json"], "--plan-out needs --dry-run"),
            (["backfill", "--db", "d.sqlite", "--provider", "anthropic"], "ANTHROPIC_API_KEY is not set"),
            (["backfill", "--db", "d.sqlite", "--provider", "anthropic", "--base-url", "ftp://x"], "not an http(s) URL"),
            (["backfill", "--db", "d.sqlite", "--provider", "nonsense"], "unknown provider"),
            (["backfill", "--db", "d.sqlite", "--config", "missing.toml"], "missing.toml"),
            (["status", "--db", "missing.sqlite"], "does not exist"),
            (["tick", "--db", "missing.sqlite"], "does not exist"),
            (["daemon", "--db", "d.sqlite", "--interval", "0m"], "--interval"),
        ]
        for (arguments, fragment) in cases {
            let result = try CurateProcess.run(arguments, in: dir.url,
                                               environment: ["ANTHROPIC_API_KEY": nil, "CURATE_ANTHROPIC_BASE_URL": nil])
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(fragment), "\(arguments): \(result.stderr) lacks \(fragment)")
            XCTAssertTrue(result.stdout.isEmpty, "\(arguments)")
        }
        XCTAssertFalse(try dir.contents().contains { $0.hasPrefix("missing") }, "no database was created")
        XCTAssertEqual(try CurateProcess.run(["backfill", "--db", "d.sqlite", "--frobnicate"], in: dir.url).status, 64)
        XCTAssertEqual(try CurationStore(path: dir.url.appendingPathComponent("d.sqlite").path).counts().pending, 5)
    }

    /// The daemon ticks until SIGTERM, finishes the step in flight and exits 0.
    func testDaemonStopsOnSIGTERM() throws {
        let dir = try InputDirectory()
        try importSmall(dir)
        let output = dir.url.appendingPathComponent("daemon.out")
        let process = try CurateProcess.start(["daemon", "--db", "d.sqlite", "--interval", "1s", "--json"], in: dir.url,
                                              log: output).process
        let store = try CurationStore(path: dir.url.appendingPathComponent("d.sqlite").path)
        let deadline = Date().addingTimeInterval(20)
        while try store.counts().pending > 0 && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(try store.counts().pending, 0, "the daemon submitted and collected a job")
        process.terminate()   // SIGTERM
        process.waitUntilExit()
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        XCTAssertEqual(process.terminationReason, .exit, text)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains(#""outcome":"collected""#), text)
        XCTAssertTrue(text.contains("daemon: stopped by signal"), text)
    }

    /// Golden usage lines, the exit status section and the root listing of the job commands.
    func testHelp() throws {
        let usages = [
            "tick": "USAGE: curate tick [--db <file>] [--config <file>] [--provider <name>] [--base-url <url>] "
                + "[--api-key-env <name>] [--allow-insecure-http] [--screen-rank <auto|off|k>] [--json]",
            "daemon": "USAGE: curate daemon [--db <file>] [--config <file>] [--provider <name>] [--base-url <url>] "
                + "[--api-key-env <name>] [--allow-insecure-http] [--interval <duration>] [--screen-rank <auto|off|k>] [--json]",
            "status": "USAGE: curate status [--db <file>] [--config <file>] [--since <YYYY-MM-DD>] [--until <YYYY-MM-DD>] [--json]",
            "backfill": "USAGE: curate backfill <options>",
        ]
        for (command, usage) in usages {
            let help = try CurateProcess.run([command, "--help"]).stdoutText
            XCTAssertTrue(help.contains(usage + "\n"), help)
            XCTAssertTrue(help.contains("  3   backfill only: the job slot holds a daemon job"), help)
        }
        let backfill = try CurateProcess.run(["backfill", "--help"]).stdoutText
        for flag in ["--since", "--until", "--window", "--dry-run", "--plan-out", "--provider", "--base-url", "--api-key-env",
                     "--allow-insecure-http", "--backend", "--screen-rank", "--json",
                     "--cluster-similarity", "--recall-cluster-floor", "--max-cluster-size", "--salience-threshold",
                     "--recall-top-k", "--db", "--config"] {
            XCTAssertTrue(backfill.contains("  \(flag) "), flag)
        }
        let root = try CurateProcess.run(["--help"]).stdoutText
        for command in ["backfill", "tick", "daemon", "status"] {
            XCTAssertTrue(root.contains("\n  \(command) "), root)
        }
    }
}
