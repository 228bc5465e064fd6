import Foundation
import GRDB
import ProviderEmulator
import XCTest

/// `curate backfill --provider anthropic` and `--provider openai-compatible` end to end, the
/// CLI as a subprocess against the loopback emulator: faults on the wire, a process killed
/// between submit and collect, and a resume that sends nothing twice.
final class ProviderBackfillTests: XCTestCase {
    static let fixture = BackfillCommandTests.fixture
    static let key = "test-key-do-not-print"

    /// A store of the first `count` fixture prospects with their real vectors, and a config.
    private func store(_ count: Int, config: String) throws -> InputDirectory {
        let dir = try InputDirectory()
        let lines = try String(contentsOf: URL(fileURLWithPath: Self.fixture.path + ".jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(count)
        try dir.write("p.jsonl", lines.joined(separator: "\n") + "\n")
        try Data(contentsOf: URL(fileURLWithPath: Self.fixture.path + ".f32")).prefix(count * 384 * 4)
            .write(to: dir.url.appendingPathComponent("p.f32"))
        try dir.write("curate.toml", config)
        let imported = try CurateProcess.run(["import", "prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "384",
                                              "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        return dir
    }

    private func json(_ result: CurateProcess.Result) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], result.stdoutText + result.stderr)
    }

    private func pendingCount(_ dir: InputDirectory) throws -> Int {
        let queue = try DatabaseQueue(path: dir.url.appendingPathComponent("d.sqlite").path)
        return try queue.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT prospect_id) FROM prospects
                WHERE prospect_id NOT IN (SELECT prospect_id FROM resolutions)
                """) ?? -1
        }
    }

    /// The `custom_id`s whose chat answers the openai-compatible curator stored.
    private func storedAnswers(_ dir: InputDirectory) throws -> Set<String> {
        let queue = try DatabaseQueue(path: dir.url.appendingPathComponent("d.sqlite").path)
        return try Set(queue.read { db in try String.fetchAll(db, sql: "SELECT custom_id FROM local_batch_results") })
    }

    private static let anthropicConfig = """
        [curator]
        max_batch_requests = 40
        poll_interval_seconds = 0.05
        max_retries = 4

        """

    private func anthropic(_ emulator: ProviderEmulator, _ extra: [String] = []) -> [String] {
        ["backfill", "--db", "d.sqlite", "--json", "--provider", "anthropic", "--base-url", emulator.baseURL] + extra
    }

    /// 300 prospects through Message Batches over several batches, with 429 (retry-after), 529,
    /// 500, a dropped connection and a truncated results stream on the way: every fault is
    /// retried, every cluster is submitted exactly once, every prospect resolved, and neither
    /// the key nor the provider's error text reaches the output.
    func testAnthropicBackfillRidesOutFaults() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.2, apiKey: Self.key))
        defer { Task { try? await emulator.stop() } }
        emulator.inject([
            EmulatorFault(route: .createBatch, kind: .status(429, retryAfterSeconds: 0.2)),
            EmulatorFault(route: .retrieveBatch, kind: .status(529)),
            EmulatorFault(route: .retrieveBatch, kind: .dropConnection),
            EmulatorFault(route: .batchResults, kind: .status(500, retryAfterMilliseconds: 50)),
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 3)),
        ])
        let dir = try store(300, config: Self.anthropicConfig)
        let run = try CurateProcess.run(anthropic(emulator), in: dir.url, environment: ["ANTHROPIC_API_KEY": Self.key])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try json(run)
        let clusters = try XCTUnwrap(report["clusters"] as? Int)
        XCTAssertEqual(report["batches"] as? Int, (clusters + 39) / 40)
        XCTAssertEqual(report["processed"] as? Int, 300)
        let http = try XCTUnwrap(report["http"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(http["retries"] as? Int ?? 0, 5)
        let stats = emulator.stats()
        XCTAssertEqual(stats.submissionsByCustomID.count, clusters)
        XCTAssertEqual(Set(stats.submissionsByCustomID.values), [1])
        XCTAssertEqual(stats.faultsServed, 5)
        XCTAssertEqual(try pendingCount(dir), 0)
        for text in [run.stdoutText, run.stderr] {
            XCTAssertFalse(text.contains(Self.key))
            XCTAssertFalse(text.contains(ProviderEmulator.secretMarker))
        }
    }

    /// Killed after the provider accepted a batch (its id not stored), after a batch id was
    /// stored, while polling and after the results were read: the resumed backfill adopts or polls
    /// the crashed job's batches and sends none of its clusters again. (Clusters of batches the
    /// killed process never submitted stay pending and go out in a new job.)
    func testAnthropicKillBetweenSubmitAndCollectThenResumeSendsNothingTwice() async throws {
        for point in ["provider-accepted:2", "batch-recorded:1", "mid-poll:1", "results-fetched:1"] {
            let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.1, apiKey: Self.key))
            let dir = try store(200, config: Self.anthropicConfig)
            let environment: [String: String?] = ["ANTHROPIC_API_KEY": Self.key]
            let crashed = try CurateProcess.run(anthropic(emulator), in: dir.url,
                                                environment: environment.merging(["CURATE_CRASH_AT": point]) { $1 })
            XCTAssertTrue(crashed.killed, "\(point): \(crashed.status) \(crashed.stderr)")
            let sentBeforeResume = emulator.stats().submissionsByCustomID
            let resumed = try CurateProcess.run(anthropic(emulator), in: dir.url, environment: environment)
            XCTAssertEqual(resumed.status, 0, "\(point): \(resumed.stderr)")
            XCTAssertTrue(resumed.stderr.contains("resuming backfill job"), "\(point): \(resumed.stderr)")
            XCTAssertEqual(try json(resumed)["processed"] as? Int, 200, point)
            let sent = emulator.stats().submissionsByCustomID
            XCTAssertEqual(Set(sent.values), [1], "\(point): a cluster was sent twice")
            for (id, count) in sentBeforeResume { XCTAssertEqual(sent[id], count, "\(point): \(id) sent again") }
            XCTAssertEqual(try pendingCount(dir), 0, point)
            try await emulator.stop()
        }
    }

    /// Errored, expired, canceled and refused requests leave their clusters pending; the next
    /// backfill sends exactly those clusters again (new job, new custom ids) and resolves them.
    func testAnthropicUnusableResultsStayPendingForTheNextJob() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: Self.key))
        defer { Task { try? await emulator.stop() } }
        emulator.setOutcomes([EmulatorOutcomeRule(outcome: .errored, customIDSuffix: "-c1"),
                              EmulatorOutcomeRule(outcome: .expired, customIDSuffix: "-c2"),
                              EmulatorOutcomeRule(outcome: .canceled, customIDSuffix: "-c3"),
                              EmulatorOutcomeRule(outcome: .refusal, customIDSuffix: "-c4")])
        let dir = try store(60, config: Self.anthropicConfig)
        let environment: [String: String?] = ["ANTHROPIC_API_KEY": Self.key]
        let first = try json(try CurateProcess.run(anthropic(emulator), in: dir.url, environment: environment))
        XCTAssertEqual(first["unusable_clusters"] as? Int, 4)
        let left = try XCTUnwrap(first["left_pending"] as? Int)
        XCTAssertEqual(try pendingCount(dir), left)
        let queue = try DatabaseQueue(path: dir.url.appendingPathComponent("d.sqlite").path)
        let pending = try await queue.read { db in
            try Set(String.fetchAll(db, sql: """
                SELECT DISTINCT prospect_id FROM prospects WHERE prospect_id NOT IN (SELECT prospect_id FROM resolutions)
                """))
        }
        emulator.setOutcomes([])
        let second = try json(try CurateProcess.run(anthropic(emulator), in: dir.url, environment: environment))
        XCTAssertEqual(second["pending"] as? Int, left)
        XCTAssertEqual(try pendingCount(dir), 0)
        let jobs = try XCTUnwrap(second["jobs"] as? [String])
        let resent = try await queue.read { db in
            try Set(String.fetchAll(db, sql: "SELECT prospect_id FROM resolutions WHERE job_id IN (SELECT value FROM json_each(?))",
                                    arguments: [String(decoding: try JSONSerialization.data(withJSONObject: jobs), as: UTF8.self)]))
        }
        XCTAssertEqual(resent, pending, "the next job sent exactly the prospects left pending, by id")
    }

    /// Chat completions with bounded concurrency; the process is killed while requests are in
    /// flight; the resume never sends a cluster whose answer was already stored.
    func testOpenAICompatibleBackfillResumesWithoutResendingStoredAnswers() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(requestDelay: 0.02, apiKey: Self.key))
        defer { Task { try? await emulator.stop() } }
        let dir = try store(300, config: """
            [curator]
            concurrency = 3
            poll_interval_seconds = 0.05
            max_retries = 2

            """)
        let arguments = ["backfill", "--db", "d.sqlite", "--json", "--provider", "openai-compatible",
                         "--base-url", emulator.baseURL + "/v1"]
        emulator.inject([EmulatorFault(route: .chatCompletions, kind: .status(429, retryAfterSeconds: 0.05))])
        let process = try CurateProcess.start(arguments, in: dir.url, environment: ["OPENAI_API_KEY": Self.key])
        while emulator.stats().submissionsByCustomID.count < 20 { try await Task.sleep(for: .milliseconds(10)) }
        process.kill()
        let stored = try storedAnswers(dir)
        XCTAssertFalse(stored.isEmpty)
        let resumed = try CurateProcess.run(arguments, in: dir.url, environment: ["OPENAI_API_KEY": Self.key])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let report = try json(resumed)
        let sent = emulator.stats().submissionsByCustomID
        XCTAssertEqual(sent.count, report["clusters"] as? Int)
        for id in stored { XCTAssertEqual(sent[id], 1, "\(id) was answered before the kill and sent again") }
        XCTAssertLessThanOrEqual(sent.values.reduce(0, +) - sent.count, 3, "at most the requests in flight are sent twice")
        XCTAssertEqual(try pendingCount(dir), 0)
        XCTAssertFalse(resumed.stderr.contains(Self.key))
    }

    /// `embedder = "openai-compatible"`: imports embed through /v1/embeddings (base64), and a
    /// second import of the same texts is served from the store's cache.
    func testOpenAICompatibleEmbedderImportsAndCaches() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: Self.key, embeddingDimension: 64))
        defer { Task { try? await emulator.stop() } }
        let dir = try InputDirectory()
        try dir.write("curate.toml", """
            [embedder]
            embedder = "openai-compatible"
            embedding_dim = 64
            embedding_model = "emu-embed"
            embedding_base_url = "\(emulator.baseURL)/v1"
            embedding_encoding = "base64"
            embedding_batch_size = 7

            """)
        let lines = try String(contentsOf: URL(fileURLWithPath: Self.fixture.path + ".jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(35)
        try dir.write("a.jsonl", lines.prefix(20).joined(separator: "\n") + "\n")
        try dir.write("b.jsonl", lines.prefix(30).joined(separator: "\n") + "\n")
        try dir.write("c.jsonl", lines.suffix(5).joined(separator: "\n") + "\n")
        let environment: [String: String?] = ["OPENAI_API_KEY": Self.key]
        let first = try CurateProcess.run(["import", "prospects", "a.jsonl", "--db", "d.sqlite"], in: dir.url, environment: environment)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(emulator.stats().embeddedInputs, 20)
        XCTAssertEqual(emulator.stats().requestsByRoute["embeddings"], 3)
        let second = try CurateProcess.run(["import", "prospects", "b.jsonl", "--db", "d.sqlite"], in: dir.url, environment: environment)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(emulator.stats().embeddedInputs, 30, "only the 10 new texts were embedded")
        let missingKey = try CurateProcess.run(["import", "prospects", "c.jsonl", "--db", "d.sqlite"], in: dir.url,
                                               environment: ["OPENAI_API_KEY": nil])
        XCTAssertEqual(missingKey.status, 2, missingKey.stderr)
        XCTAssertTrue(missingKey.stderr.contains("OPENAI_API_KEY"), missingKey.stderr)
    }
}
