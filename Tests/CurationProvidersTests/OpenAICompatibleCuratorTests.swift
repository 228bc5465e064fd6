import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import ProviderEmulator
import XCTest

/// The OpenAI-compatible curator against the loopback emulator: chat completions with the
/// forced tool, bounded concurrency, results stored one by one and resumed, per-request
/// failures and endpoint-wide failures.
final class OpenAICompatibleCuratorTests: XCTestCase {
    /// Several clusters go through chat completions; each answer is the emulated model's tool
    /// call (sent with `finish_reason` "stop"), decoded from its JSON-string arguments and
    /// routed by the one parser; a poll after the batch ended sends nothing.
    func testRoundTripWithToolCalls() throws {
        let scratch = try JobScratch()
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration(apiKey: "test-key")) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let curator = try Self.curator(scratch.store(), emulator)
        let requests = (0..<6).map { Self.request(cluster: $0, labels: ["Foo \($0)", "Bar", "foo \($0)"]) }
        let batchID = try JobScratch.wait { try await curator.submit(requests: requests, jobNonce: Self.nonce) }
        XCTAssertEqual(emulator.stats().requestsByRoute["chatCompletions"] ?? 0, 0, "submit sends nothing")

        XCTAssertEqual(try JobScratch.wait { try await curator.status(batchID: batchID) }, .ended)
        let results = try JobScratch.wait { try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID))) }
        XCTAssertEqual(Set(results.keys), Set(requests.map(\.customID)))
        for (index, request) in requests.enumerated() {
            guard case let .routes(routes) = CuratorAnswer.parse(results[request.customID], memberCount: 3) else {
                return XCTFail("\(request.customID): \(String(describing: results[request.customID]))")
            }
            XCTAssertEqual(routes[0], .resolve(RoutedDecision(decision: .commit, itemKey: "lib:foo-\(index)", itemType: "lib",
                                                              label: "Foo \(index)", confidence: 0.8, note: "new item")))
            guard case let .resolve(merge) = routes[2] else { return XCTFail("\(routes[2])") }
            XCTAssertEqual(merge.decision, .merge)
            XCTAssertEqual(merge.itemKey, "lib:foo-\(index)")
        }
        XCTAssertEqual(emulator.stats().submissionsByCustomID, Dictionary(uniqueKeysWithValues: requests.map { ($0.customID, 1) }))

        XCTAssertEqual(try JobScratch.wait { try await curator.status(batchID: batchID) }, .ended)
        XCTAssertEqual(emulator.stats().requestsByRoute["chatCompletions"], 6, "an ended batch is not sent again")
        XCTAssertEqual(curator.transportStats?.requests, 6)
        let found = try JobScratch.wait { try await curator.findBatches(jobNonce: Self.nonce, claimedAt: .now()) }
        XCTAssertEqual(found, [CuratorSubmittedBatch(batchID: batchID, customIDs: requests.map(\.customID))])
    }

    /// The body sent is the chat completions form: system message first, the tool as a
    /// function with its input schema as parameters, the forced tool named, the model set.
    func testSubmittedBodyIsChatCompletionsShaped() throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration()) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let curator = try Self.curator(store, emulator)
        _ = try JobScratch.wait { try await curator.submit(requests: [Self.request(cluster: 0, labels: ["x"])], jobNonce: Self.nonce) }
        let stored = try XCTUnwrap(try store.read { try String.fetchOne($0, sql: "SELECT requests FROM local_batches") })
        let body = try JSONValue(parsing: XCTUnwrap(JSONValue(parsing: stored).arrayValue?.first?["body"]?.stringValue))
        let messages = try XCTUnwrap(body["messages"]?.arrayValue)
        let tool = try XCTUnwrap(body["tools"]?.arrayValue?.first)
        XCTAssertEqual(body["model"], "emulated-model")
        XCTAssertEqual(body["max_tokens"], 4096)
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual(messages[0]["role"], "system")
        XCTAssertEqual(messages[0]["content"]?.stringValue, CuratorPrompt.systemPrompt)
        XCTAssertEqual(messages[1]["role"], "user")
        XCTAssertEqual(tool["type"], "function")
        XCTAssertEqual(tool["function"]?["name"], "curate_decisions")
        XCTAssertEqual(tool["function"]?["parameters"], CuratorPrompt.tool["input_schema"])
        XCTAssertEqual(body["tool_choice"], ["type": "function", "function": ["name": "curate_decisions"]])
        XCTAssertNil(body["system"])
        XCTAssertEqual(try store.read { try String.fetchOne($0, sql: "SELECT provider FROM local_batches") }, "openai-compatible")
    }

    /// At most `concurrency` requests are in flight: sampled while the batch runs, the emulator
    /// never holds more requests received than answered than that.
    func testConcurrencyIsBounded() throws {
        let scratch = try JobScratch()
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration(requestDelay: 0.15)) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let curator = try Self.curator(scratch.store(), emulator, concurrency: 2)
        let requests = (0..<8).map { Self.request(cluster: $0, labels: ["p\($0)"]) }
        let batchID = try JobScratch.wait { try await curator.submit(requests: requests, jobNonce: Self.nonce) }
        let sampler = InFlightSampler(emulator)
        XCTAssertEqual(try JobScratch.wait { try await curator.status(batchID: batchID) }, .ended)
        let maxInFlight = sampler.stop()
        XCTAssertLessThanOrEqual(maxInFlight, 2)
        XCTAssertGreaterThanOrEqual(maxInFlight, 1)
        XCTAssertEqual(emulator.stats().submissionsByCustomID.count, 8)
    }

    /// A dropped connection on the third request (no retries) fails the poll as unavailable
    /// after two results were stored; the next poll, from a fresh process (new store
    /// connection, new curator), sends only the three requests still without a result.
    func testResumeSendsOnlyTheMissingRequests() throws {
        let scratch = try JobScratch()
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration()) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let store = try scratch.store()
        let curator = try Self.curator(store, emulator, concurrency: 1)
        let requests = (0..<5).map { Self.request(cluster: $0, labels: ["p\($0)"]) }
        let batchID = try JobScratch.wait { try await curator.submit(requests: requests, jobNonce: Self.nonce) }
        emulator.inject([EmulatorFault(route: .chatCompletions, kind: .delay(seconds: 0), times: 2),
                         EmulatorFault(route: .chatCompletions, kind: .dropConnection)])
        XCTAssertThrowsError(try JobScratch.wait { try await curator.status(batchID: batchID) }) { error in
            guard case .unavailable? = error as? CuratorProviderError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try Self.storedResults(store), 2)
        XCTAssertThrowsError(try JobScratch.wait { try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID))) }) { error in
            XCTAssertEqual(error as? CuratorProviderError, .batchNotEnded(batchID))
        }

        let resumed = try Self.curator(scratch.store(), emulator, concurrency: 1)
        XCTAssertEqual(try JobScratch.wait { try await resumed.status(batchID: batchID) }, .ended)
        let stats = emulator.stats()
        XCTAssertEqual(stats.requestsByRoute["chatCompletions"], 6, "5 requests and the dropped one")
        XCTAssertEqual(stats.submissionsByCustomID, Dictionary(uniqueKeysWithValues: requests.map { ($0.customID, 1) }),
                       "no request was processed twice")
        XCTAssertEqual(try JobScratch.wait { try await resumed.results(batchID: batchID, expecting: Set(requests.map(\.customID))) }.count, 5)
    }

    /// A request failing for good (HTTP 400, or 500 with no retries left) is stored as errored
    /// with its status and error type only, never the error body; a refusal is a result
    /// without a tool call. All of them leave their cluster pending; the others are answered.
    func testErroredAndRefusedRequestsStayPending() throws {
        let scratch = try JobScratch()
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration()) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let curator = try Self.curator(scratch.store(), emulator, concurrency: 1)
        emulator.setOutcomes([EmulatorOutcomeRule(outcome: .errored, selector: .customIDSuffix("-c1")),
                              EmulatorOutcomeRule(outcome: .refusal, selector: .customIDSuffix("-c2"))])
        emulator.inject([EmulatorFault(route: .chatCompletions, kind: .status(code: 500))])
        let requests = (0..<4).map { Self.request(cluster: $0, labels: ["p\($0)"]) }
        let batchID = try JobScratch.wait { try await curator.submit(requests: requests, jobNonce: Self.nonce) }
        XCTAssertEqual(try JobScratch.wait { try await curator.status(batchID: batchID) }, .ended)
        let results = try JobScratch.wait { try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID))) }

        guard case let .errored(serverError)? = results["\(Self.nonce)-c0"] else { return XCTFail("\(results)") }
        XCTAssertTrue(serverError.hasPrefix("HTTP 500"), serverError)
        XCTAssertEqual(results["\(Self.nonce)-c1"], .errored(message: "HTTP 400 invalid_request_error"))
        XCTAssertEqual(results["\(Self.nonce)-c2"], .noToolCall(reason: "refusal"))
        for id in ["c0", "c1", "c2"] {
            guard case .unusable = CuratorAnswer.parse(results["\(Self.nonce)-\(id)"], memberCount: 1) else {
                return XCTFail("\(id) must stay pending")
            }
            XCTAssertFalse(results["\(Self.nonce)-\(id)"]!.summary.contains(ProviderEmulator.secretMarker))
        }
        guard case .routes = CuratorAnswer.parse(results["\(Self.nonce)-c3"], memberCount: 1) else {
            return XCTFail("\(String(describing: results["\(Self.nonce)-c3"]))")
        }
    }

    /// A wrong key fails every request alike (401): nothing is stored, the poll throws
    /// unavailable and the batch stays to be resumed.
    func testEndpointWideFailureStoresNothing() throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration(apiKey: "right-key")) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let curator = try Self.curator(store, emulator, apiKey: "wrong-key")
        let batchID = try JobScratch.wait {
            try await curator.submit(requests: (0..<3).map { Self.request(cluster: $0, labels: ["p"]) }, jobNonce: Self.nonce)
        }
        XCTAssertThrowsError(try JobScratch.wait { try await curator.status(batchID: batchID) }) { error in
            guard case let .unavailable(reason)? = error as? CuratorProviderError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("401"), reason)
            XCTAssertFalse(reason.contains("wrong-key"), reason)
        }
        XCTAssertEqual(try Self.storedResults(store), 0)
        XCTAssertEqual(try store.read { try String.fetchOne($0, sql: "SELECT state FROM local_batches") }, "in_progress")
    }

    /// Bad custom ids and unknown batch ids are refused.
    func testRefusals() throws {
        let scratch = try JobScratch()
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration()) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let curator = try Self.curator(scratch.store(), emulator)
        for ids in [["other-c0"], ["\(Self.nonce) c0"], ["\(Self.nonce)-c0", "\(Self.nonce)-c0"]] {
            let body = Self.request(cluster: 0, labels: ["x"]).body
            let requests = ids.map { CuratorRequest(customID: $0, body: body, prospectIDs: []) }
            XCTAssertThrowsError(try JobScratch.wait { try await curator.submit(requests: requests, jobNonce: Self.nonce) },
                                 "\(ids)")
        }
        let notJSON = [CuratorRequest(customID: "\(Self.nonce)-c0", body: "not json", prospectIDs: [])]
        XCTAssertThrowsError(try JobScratch.wait { try await curator.submit(requests: notJSON, jobNonce: Self.nonce) })
        XCTAssertThrowsError(try JobScratch.wait { try await curator.status(batchID: "chatbatch_missing") }) { error in
            XCTAssertEqual(error as? CuratorProviderError, .unknownBatch("chatbatch_missing"))
        }
    }

    /// Arguments that are not valid JSON are kept as text (the parser finds no decisions list in
    /// them); a reply without the tool call is a result without a tool call, with its
    /// `finish_reason`.
    func testUnusableRepliesAreStoredAsSuch() throws {
        let toolCall = #"{"type":"function","function":{"name":"curate_decisions","arguments":"{not json"}}"#
        let replies = [
            #"{"choices":[{"index":0,"message":{"role":"assistant","tool_calls":[\#(toolCall)]},"finish_reason":"stop"}]}"#:
                CuratorOutcome.succeeded(toolInput: .string("{not json")),
            #"{"choices":[{"index":0,"message":{"role":"assistant","content":"..."},"finish_reason":"length"}]}"#:
                .noToolCall(reason: "length"),
            #"{"choices":[]}"#: .errored(message: "reply has no choices"),
        ]
        for (reply, expected) in replies {
            let scratch = try JobScratch()
            let server = try CannedHTTPServer(body: reply)
            defer { server.stop() }
            let curator = try Self.curator(scratch.store(), baseURL: server.baseURL)
            let batchID = try JobScratch.wait {
                try await curator.submit(requests: [Self.request(cluster: 0, labels: ["x"])], jobNonce: Self.nonce)
            }
            XCTAssertEqual(try JobScratch.wait { try await curator.status(batchID: batchID) }, .ended)
            let outcome = try JobScratch.wait { try await curator.results(batchID: batchID, expecting: ["\(Self.nonce)-c0"]) }["\(Self.nonce)-c0"]
            XCTAssertEqual(outcome, expected, reply)
            guard case .unusable = CuratorAnswer.parse(outcome, memberCount: 1) else { return XCTFail(reply) }
        }
    }

    /// A whole backfill through the OpenAI-compatible curator resolves every prospect.
    func testBackfillThroughChatCompletions() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: "test-key"))
        let curator = try Self.curator(store, emulator)
        let report = try await Backfill(store: store, config: CurateConfig(), provider: curator).run(BackfillScope())
        XCTAssertEqual(try store.counts().pending, 0, "\(report)")
        XCTAssertEqual(try store.counts().resolved, 5)
        XCTAssertEqual(emulator.stats().submissionsByCustomID.values.max(), 1)
        try await emulator.stop()
    }

    /// A store at v1 holding a local batch opens at v2: the batch is the local curator's
    /// (`provider` 'local'), still found and collected by it, and invisible to this curator.
    func testV1StoreUpgradesWithItsLocalBatches() throws {
        let scratch = try JobScratch()
        do {
            let queue = try DatabaseQueue(path: scratch.databasePath)
            var migrator = DatabaseMigrator()
            let v1 = try XCTUnwrap(StoreSchema.migrations.first { $0.id == "v1" })
            migrator.registerMigration(v1.id) { db in for sql in v1.statements { try db.execute(sql: sql) } }
            try migrator.migrate(queue)
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO local_batches (batch_id, job_nonce, created_at, requests, results, state)
                    VALUES ('localbatch_old', ?, '2026-01-01T00:00:00.000Z', ?, NULL, 'in_progress')
                    """, arguments: [Self.nonce, #"[{"custom_id":"\#(Self.nonce)-c0","body":"{}","prospect_ids":[]}]"#])
            }
        }
        let store = try scratch.store()
        XCTAssertEqual(try store.appliedMigrations(), ["v1", "v2", "v3"])
        XCTAssertEqual(try store.read { try String.fetchOne($0, sql: "SELECT provider FROM local_batches") }, "local")
        let local = LocalCurator(store: store)
        XCTAssertEqual(try JobScratch.wait { try await local.findBatches(jobNonce: Self.nonce, claimedAt: .now()) }?.map(\.batchID),
                       ["localbatch_old"])
        XCTAssertEqual(try JobScratch.wait { try await local.status(batchID: "localbatch_old") }, .ended)
        let emulator = try JobScratch.wait { try await ProviderEmulator.start(EmulatorConfiguration()) }
        defer { try? JobScratch.wait { try await emulator.stop() } }
        let curator = try Self.curator(store, emulator)
        XCTAssertEqual(try JobScratch.wait { try await curator.findBatches(jobNonce: Self.nonce, claimedAt: .now()) }, [])
        XCTAssertThrowsError(try JobScratch.wait { try await curator.status(batchID: "localbatch_old") })
    }

    // MARK: Helpers

    static let nonce = "0123456789abcdef"

    /// A curator on `emulator` with no retries (faults reach it as they are).
    static func curator(_ store: CurationStore, _ emulator: ProviderEmulator, concurrency: Int = 4,
                        apiKey: String = "test-key") throws -> OpenAICompatibleCurator {
        try curator(store, baseURL: emulator.baseURL, concurrency: concurrency, apiKey: apiKey)
    }

    /// A curator on the server at `baseURL` (without `/v1`) with no retries.
    static func curator(_ store: CurationStore, baseURL: String, concurrency: Int = 4,
                        apiKey: String = "test-key") throws -> OpenAICompatibleCurator {
        var config = CurateConfig()
        config.concurrency = concurrency
        config.maxRetries = 0
        config.model = "emulated-model"
        let settings = try RemoteCuratorSettings.resolve(provider: OpenAICompatibleCurator.providerName, config: config,
                                                         baseURLOverride: baseURL + "/v1",
                                                         environment: ["OPENAI_API_KEY": apiKey])
        return OpenAICompatibleCurator(store: store, settings: settings,
                                       http: ProviderHTTPClient(policy: RetryPolicy(maxRetries: 0), timeout: .seconds(30)))
    }

    /// A request shaped as `CuratorPrompt` renders them, for a cluster of prospects of type
    /// `lib` with `labels`.
    static func request(cluster: Int, labels: [String]) -> CuratorRequest {
        var user = "Cluster of \(labels.count) prospects.\n\nShared recalled knowledge:\n(none)\n\nProspects:\n"
        for (position, label) in labels.enumerated() {
            user += "\(position + 1). \(label)\n   type: lib; confidence: 0.800; session: s\n"
        }
        let body: JSONValue = [
            "max_tokens": 4096, "system": .string(CuratorPrompt.systemPrompt),
            "messages": [["role": "user", "content": .string(user)]], "tools": [CuratorPrompt.tool],
            "tool_choice": ["type": "tool", "name": .string(CuratorRequest.toolName)],
        ]
        return CuratorRequest(customID: CuratorRequest.customID(jobNonce: nonce, clusterIndex: cluster), body: body.serialized(),
                              prospectIDs: labels.indices.map { "c\(cluster)p\($0)" })
    }

    static func storedResults(_ store: CurationStore) throws -> Int {
        try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM local_batch_results") ?? 0 }
    }
}

/// Samples, on its own thread, how many chat completions the emulator has received but not
/// yet answered, and keeps the largest count seen.
final class InFlightSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var stopping = false
    private var largest = 0
    private let finished = DispatchSemaphore(value: 0)

    /// Starts sampling `emulator` every 2 ms.
    init(_ emulator: ProviderEmulator) {
        Thread { [self] in
            while !lock.withLock({ stopping }) {
                let stats = emulator.stats()
                let inFlight = (stats.requestsByRoute["chatCompletions"] ?? 0) - stats.submissionsByCustomID.values.reduce(0, +)
                lock.withLock { largest = max(largest, inFlight) }
                usleep(2_000)
            }
            finished.signal()
        }.start()
    }

    /// Stops sampling; returns the largest count seen.
    func stop() -> Int {
        lock.withLock { stopping = true }
        finished.wait()
        return lock.withLock { largest }
    }
}
