import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import ProviderEmulator
import XCTest

/// What a hostile or broken provider (or gateway) sends cannot leak the key, send the prospects
/// elsewhere, trap, or grow without bound (issue 14, "Secrets" and "Hostile or broken
/// providers"). Each test reproduces a finding against the loopback emulator.
final class HostileProviderTests: XCTestCase {
    private let key = "sk-ant-hostile-KEY-0123456789"

    /// A redirect from the configured host to another one is refused, never followed: the other
    /// host receives nothing (before: the batch body and `x-api-key` went there).
    func testARedirectIsNeverFollowed() async throws {
        let elsewhere = try await ProviderEmulator.start(EmulatorConfiguration())
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        for status in [301, 302, 307, 308] {
            emulator.inject([EmulatorFault(route: .createBatch,
                                           kind: .redirect(status: status, location: elsewhere.baseURL + "/v1/messages/batches"))])
            let curator = try curator(emulator)
            do {
                _ = try await curator.submit(requests: [Self.request("n1-c0")], jobNonce: "n1")
                XCTFail("\(status) was followed")
            } catch {
                XCTAssertTrue(error.description.contains("HTTP \(status) redirect to 127.0.0.1 refused"), error.description)
                XCTAssertFalse(error.description.contains(key))
            }
        }
        emulator.inject([EmulatorFault(route: .chatCompletions,
                                       kind: .redirect(status: 307, location: elsewhere.baseURL + "/v1/chat/completions"))])
        let http = ProviderHTTPClient(policy: RetryPolicy(maxRetries: 3), timeout: .seconds(10))
        do {
            _ = try await http.send(ProviderHTTPRequest(method: "POST", url: emulator.baseURL + "/v1/chat/completions",
                                                        headers: [("authorization", "Bearer \(key)")], body: Array("{}".utf8),
                                                        operation: "chat completion"))
            XCTFail("followed")
        } catch {
            guard case .redirected(_, 307, "127.0.0.1") = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(http.stats.requests, 1, "a redirect is not retried")
        XCTAssertEqual(elsewhere.stats().requestsByRoute, [:], "the other host received nothing")
        try await emulator.stop()
        try await elsewhere.stop()
    }

    /// `retry-after: 1e20` (before: a trap in `Int64(_:)`) is capped at `maxRetryAfter`; other
    /// absurd values fall back to the backoff.
    func testAbsurdRetryAfterIsCapped() async throws {
        let policy = RetryPolicy(maxRetries: 2, initialDelay: .milliseconds(1), maxDelay: .milliseconds(4),
                                 maxRetryAfter: .milliseconds(20))
        func requested(_ value: String, _ header: String = "retry-after") -> Duration? {
            policy.requestedDelay(ProviderHTTPResponse(status: 429, headers: [(header, value)]))
        }
        XCTAssertEqual(requested("1e20"), .milliseconds(20))
        XCTAssertEqual(requested("1e308", "retry-after-ms"), .milliseconds(20))
        XCTAssertEqual(requested(String(Double.greatestFiniteMagnitude)), .milliseconds(20))
        XCTAssertEqual(requested("Fri, 31 Dec 9999 23:59:59 GMT"), .milliseconds(20), "a far date is capped too")
        for absurd in ["inf", "-inf", "nan", "-1e20", "0", "Thu, 01 Jan 1970 00:00:00 GMT"] {
            XCTAssertNil(requested(absurd), absurd)
        }
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([EmulatorFault(route: .listBatches, kind: .status(429, retryAfterSeconds: 1e20))])
        let http = ProviderHTTPClient(policy: policy, timeout: .seconds(10))
        let response = try await http.send(ProviderHTTPRequest(method: "GET", url: emulator.baseURL + "/v1/messages/batches",
                                                                headers: anthropicHeaders(), operation: "list batches"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(http.stats.retries, 1)
        try await emulator.stop()
    }

    /// `request_counts` of 1e300 (before: a trap in `Int(_:)` at every poll and every resume) is
    /// a reply that is not a batch.
    func testAbsurdRequestCountsAreRefused() async throws {
        for counts: JSONValue in [["succeeded": 1e300], ["succeeded": -1], ["succeeded": 1.5], ["succeeded": 100_001],
                                  ["succeeded": 60_000, "errored": 60_000], ["succeeded": "3"]] {
            XCTAssertNil(AnthropicBatch(json: ["id": "b", "processing_status": "ended", "request_counts": counts]), "\(counts)")
        }
        XCTAssertEqual(AnthropicBatch(json: ["id": "b", "processing_status": "ended",
                                             "request_counts": ["succeeded": 2, "errored": 1.0]])?.requestCount, 3)
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let curator = try curator(emulator)
        let batchID = try await curator.submit(requests: [Self.request("n1-c0")], jobNonce: "n1")
        emulator.inject([EmulatorFault(route: .retrieveBatch, kind: .hostileCounts, times: 10)])
        do {
            _ = try await curator.status(batchID: batchID)
            XCTFail("accepted")
        } catch {
            XCTAssertTrue(error.description.contains("not a message batch"), error.description)
        }
        try await emulator.stop()
    }

    /// An endless results stream (before: 0.9 → 3.8 GB in 40 s) is stopped as soon as it has
    /// more lines than the batch has requests; a stream the caller does not stop is cut at the
    /// attempt's deadline.
    func testAnEndlessResultsStreamIsStopped() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let curator = try curator(emulator)
        let requests = [Self.request("n1-c0"), Self.request("n1-c1")]
        let batchID = try await curator.submit(requests: requests, jobNonce: "n1")
        while try await curator.status(batchID: batchID) != .ended { try await Task.sleep(for: .milliseconds(5)) }
        emulator.inject([EmulatorFault(route: .batchResults, kind: .endlessResults, times: 3)])
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID)))
            XCTFail("an endless stream was accepted")
        } catch {
            XCTAssertTrue(error.description.contains("held 3 lines, the batch has 2 requests"), error.description)
        }
        XCTAssertLessThan(clock.now - start, .seconds(20))

        emulator.inject([EmulatorFault(route: .batchResults, kind: .endlessResults)])
        let http = ProviderHTTPClient(policy: RetryPolicy(maxRetries: 0), timeout: .seconds(1))
        var lines = 0
        let cut = clock.now
        do {
            try await http.streamLines(ProviderHTTPRequest(method: "GET", url: emulator.baseURL + "/v1/messages/batches/\(batchID)/results",
                                                           headers: anthropicHeaders(), operation: "download results"),
                                       restart: {}, line: { _ in lines += 1 })
            XCTFail("the stream ended")
        } catch {
            XCTAssertEqual(error, .timedOut(operation: "download results"))
        }
        XCTAssertGreaterThan(lines, 2)
        XCTAssertLessThan(clock.now - cut, .seconds(10), "the deadline covers the body")
        try await emulator.stop()
    }

    /// A result for a `custom_id` that is not in the batch stops the stream.
    func testResultsForOtherIDsAreRefused() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let curator = try curator(emulator)
        let batchID = try await curator.submit(requests: [Self.request("n1-c0")], jobNonce: "n1")
        while try await curator.status(batchID: batchID) != .ended { try await Task.sleep(for: .milliseconds(5)) }
        do {
            _ = try await curator.results(batchID: batchID, expecting: ["n1-c9"])
            XCTFail("a result of another id was accepted")
        } catch {
            XCTAssertTrue(error.description.contains("a custom_id not in the batch"), error.description)
        }
        let mine = try await curator.results(batchID: batchID, expecting: ["n1-c0"])
        XCTAssertEqual(mine.count, 1)
        try await emulator.stop()
    }

    /// A key holding a control character (a CRLF file: `sk-…\r`) is refused when read, naming
    /// the variable, never the value (before: the transport error printed it whole); so is an
    /// unset one. Transport failures are fixed texts.
    func testKeysAreValidatedAndNeverPrinted() async throws {
        for bad in [key + "\r", key + "\n", " " + key, "sk ant", "sk-ant-\u{7F}", "sk-ant-é"] {
            let problem = try XCTUnwrap(Self.failure(RemoteEndpoint.key(in: "ANTHROPIC_API_KEY", of: ["ANTHROPIC_API_KEY": bad])))
            XCTAssertTrue(problem.description.contains("ANTHROPIC_API_KEY"))
            XCTAssertFalse(problem.description.contains("sk"), problem.description)
            XCTAssertThrowsError(try RemoteCuratorSettings.resolve(provider: "anthropic", config: CurateConfig(),
                                                                   environment: ["ANTHROPIC_API_KEY": bad])) { error in
                XCTAssertFalse("\(error)".contains("sk"), "\(error)")
                XCTAssertTrue("\(error)".contains("ANTHROPIC_API_KEY"), "\(error)")
            }
            var config = CurateConfig()
            config.embedder = "openai-compatible"
            XCTAssertThrowsError(try config.makeEmbedder(store: try CurationStore.inMemory(), environment: ["OPENAI_API_KEY": bad])) {
                XCTAssertFalse("\($0)".contains("sk"), "\($0)")
            }
        }
        XCTAssertNotNil(try? RemoteEndpoint.key(in: "K_API_KEY", of: ["K_API_KEY": key]).get())
        let http = ProviderHTTPClient(policy: RetryPolicy(maxRetries: 0), timeout: .seconds(5))
        do {
            _ = try await http.send(ProviderHTTPRequest(method: "GET", url: "http://127.0.0.1:1/v1/messages/batches",
                                                        headers: [("x-api-key", key)], operation: "list batches"))
            XCTFail("connected to port 1")
        } catch {
            guard case let .transport(_, reason) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(reason.contains(key))
            XCTAssertTrue(reason.hasPrefix("the connection failed (") || reason.hasPrefix("the HTTP exchange failed ("), reason)
        }
    }

    /// Plain http only to loopback, unless the command line allows it; `curate.toml` may name
    /// only key variables ending in `_API_KEY` or `_TOKEN`; a config file of another user, or
    /// writable by group or others, is refused.
    func testTheConfigCannotRedirectKeysOrProspects() throws {
        let environment = ["ANTHROPIC_API_KEY": key, "AWS_SECRET_ACCESS_KEY": "aws-secret"]
        XCTAssertThrowsError(try RemoteCuratorSettings.resolve(provider: "anthropic", config: CurateConfig(),
                                                               baseURLOverride: "http://attacker.example", environment: environment)) {
            XCTAssertTrue("\($0)".contains("--allow-insecure-http"), "\($0)")
        }
        var insecure = CurateConfig()
        insecure.allowInsecureHTTP = true
        XCTAssertNoThrow(try RemoteCuratorSettings.resolve(provider: "anthropic", config: insecure,
                                                           baseURLOverride: "http://gateway.internal", environment: environment))
        for loopback in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"] {
            XCTAssertNoThrow(try RemoteCuratorSettings.resolve(provider: "anthropic", config: CurateConfig(),
                                                               baseURLOverride: loopback, environment: environment), loopback)
        }
        XCTAssertThrowsError(try CurateConfig(parsing: "[curator]\napi_key_env = \"AWS_SECRET_ACCESS_KEY\"\n", path: "c.toml")) {
            XCTAssertTrue("\($0)".hasPrefix("c.toml:2: api_key_env must name a variable ending in _API_KEY or _TOKEN"), "\($0)")
        }
        XCTAssertThrowsError(try CurateConfig(parsing: "[embedder]\nembedding_api_key_env = \"HOME\"\n", path: "c.toml"))
        XCTAssertNoThrow(try CurateConfig(parsing: "[curator]\napi_key_env = \"GATEWAY_TOKEN\"\n", path: "c.toml"))
        var fromCommandLine = CurateConfig()
        fromCommandLine.apiKeyEnv = "AWS_SECRET_ACCESS_KEY"
        XCTAssertEqual(try RemoteCuratorSettings.resolve(provider: "anthropic", config: fromCommandLine, environment: environment)
            .apiKey.value, "aws-secret", "the command line may name any variable")

        let dir = try TemporaryDirectory()
        let path = try dir.write("curate.toml", "[planner]\nmax_cluster_size = 4\n")
        XCTAssertEqual(try CurateConfig(contentsOfFile: path).maxClusterSize, 4)
        for mode in [0o664, 0o646, 0o666] {
            chmod(path, mode_t(mode))
            XCTAssertThrowsError(try CurateConfig(contentsOfFile: path)) {
                XCTAssertTrue("\($0)".contains("group or others may write it"), "\($0)")
            }
        }
        chmod(path, 0o644)
        if geteuid() == 0 {
            chown(path, 4242, 4242)
            XCTAssertThrowsError(try CurateConfig(contentsOfFile: path)) {
                XCTAssertTrue("\($0)".contains("belongs to another user"), "\($0)")
            }
        }
    }

    // MARK: Helpers

    private func curator(_ emulator: ProviderEmulator) throws -> AnthropicBatchCurator {
        var settings = try RemoteCuratorSettings.resolve(provider: AnthropicBatchCurator.providerName, config: CurateConfig(),
                                                         baseURLOverride: emulator.baseURL, environment: ["ANTHROPIC_API_KEY": key])
        settings.pollInterval = .milliseconds(5)
        return AnthropicBatchCurator(settings: settings, http: ProviderHTTPClient(
            policy: RetryPolicy(maxRetries: 2, initialDelay: .milliseconds(1), maxDelay: .milliseconds(4)), timeout: .seconds(10)))
    }

    private func anthropicHeaders() -> [(String, String)] {
        [("x-api-key", key), ("anthropic-version", "2023-06-01")]
    }

    private static func request(_ customID: String) -> CuratorRequest {
        let body: JSONValue = ["max_tokens": 16, "messages": [["role": "user", "content": "Prospects:\n1. thing\n"]],
                               "tools": [CuratorPrompt.tool]]
        return CuratorRequest(customID: customID, body: body.serialized(), prospectIDs: ["p"])
    }

    private static func failure<T, E>(_ result: Result<T, E>) -> E? {
        if case let .failure(error) = result { return error }
        return nil
    }
}
