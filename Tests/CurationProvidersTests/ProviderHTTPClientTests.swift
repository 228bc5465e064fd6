import Curation
import CurationProviders
import CurationStore
import Foundation
import ProviderEmulator
import XCTest

/// `ProviderHTTPClient`: the retry policy's decisions and delays, error reduction (no body
/// message, no key), and retries and restarts against the loopback emulator.
final class ProviderHTTPClientTests: XCTestCase {
    private let key = "sk-ant-test-KEY-1234567890"

    // MARK: Policy

    /// Backoff is 0.5 s × 2ⁿ capped at 8 s, minus `random` × 25 %.
    func testBackoffDoublesCapsAndJitters() {
        let policy = RetryPolicy(maxRetries: 6)
        XCTAssertEqual(policy.backoff(retry: 0, random: 0), .milliseconds(500))
        XCTAssertEqual(policy.backoff(retry: 1, random: 0), .seconds(1))
        XCTAssertEqual(policy.backoff(retry: 2, random: 0.5), .milliseconds(1750), "2 s less 12.5 %")
        XCTAssertEqual(policy.backoff(retry: 3, random: 1), .seconds(3), "4 s less 25 %")
        XCTAssertEqual(policy.backoff(retry: 4, random: 0), .seconds(8), "capped")
        XCTAssertEqual(policy.backoff(retry: 60, random: 0), .seconds(8), "no overflow")
        XCTAssertEqual(policy.delay(beforeRetry: 1, after: nil, random: 0), .seconds(1), "a connection failure backs off")
    }

    /// `retry-after-ms` wins over `retry-after`; seconds and HTTP dates are read; a wait past
    /// `maxRetryAfter` is capped to it; zero or unreadable waits fall back to the backoff.
    func testServerRequestedDelay() {
        let policy = RetryPolicy(maxRetries: 6)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        func delay(_ headers: [(String, String)], retry: Int = 0) -> Duration {
            policy.delay(beforeRetry: retry, after: ProviderHTTPResponse(status: 429, headers: headers), now: now, random: 0)
        }
        XCTAssertEqual(delay([("Retry-After-Ms", "1500"), ("retry-after", "9")]), .milliseconds(1500))
        XCTAssertEqual(delay([("retry-after", "2")]), .seconds(2))
        XCTAssertEqual(delay([("retry-after", "0.25")]), .milliseconds(250))
        let date = Date(timeInterval: 3, since: now)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        XCTAssertEqual(delay([("retry-after", formatter.string(from: date))]), .seconds(3))
        XCTAssertEqual(delay([("retry-after", "61")], retry: 1), .seconds(60), "over 60 s: capped")
        XCTAssertEqual(delay([("retry-after", "0")], retry: 2), .seconds(2), "zero: backoff")
        XCTAssertEqual(delay([("retry-after", "soon")]), .milliseconds(500), "unreadable: backoff")
        XCTAssertEqual(delay([]), .milliseconds(500))
    }

    /// The retried statuses, and `x-should-retry` overriding them either way.
    func testWhichResponsesAreRetried() {
        let policy = RetryPolicy(maxRetries: 6)
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            XCTAssertTrue(policy.isRetryable(ProviderHTTPResponse(status: status)), "\(status)")
        }
        for status in [400, 401, 403, 404, 413, 422, 501] {
            XCTAssertFalse(policy.isRetryable(ProviderHTTPResponse(status: status)), "\(status)")
        }
        XCTAssertFalse(policy.isRetryable(ProviderHTTPResponse(status: 529, headers: [("x-should-retry", "false")])))
        XCTAssertTrue(policy.isRetryable(ProviderHTTPResponse(status: 400, headers: [("X-Should-Retry", "true")])))
    }

    /// The error type and request id come from each provider's error shape; the message never.
    func testErrorsKeepTypeAndRequestIDButNotTheMessage() {
        func error(_ body: String, headers: [(String, String)] = []) -> ProviderHTTPError {
            .rejected(ProviderHTTPResponse(status: 429, headers: headers, body: Array(body.utf8)), operation: "create batch")
        }
        let anthropic = error(#"{"type":"error","error":{"type":"rate_limit_error","message":"SECRET prompt"},"request_id":"req_1"}"#)
        XCTAssertEqual(anthropic, .status(operation: "create batch", code: 429, errorType: "rate_limit_error", requestID: "req_1"))
        XCTAssertEqual(anthropic.description, "create batch failed: HTTP 429 rate_limit_error (request id req_1)")
        let openAI = error(#"{"error":{"message":"SECRET prompt","type":"requests","code":"rate_limit_exceeded"}}"#,
                           headers: [("x-request-id", "req_2")])
        XCTAssertEqual(openAI, .status(operation: "create batch", code: 429, errorType: "requests", requestID: "req_2"))
        let codeOnly = error(#"{"error":{"message":"SECRET","type":null,"code":"rate_limit_exceeded"}}"#)
        XCTAssertEqual(codeOnly, .status(operation: "create batch", code: 429, errorType: "rate_limit_exceeded", requestID: nil))
        let flat = error(#"{"message":"SECRET prompt","type":"Overloaded"}"#, headers: [("request-id", "req_3")])
        XCTAssertEqual(flat, .status(operation: "create batch", code: 429, errorType: "Overloaded", requestID: "req_3"))
        let prose = error(#"{"error":{"type":"SECRET prompt text with spaces"}}"#)
        XCTAssertEqual(prose, .status(operation: "create batch", code: 429, errorType: nil, requestID: nil),
                       "free text is never taken for a type")
        XCTAssertEqual(error("SECRET, not JSON"), .status(operation: "create batch", code: 429, errorType: nil, requestID: nil))
        for failure in [anthropic, openAI, codeOnly, flat, prose] {
            XCTAssertFalse(failure.description.contains("SECRET"), failure.description)
        }
    }

    // MARK: Against the emulator

    /// 500, 529 (with `retry-after-ms`) and a dropped connection are retried until the answer
    /// comes; the stats count every attempt.
    func testRetriesUntilSuccess() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([
            EmulatorFault(route: .listBatches, kind: .status(500)),
            EmulatorFault(route: .listBatches, kind: .status(529, retryAfterMilliseconds: 5)),
            EmulatorFault(route: .listBatches, kind: .dropConnection),
        ])
        let http = client(maxRetries: 3)
        let response = try await http.send(listRequest(emulator))
        XCTAssertEqual(response.status, 200)
        XCTAssertNotNil(try JSONValue(parsing: Data(response.body))["data"]?.arrayValue)
        XCTAssertEqual(http.stats, stats(requests: 4, retries: 3))
        XCTAssertEqual(emulator.stats().requestsByRoute["listBatches"], 4)
        try await emulator.stop()
    }

    /// A request that is not idempotent is not sent again after a dropped connection (the
    /// server may have processed it); an idempotent one is.
    func testDroppedConnectionIsRetriedOnlyWhenIdempotent() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([EmulatorFault(route: .listBatches, kind: .dropConnection, times: 2)])
        var request = listRequest(emulator)
        request.idempotent = false
        let once = client(maxRetries: 3)
        do {
            _ = try await once.send(request)
            XCTFail("expected a failure")
        } catch {
            guard case .transport(operation: "list batches", reason: _) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(once.stats, stats(requests: 1, retries: 0))
        request.idempotent = true
        let again = client(maxRetries: 3)
        _ = try await again.send(request)
        XCTAssertEqual(again.stats, stats(requests: 2, retries: 1))
        XCTAssertEqual(emulator.stats().requestsByRoute["listBatches"], 3)
        try await emulator.stop()
    }

    /// When the budget is spent the last status is reported, with its type and request id, not
    /// the body's message (the emulator echoes request text there) nor the key.
    func testGivesUpAfterMaxRetries() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([EmulatorFault(route: .createBatch, kind: .status(529), times: 10)])
        let http = client(maxRetries: 2)
        var request = listRequest(emulator)
        request.method = "POST"
        request.url = emulator.baseURL + "/v1/messages/batches"
        request.body = Array(#"{"requests":[{"custom_id":"x-c0","params":{"messages":[{"role":"user","content":"PRIVATE words"}]}}]}"#.utf8)
        request.operation = "create batch"
        do {
            _ = try await http.send(request)
            XCTFail("expected a failure")
        } catch {
            guard case let .status(operation, code, errorType, requestID) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(operation, "create batch")
            XCTAssertEqual(code, 529)
            XCTAssertEqual(errorType, "overloaded_error")
            XCTAssertNotNil(requestID)
            for secret in [ProviderEmulator.secretMarker, "PRIVATE", key] {
                XCTAssertFalse(error.description.contains(secret), error.description)
            }
        }
        XCTAssertEqual(emulator.stats().requestsByRoute["createBatch"], 3, "one attempt and two retries")
        XCTAssertEqual(http.stats, stats(requests: 3, retries: 2))
        try await emulator.stop()
    }

    /// A status that is not retried fails at once.
    func testDoesNotRetryAClientError() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let http = client(maxRetries: 5)
        var request = listRequest(emulator)
        request.headers = [("x-api-key", "wrong-\(key)"), ("anthropic-version", "2023-06-01")]
        do {
            _ = try await http.send(request)
            XCTFail("expected a failure")
        } catch {
            XCTAssertEqual(error, .status(operation: "list batches", code: 401, errorType: "authentication_error",
                                          requestID: error.requestIDForTest))
            XCTAssertFalse(error.description.contains(key))
        }
        XCTAssertEqual(http.stats, stats(requests: 1, retries: 0))
        try await emulator.stop()
    }

    /// A stream cut mid-body, or ended early and refused by `end`, is restarted from scratch.
    func testStreamLinesRestartsACutStream() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let batchID = try await createBatch(emulator, requests: 3)
        emulator.inject([
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 1, cleanEnd: false)),
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 2, cleanEnd: true)),
        ])
        let http = client(maxRetries: 3)
        var lines: [String] = []
        var restarts = 0
        try await http.streamLines(resultsRequest(emulator, batchID: batchID), restart: {
            restarts += 1
            lines.removeAll()
        }, line: { line in
            lines.append(String(decoding: line, as: UTF8.self))
        }, end: {
            if lines.count != 3 { throw Short() }
        })
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(restarts, 2)
        XCTAssertEqual(emulator.stats().requestsByRoute["batchResults"], 3)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
        try await emulator.stop()
    }

    /// A stream that stays short through every retry fails with the caller's reason.
    func testStreamLinesGivesUpWithTheCallersReason() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let batchID = try await createBatch(emulator, requests: 2)
        emulator.inject([EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 1, cleanEnd: true), times: 5)])
        let http = client(maxRetries: 1)
        var count = 0
        do {
            try await http.streamLines(resultsRequest(emulator, batchID: batchID), restart: { count = 0 },
                                       line: { _ in count += 1 }, end: { if count != 2 { throw Short() } })
            XCTFail("expected a failure")
        } catch {
            XCTAssertEqual(error, .transport(operation: "download results", reason: "short stream"))
        }
        XCTAssertEqual(emulator.stats().requestsByRoute["batchResults"], 2)
        try await emulator.stop()
    }

    /// A line the caller refuses (garbled) fails the attempt: the request is made again after
    /// `restart`.
    func testStreamLinesRetriesALineTheCallerRefuses() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let batchID = try await createBatch(emulator, requests: 3)
        let http = client(maxRetries: 2)
        var attempts = 1
        var lines = 0
        try await http.streamLines(resultsRequest(emulator, batchID: batchID), restart: {
            attempts += 1
            lines = 0
        }, line: { _ in
            lines += 1
            if attempts == 1 && lines == 2 { throw Short() }
        })
        XCTAssertEqual(attempts, 2)
        XCTAssertEqual(lines, 3)
        XCTAssertEqual(http.stats, stats(requests: 2, retries: 1))
        try await emulator.stop()
    }

    /// Cancelling the calling task ends a wait between retries with `.cancelled`.
    func testCancellationStopsRetrying() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([EmulatorFault(route: .listBatches, kind: .status(503), times: 10)])
        let http = ProviderHTTPClient(policy: RetryPolicy(maxRetries: 5, initialDelay: .seconds(30), maxDelay: .seconds(30)),
                                      timeout: .seconds(30))
        let request = listRequest(emulator)
        let task = Task { () async throws(ProviderHTTPError) -> ProviderHTTPResponse in try await http.send(request) }
        while emulator.stats().requestsByRoute["listBatches", default: 0] == 0 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let result = await task.result
        XCTAssertThrowsError(try result.get()) { error in
            XCTAssertEqual(error as? ProviderHTTPError, .cancelled(operation: "list batches"))
        }
        XCTAssertEqual(http.stats.requests, 1)
        try await emulator.stop()
    }

    /// A request prints without its headers (the key).
    func testRequestDescriptionHidesHeaders() {
        let request = ProviderHTTPRequest(method: "GET", url: "http://127.0.0.1/v1/x", headers: [("x-api-key", key)],
                                          operation: "list batches")
        XCTAssertEqual("\(request)", "list batches: GET http://127.0.0.1/v1/x")
        var dumped = ""
        dump(request, to: &dumped)
        XCTAssertFalse(String(reflecting: request).contains(key))
        XCTAssertFalse(dumped.contains(key), dumped)
    }

    // MARK: Helpers

    private struct Short: Error, CustomStringConvertible {
        var description: String { "short stream" }
    }

    private func client(maxRetries: Int) -> ProviderHTTPClient {
        ProviderHTTPClient(policy: RetryPolicy(maxRetries: maxRetries, initialDelay: .milliseconds(1), maxDelay: .milliseconds(4)),
                           timeout: .seconds(30))
    }

    private func stats(requests: Int, retries: Int) -> ProviderHTTPStats {
        var stats = ProviderHTTPStats()
        stats.requests = requests
        stats.retries = retries
        return stats
    }

    private func headers() -> [(String, String)] {
        [("x-api-key", key), ("anthropic-version", "2023-06-01"), ("content-type", "application/json")]
    }

    private func listRequest(_ emulator: ProviderEmulator) -> ProviderHTTPRequest {
        ProviderHTTPRequest(method: "GET", url: emulator.baseURL + "/v1/messages/batches?limit=5", headers: headers(),
                            operation: "list batches")
    }

    private func resultsRequest(_ emulator: ProviderEmulator, batchID: String) -> ProviderHTTPRequest {
        ProviderHTTPRequest(method: "GET", url: emulator.baseURL + "/v1/messages/batches/\(batchID)/results", headers: headers(),
                            operation: "download results")
    }

    /// Creates an (immediately ended) batch of `requests` requests and returns its id.
    private func createBatch(_ emulator: ProviderEmulator, requests: Int) async throws -> String {
        let entries = (0..<requests).map { index -> JSONValue in
            ["custom_id": .string("n-c\(index)"),
             "params": ["max_tokens": 16, "messages": [["role": "user", "content": .string("Prospects:\n1. thing \(index)\n")]]]]
        }
        let body = JSONValue.object(["requests": .array(entries)]).serialized()
        let response = try await client(maxRetries: 0).send(ProviderHTTPRequest(
            method: "POST", url: emulator.baseURL + "/v1/messages/batches", headers: headers(), body: Array(body.utf8),
            operation: "create batch"))
        return try XCTUnwrap(JSONValue(parsing: Data(response.body))["id"]?.stringValue)
    }
}

private extension ProviderHTTPError {
    /// The request id of a `.status` error (random in the emulator), for comparing the rest.
    var requestIDForTest: String? {
        if case let .status(_, _, _, requestID) = self { return requestID }
        return nil
    }
}
