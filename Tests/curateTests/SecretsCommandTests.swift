import Foundation
import ProviderEmulator
import XCTest

/// Keys and prospects through the CLI (issue 14, "Secrets"): a key is never printed on any
/// failing path, a config file beside the database cannot choose another secret or an
/// unencrypted host, and the destination is announced before a job is submitted.
final class SecretsCommandTests: XCTestCase {
    static let key = "sk-ant-secret-VALUE-0123456789"

    /// Every failing path of a backfill (a key with a CR, a wrong key, a redirect, an endless
    /// results stream, a refused connection) exits non-zero, and neither output holds the key.
    func testNoFailingPathPrintsTheKey() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.05, apiKey: Self.key))
        let elsewhere = try await ProviderEmulator.start(EmulatorConfiguration())
        let cases: [(name: String, key: String, url: String, faults: [EmulatorFault])] = [
            ("a key ending in CR", Self.key + "\r", emulator.baseURL, []),
            ("a key with a line break inside", "sk-ant-a\nb", emulator.baseURL, []),
            ("a wrong key", Self.key + "x", emulator.baseURL, []),
            ("a redirect", Self.key, emulator.baseURL,
             [EmulatorFault(route: .createBatch, kind: .redirect(status: 307, location: elsewhere.baseURL + "/v1/messages/batches"))]),
            ("an endless results stream", Self.key, emulator.baseURL,
             [EmulatorFault(route: .batchResults, kind: .endlessResults, times: 10)]),
            ("a refused connection", Self.key, "http://127.0.0.1:1", []),
        ]
        for testCase in cases {
            let dir = try Self.store()
            emulator.inject(testCase.faults)
            let run = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--provider", "anthropic", "--base-url", testCase.url],
                                            in: dir.url, environment: ["ANTHROPIC_API_KEY": testCase.key])
            XCTAssertNotEqual(run.status, 0, "\(testCase.name): \(run.stderr)")
            for text in [run.stdoutText, run.stderr] {
                XCTAssertFalse(text.contains("sk-ant"), "\(testCase.name) printed the key: \(text)")
            }
            XCTAssertTrue(run.stderr.contains("error: "), "\(testCase.name): \(run.stderr)")
        }
        XCTAssertEqual(elsewhere.stats().requestsByRoute, [:], "the redirect target received nothing")
        try await emulator.stop()
        try await elsewhere.stop()
    }

    /// A `curate.toml` beside the database may not name another secret, an unencrypted host, or
    /// be writable by others; the command line may override, and the destination is printed.
    func testAHostileConfigIsRefused() async throws {
        let dir = try Self.store()
        let environment: [String: String?] = ["ANTHROPIC_API_KEY": Self.key, "AWS_SECRET_ACCESS_KEY": "aws-secret-value"]
        try dir.write("curate.toml", "[curator]\nprovider = \"anthropic\"\napi_key_env = \"AWS_SECRET_ACCESS_KEY\"\n")
        var run = try CurateProcess.run(["backfill", "--db", "d.sqlite"], in: dir.url, environment: environment)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("curate.toml:3: api_key_env must name a variable ending in _API_KEY or _TOKEN"), run.stderr)
        XCTAssertFalse(run.stderr.contains("aws-secret-value"))

        try dir.write("curate.toml", "[curator]\nprovider = \"anthropic\"\nbase_url = \"http://attacker.example\"\n")
        run = try CurateProcess.run(["backfill", "--db", "d.sqlite"], in: dir.url, environment: environment)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("plain http to attacker.example") && run.stderr.contains("--allow-insecure-http"), run.stderr)

        try dir.write("curate.toml", "[planner]\nmax_cluster_size = 4\n")
        chmod(dir.url.appendingPathComponent("curate.toml").path, 0o666)
        run = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--dry-run"], in: dir.url)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("group or others may write it"), run.stderr)
        chmod(dir.url.appendingPathComponent("curate.toml").path, 0o644)

        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.05, apiKey: "aws-secret-value"))
        try dir.write("curate.toml", "[curator]\npoll_interval_seconds = 0.02\n")
        run = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--provider", "anthropic", "--base-url", emulator.baseURL,
                                     "--api-key-env", "AWS_SECRET_ACCESS_KEY"], in: dir.url, environment: environment)
        XCTAssertEqual(run.status, 0, "the command line may name any variable: \(run.stderr)")
        XCTAssertTrue(run.stderr.hasPrefix("note: the curator's requests go to 127.0.0.1 (anthropic, model claude-opus-4-8)"),
                      run.stderr)
        try await emulator.stop()
    }

    /// A store of 20 fixture prospects with their vectors, and a config polling fast with one retry.
    static func store() throws -> InputDirectory {
        let dir = try InputDirectory()
        try dir.write("curate.toml", "[curator]\npoll_interval_seconds = 0.02\nmax_retries = 1\n")
        let fixture = BackfillCommandTests.fixture
        let lines = try String(contentsOf: URL(fileURLWithPath: fixture.path + ".jsonl"), encoding: .utf8).split(separator: "\n").prefix(20)
        try dir.write("p.jsonl", lines.joined(separator: "\n") + "\n")
        try Data(contentsOf: URL(fileURLWithPath: fixture.path + ".f32")).prefix(20 * 384 * 4)
            .write(to: dir.url.appendingPathComponent("p.f32"))
        let imported = try CurateProcess.run(["import", "prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "384",
                                              "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        return dir
    }
}
