import Curation
import CurationProviders
import CurationStore
import Foundation
import ProviderEmulator
import XCTest

/// The `anthropic` curator against the loopback Message Batches emulator: the submit → poll →
/// results round trip, retries, cut result streams, per-request outcomes, reconciliation by
/// nonce, and errors that never carry a message body or the key.
final class AnthropicBatchCuratorTests: XCTestCase {
    private let key = "sk-ant-test-KEY-0987654321"

    /// Requests go out with their `custom_id`s, come back as `curate_decisions` tool inputs, and
    /// each cluster reaches the provider exactly once.
    func testRoundTrip() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 3600, apiKey: key))
        let curator = try makeCurator(emulator)
        let requests = [
            request("n1-c0", ["Swift NIO", "swift nio"]),
            request("n1-c1", ["GRDB"]),
            request("n1-c2", ["AsyncHTTPClient", "Vapor", "Hummingbird"]),
        ]
        let batchID = try await curator.submit(requests: requests, jobNonce: "n1")
        XCTAssertTrue(batchID.hasPrefix("msgbatch_"))
        let early = try await curator.status(batchID: batchID)
        XCTAssertEqual(early, .inProgress)
        do {
            _ = try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID)))
            XCTFail("results before the batch ended")
        } catch {
            XCTAssertEqual(error, .batchNotEnded(batchID))
        }
        emulator.finishBatches()
        try await waitUntilEnded(curator, batchID)
        let outcomes = try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID)))
        XCTAssertEqual(Set(outcomes.keys), ["n1-c0", "n1-c1", "n1-c2"])
        guard case let .succeeded(input)? = outcomes["n1-c0"] else { return XCTFail("\(String(describing: outcomes["n1-c0"]))") }
        let decisions = try XCTUnwrap(input["decisions"]?.arrayValue)
        XCTAssertEqual(decisions.map { $0["decision"]?.stringValue }, ["commit", "merge"])
        XCTAssertEqual(decisions[1]["merge_into"], decisions[0]["item_key"])
        guard case let .succeeded(third)? = outcomes["n1-c2"] else { return XCTFail() }
        XCTAssertEqual(third["decisions"]?.arrayValue?.count, 3)
        let answer = CuratorAnswer.parse(outcomes["n1-c1"], memberCount: 1)
        guard case .routes = answer else { return XCTFail("\(answer)") }
        let stats = emulator.stats()
        XCTAssertEqual(stats.submissionsByCustomID, ["n1-c0": 1, "n1-c1": 1, "n1-c2": 1])
        XCTAssertEqual(stats.requestsByRoute["createBatch"], 1)
        XCTAssertEqual(stats.requestsByRoute["batchResults"], 1)
        try await emulator.stop()
    }

    /// The create body is the requests' bodies with `model` spliced in, byte for byte, and its
    /// size is what the curator's `limits` and `JobRunner`'s estimate promise.
    func testCreateBodyAddsTheModelAndStaysWithinTheEstimate() throws {
        let requests = [request("n-c0", ["a"]), request("n-c1", ["b\u{e9}\"quoted\""])]
        let body = try AnthropicBatchRequestBody.encode(requests, model: "claude-x")
        let json = try JSONValue(parsing: Data(body))
        let sent = try XCTUnwrap(json["requests"]?.arrayValue)
        XCTAssertEqual(sent.map { $0["custom_id"]?.stringValue }, ["n-c0", "n-c1"])
        for (entry, request) in zip(sent, requests) {
            let params = try XCTUnwrap(entry["params"]?.objectValue)
            XCTAssertEqual(params["model"], "claude-x")
            var expected = try XCTUnwrap(JSONValue(parsing: request.body).objectValue).members
            expected.append((key: "model", value: "claude-x"))
            XCTAssertEqual(params, JSONObject(expected))
        }
        let model = #""claude-x""#.utf8.count
        let predicted = AnthropicBatchRequestBody.envelopeOverhead + requests.reduce(0) {
            $0 + AnthropicBatchRequestBody.requestOverhead + model + $1.customID.utf8.count + $1.body.utf8.count
        }
        XCTAssertEqual(body.count, predicted, "compact bodies: the prediction is exact")
        XCTAssertThrowsError(try AnthropicBatchRequestBody.encode([CuratorRequest(customID: "n-c0", body: "[1]", prospectIDs: [])],
                                                                  model: "m"))
        XCTAssertThrowsError(try AnthropicBatchRequestBody.encode(
            [CuratorRequest(customID: "n-c0", body: #"{"model":"other"}"#, prospectIDs: [])], model: "m"))
    }

    /// A long model name lowers the byte limit so a full batch still fits 256 MB on the wire.
    func testLimitsLeaveRoomForTheEnvelope() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        var settings = try settings(emulator)
        settings.limits = CuratorBatchLimits(maxRequests: 100_000, maxBytes: 256_000_000)
        settings.model = "claude-sonnet-4-5"
        let short = AnthropicBatchCurator(settings: settings, http: http(maxRetries: 0)).limits
        XCTAssertEqual(short.maxBytes, AnthropicBatchRequestBody.maxBytes - AnthropicBatchRequestBody.envelopeOverhead)
        settings.model = String(repeating: "m", count: 100)
        let long = AnthropicBatchCurator(settings: settings, http: http(maxRetries: 0)).limits
        let excess = AnthropicBatchRequestBody.requestOverhead + 102 - 64
        XCTAssertEqual(long.maxBytes, short.maxBytes - 100_000 * excess)
        settings.limits = CuratorBatchLimits(maxRequests: 10, maxBytes: 1_000)
        XCTAssertEqual(AnthropicBatchCurator(settings: settings, http: http(maxRetries: 0)).limits,
                       CuratorBatchLimits(maxRequests: 10, maxBytes: 1_000), "a smaller configured limit stands")
        try await emulator.stop()
    }

    /// 429 with `retry-after` (seconds and milliseconds), 529, 500 and dropped connections on
    /// every call are retried; the request counts prove each retry happened and nothing was
    /// submitted twice.
    func testRetriesTransientFailures() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([
            EmulatorFault(route: .createBatch, kind: .status(429, retryAfterSeconds: 0.01)),
            EmulatorFault(route: .createBatch, kind: .status(429, retryAfterMilliseconds: 5)),
            EmulatorFault(route: .createBatch, kind: .status(529)),
            EmulatorFault(route: .retrieveBatch, kind: .status(500), times: 2),
            EmulatorFault(route: .retrieveBatch, kind: .dropConnection),
            EmulatorFault(route: .batchResults, kind: .status(529, retryAfterMilliseconds: 1)),
            EmulatorFault(route: .batchResults, kind: .dropConnection),
        ])
        let curator = try makeCurator(emulator, maxRetries: 4)
        let batchID = try await curator.submit(requests: [request("n2-c0", ["a"]), request("n2-c1", ["b"])], jobNonce: "n2")
        try await waitUntilEnded(curator, batchID)
        let outcomes = try await curator.results(batchID: batchID, expecting: ["n2-c0", "n2-c1"])
        XCTAssertEqual(outcomes.count, 2)
        let stats = emulator.stats()
        XCTAssertEqual(stats.requestsByRoute["createBatch"], 4)
        XCTAssertEqual(stats.submissionsByCustomID, ["n2-c0": 1, "n2-c1": 1])
        XCTAssertEqual(stats.batchesCreated, 1)
        XCTAssertEqual(stats.requestsByRoute["batchResults"], 3)
        XCTAssertEqual(curator.transportStats?.retries, 3 + 3 + 2)
        try await emulator.stop()
    }

    /// Past `maxRetries` the error names the operation, status and error type, never the
    /// body's message (which echoes the prompt) nor the key.
    func testGivesUpWithAClearErrorAndNoSecrets() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([EmulatorFault(route: .createBatch, kind: .status(529), times: 10)])
        let curator = try makeCurator(emulator, maxRetries: 2)
        do {
            _ = try await curator.submit(requests: [request("n3-c0", ["CONFIDENTIAL label"])], jobNonce: "n3")
            XCTFail("expected a failure")
        } catch {
            guard case let .unavailable(reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("create batch failed: HTTP 529 overloaded_error (request id req_"), reason)
            for secret in [ProviderEmulator.secretMarker, "CONFIDENTIAL", key] {
                XCTAssertFalse(error.description.contains(secret), error.description)
                XCTAssertFalse(String(reflecting: error).contains(secret))
            }
        }
        XCTAssertEqual(emulator.stats().requestsByRoute["createBatch"], 3)
        XCTAssertEqual(emulator.stats().batchesCreated, 0)
        try await emulator.stop()
    }

    /// A create whose answer was lost (the connection dropped after the request was sent) is
    /// not retried, which could bill the batch twice: the error says the batch may exist, and
    /// `findBatches` finds it for the job's resumption.
    func testLostCreateAnswerIsNotRetriedButReconciled() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.inject([EmulatorFault(route: .createBatch, kind: .dropResponse)])
        let curator = try makeCurator(emulator, maxRetries: 4)
        let claimed = UTCTimestamp.now()
        do {
            _ = try await curator.submit(requests: [request("c0ffee-c0", ["a"]), request("c0ffee-c1", ["b"])], jobNonce: "c0ffee")
            XCTFail("expected a failure")
        } catch {
            guard case let .unavailable(reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("create batch failed: "), reason)
            XCTAssertTrue(reason.contains("may have been created"), reason)
        }
        let stats = emulator.stats()
        XCTAssertEqual(stats.requestsByRoute["createBatch"], 1)
        XCTAssertEqual(stats.submissionsByCustomID, ["c0ffee-c0": 1, "c0ffee-c1": 1])
        let found = try await curator.findBatches(jobNonce: "c0ffee", claimedAt: claimed)
        XCTAssertEqual(found?.map(\.customIDs), [["c0ffee-c0", "c0ffee-c1"]])
        try await emulator.stop()
    }

    /// A bad key is not retried and reads as an authentication error.
    func testWrongKeyFailsAtOnce() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        var settings = try settings(emulator)
        settings.apiKey = APIKey("sk-ant-wrong-key")
        let curator = AnthropicBatchCurator(settings: settings, http: http(maxRetries: 3))
        do {
            _ = try await curator.submit(requests: [request("n4-c0", ["a"])], jobNonce: "n4")
            XCTFail("expected a failure")
        } catch {
            XCTAssertTrue(error.description.contains("HTTP 401 authentication_error"), error.description)
            XCTAssertFalse(error.description.contains("sk-ant-wrong-key"))
        }
        XCTAssertEqual(curator.transportStats?.requests, 1)
        try await emulator.stop()
    }

    /// An unknown batch id is `.unknownBatch`, for status and results alike.
    func testUnknownBatch() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let curator = try makeCurator(emulator)
        do {
            _ = try await curator.status(batchID: "msgbatch_nope")
            XCTFail("expected a failure")
        } catch {
            XCTAssertEqual(error, .unknownBatch("msgbatch_nope"))
        }
        do {
            _ = try await curator.results(batchID: "msgbatch_nope", expecting: [])
            XCTFail("expected a failure")
        } catch {
            XCTAssertEqual(error, .unknownBatch("msgbatch_nope"))
        }
        try await emulator.stop()
    }

    /// A results stream cut mid-body or ended early (fewer lines than `request_counts`) is
    /// downloaded again; one that stays short fails clearly once the retries are spent.
    func testCutResultStreamsAreDownloadedAgain() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let curator = try makeCurator(emulator, maxRetries: 3)
        let requests = (0..<5).map { request("n5-c\($0)", ["item \($0)"]) }
        let batchID = try await curator.submit(requests: requests, jobNonce: "n5")
        try await waitUntilEnded(curator, batchID)
        emulator.inject([
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 2, cleanEnd: false)),
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 4, cleanEnd: true)),
        ])
        let outcomes = try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID)))
        XCTAssertEqual(outcomes.count, 5)
        XCTAssertTrue(outcomes.values.allSatisfy { if case .succeeded = $0 { true } else { false } })
        XCTAssertEqual(emulator.stats().requestsByRoute["batchResults"], 3)

        emulator.inject([EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 3, cleanEnd: true), times: 10)])
        do {
            _ = try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID)))
            XCTFail("expected a failure")
        } catch {
            XCTAssertEqual(error, .unavailable("download results of \(batchID) failed: "
                                               + "the results stream held 3 lines, the batch has 5 requests"))
        }
        try await emulator.stop()
    }

    /// Errored, expired, canceled and refused requests get their outcomes; an error keeps its
    /// type only.
    func testPerRequestOutcomes() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        emulator.setOutcomes([
            EmulatorOutcomeRule(outcome: .errored, selector: .customIDSuffix("-c1")),
            EmulatorOutcomeRule(outcome: .expired, selector: .customIDSuffix("-c2")),
            EmulatorOutcomeRule(outcome: .canceled, selector: .customIDSuffix("-c3")),
            EmulatorOutcomeRule(outcome: .refusal, selector: .customIDSuffix("-c4")),
        ])
        let curator = try makeCurator(emulator)
        let batchID = try await curator.submit(requests: (0..<5).map { request("n6-c\($0)", ["PRIVATE \($0)"]) },
                                               jobNonce: "n6")
        try await waitUntilEnded(curator, batchID)
        let outcomes = try await curator.results(batchID: batchID, expecting: Set((0..<5).map { "n6-c\($0)" }))
        guard case .succeeded? = outcomes["n6-c0"] else { return XCTFail("\(String(describing: outcomes["n6-c0"]))") }
        XCTAssertEqual(outcomes["n6-c1"], .errored(message: "invalid_request_error"))
        XCTAssertEqual(outcomes["n6-c2"], .expired)
        XCTAssertEqual(outcomes["n6-c3"], .canceled)
        XCTAssertEqual(outcomes["n6-c4"], .noToolCall(reason: "refusal"))
        for outcome in outcomes.values {
            XCTAssertFalse(outcome.summary.contains("PRIVATE"))
            XCTAssertFalse(outcome.summary.contains(ProviderEmulator.secretMarker))
        }
        try await emulator.stop()
    }

    /// Result lines: tool calls by name, stop reasons, error types only; a malformed line throws
    /// without quoting itself.
    func testResultLines() throws {
        func outcome(_ line: String) throws -> CuratorOutcome {
            try AnthropicBatchResult(line: Array(line.utf8)).outcome
        }
        XCTAssertEqual(try outcome(#"{"custom_id":"a-c0","result":{"type":"succeeded","message":{"stop_reason":"tool_use","content":[{"type":"text","text":"hi"},{"type":"tool_use","name":"other","input":{}},{"type":"tool_use","name":"curate_decisions","input":{"decisions":[]}}]}}}"#),
                       .succeeded(toolInput: ["decisions": []]))
        XCTAssertEqual(try outcome(#"{"custom_id":"a-c0","result":{"type":"succeeded","message":{"stop_reason":"max_tokens","content":[{"type":"text","text":"..."}]}}}"#),
                       .noToolCall(reason: "max_tokens"))
        XCTAssertEqual(try outcome(#"{"custom_id":"a-c0","result":{"type":"errored","error":{"type":"error","error":{"type":"api_error","message":"SECRET"}}}}"#),
                       .errored(message: "api_error"))
        XCTAssertEqual(try outcome(#"{"custom_id":"a-c0","result":{"type":"errored","error":{"type":"error","error":{"type":"SECRET words","message":"SECRET"}}}}"#),
                       .errored(message: "unknown error"))
        for bad in [#"{"custom_id":"a-c0","result":{"type":"succ"#, "SECRET", #"{"result":{"type":"expired"}}"#,
                    #"{"custom_id":"a-c0"}"#, #"{"custom_id":"a-c0","result":{"type":"succeeded"}}"#] {
            XCTAssertThrowsError(try outcome(bad)) { error in
                XCTAssertFalse("\(error)".contains("SECRET"))
            }
        }
    }

    /// `findBatches` pages back through the listing, waits for a batch still in progress, and
    /// returns only the batches of the job's nonce, their ids in cluster order.
    func testFindBatchesByNonce() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: key))
        let curator = try makeCurator(emulator)
        let claimed = UTCTimestamp.now()
        let mine = try await curator.submit(requests: [request("a1b2-c1", ["x"]), request("a1b2-c0", ["y"])], jobNonce: "a1b2")
        for index in 0..<100 {
            _ = try await curator.submit(requests: [request("other\(index)-c0", ["z"])], jobNonce: "other\(index)")
        }
        let slow = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 3600, apiKey: key))
        let slowCurator = try makeCurator(slow)
        let pending = try await slowCurator.submit(requests: [request("a1b2-c2", ["w"])], jobNonce: "a1b2")
        _ = try await slowCurator.submit(requests: [request("ffff-c0", ["v"])], jobNonce: "ffff")

        let found = try await curator.findBatches(jobNonce: "a1b2", claimedAt: claimed)
        XCTAssertEqual(found, [CuratorSubmittedBatch(batchID: mine, customIDs: ["a1b2-c0", "a1b2-c1"])],
                       "found on the second page")
        XCTAssertEqual(emulator.stats().requestsByRoute["listBatches"], 2)
        // Released only once findBatches has polled the batches in progress: it must wait for them.
        let release = Task {
            while slow.stats().requestsByRoute["retrieveBatch", default: 0] == 0 { try await Task.sleep(for: .milliseconds(5)) }
            slow.finishBatches()
        }
        let waited = try await slowCurator.findBatches(jobNonce: "a1b2", claimedAt: claimed)
        _ = await release.result
        XCTAssertEqual(waited, [CuratorSubmittedBatch(batchID: pending, customIDs: ["a1b2-c2"])],
                       "a batch in progress is waited for")
        let none = try await curator.findBatches(jobNonce: "9999", claimedAt: claimed)
        XCTAssertEqual(none, [])
        let later = UTCTimestamp(millisecondsSince1970: claimed.millisecondsSince1970 + 3_600_000)
        let tooOld = try await curator.findBatches(jobNonce: "a1b2", claimedAt: later)
        XCTAssertEqual(tooOld, [], "batches created before the claim (less the clock slack) are not candidates")
        try await slow.stop()
        try await emulator.stop()
    }

    // MARK: Helpers

    private func http(maxRetries: Int) -> ProviderHTTPClient {
        ProviderHTTPClient(policy: RetryPolicy(maxRetries: maxRetries, initialDelay: .milliseconds(1), maxDelay: .milliseconds(4)),
                           timeout: .seconds(30))
    }

    private func settings(_ emulator: ProviderEmulator) throws -> RemoteCuratorSettings {
        var settings = try RemoteCuratorSettings.resolve(provider: AnthropicBatchCurator.providerName, config: CurateConfig(),
                                                         baseURLOverride: emulator.baseURL,
                                                         environment: ["ANTHROPIC_API_KEY": key])
        settings.pollInterval = .milliseconds(20)
        return settings
    }

    private func makeCurator(_ emulator: ProviderEmulator, maxRetries: Int = 2) throws -> AnthropicBatchCurator {
        AnthropicBatchCurator(settings: try settings(emulator), http: http(maxRetries: maxRetries))
    }

    private func waitUntilEnded(_ curator: AnthropicBatchCurator, _ batchID: String) async throws {
        for _ in 0..<500 {
            if try await curator.status(batchID: batchID) == .ended { return }
            try await Task.sleep(for: curator.pollInterval)
        }
        XCTFail("batch \(batchID) did not end")
    }

    /// A Messages-API body in `CuratorPrompt`'s shape listing `labels` as the cluster's prospects.
    private func request(_ customID: String, _ labels: [String]) -> CuratorRequest {
        var text = "Cluster of \(labels.count) prospects.\n\nProspects:\n"
        for (index, label) in labels.enumerated() {
            text += "\(index + 1). \(label)\n   type: lib; confidence: 0.700; session: s1\n   summary: about \(label)\n"
        }
        let body: JSONValue = [
            "max_tokens": 1024,
            "system": .string(CuratorPrompt.systemPrompt),
            "messages": [["role": "user", "content": .string(text)]],
            "tools": [CuratorPrompt.tool],
            "tool_choice": ["type": "tool", "name": .string(CuratorRequest.toolName)],
        ]
        return CuratorRequest(customID: customID, body: body.serialized(), prospectIDs: labels.indices.map { "\(customID)-p\($0)" })
    }
}
