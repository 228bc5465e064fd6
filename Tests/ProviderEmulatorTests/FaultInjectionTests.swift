import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ProviderEmulator
import XCTest

final class FaultInjectionTests: XCTestCase {
    func testStatusFaultsCarryRetryHeadersAndTheRouteErrorBody() async throws {
        let emulator = try await ProviderEmulator.start()
        emulator.inject([
            EmulatorFault(route: .createBatch, kind: .status(429, retryAfterSeconds: 2), times: 2),
            EmulatorFault(route: .createBatch, kind: .status(529, retryAfterMilliseconds: 250)),
            EmulatorFault(route: .chatCompletions, kind: .status(code: 503, retryAfterSeconds: 1)),
        ])
        let anthropic = WireClient.anthropic(emulator)
        let body = CuratorFixtures.createBody(["c0"])
        for _ in 0..<2 {
            let limited = try await anthropic.send("POST", "/v1/messages/batches", json: body)
            XCTAssertEqual(limited.status, 429)
            XCTAssertEqual(limited.headers["retry-after"], "2")
            XCTAssertEqual((limited.json["error"] as? [String: Any])?["type"] as? String, "rate_limit_error")
            let message = try XCTUnwrap((limited.json["error"] as? [String: Any])?["message"] as? String)
            XCTAssertTrue(message.contains(ProviderEmulator.secretMarker), "error messages echo the prompt on purpose")
            XCTAssertTrue(message.contains("Cluster of 3"))
        }
        let overloaded = try await anthropic.send("POST", "/v1/messages/batches", json: body)
        XCTAssertEqual(overloaded.status, 529)
        XCTAssertEqual(overloaded.headers["retry-after-ms"], "250")
        XCTAssertNil(overloaded.headers["retry-after"])
        XCTAssertEqual((overloaded.json["error"] as? [String: Any])?["type"] as? String, "overloaded_error")
        try await anthropic.expect(200, "POST", "/v1/messages/batches", json: body)

        let unavailable = try await WireClient.openAI(emulator).send("POST", "/v1/chat/completions",
                                                                   json: CuratorFixtures.chatBody(CuratorFixtures.sample))
        XCTAssertEqual(unavailable.status, 503)
        XCTAssertEqual(unavailable.headers["retry-after"], "1")
        let error = try XCTUnwrap(unavailable.json["error"] as? [String: Any])
        XCTAssertEqual(error["type"] as? String, "server_error")
        XCTAssertTrue(error.keys.contains("param") && error.keys.contains("code"))

        let stats = emulator.stats()
        XCTAssertEqual(stats.faultsServed, 4)
        XCTAssertEqual(stats.requestsByRoute, ["createBatch": 4, "chatCompletions": 1])
        XCTAssertEqual(stats.submissionsByCustomID, ["c0": 1], "refused attempts are not submissions")
        try await emulator.stop()
    }

    func testDroppedConnectionLeavesNothingBehind() async throws {
        let emulator = try await ProviderEmulator.start()
        emulator.inject([EmulatorFault(route: .createBatch, kind: .dropConnection)])
        do {
            let response = try await WireClient.anthropic(emulator).send("POST", "/v1/messages/batches",
                                                                         json: CuratorFixtures.createBody(["c0"]))
            XCTFail("expected a transport error, got \(response.status)")
        } catch {
            XCTAssertTrue(error is URLError, "\(error)")
        }
        XCTAssertEqual(emulator.stats().batchesCreated, 0)
        try await WireClient.anthropic(emulator).expect(200, "POST", "/v1/messages/batches",
                                                        json: CuratorFixtures.createBody(["c0"]))
        XCTAssertEqual(emulator.stats().faultsServed, 1)
        try await emulator.stop()
    }

    func testDroppedResponseStillCreatesTheBatch() async throws {
        let emulator = try await ProviderEmulator.start()
        emulator.inject([EmulatorFault(route: .createBatch, kind: .dropResponse)])
        let client = WireClient.anthropic(emulator)
        do {
            _ = try await client.send("POST", "/v1/messages/batches", json: CuratorFixtures.createBody(["c0", "c1"]))
            XCTFail("expected a transport error")
        } catch {}
        let stats = emulator.stats()
        XCTAssertEqual(stats.batchesCreated, 1)
        XCTAssertEqual(stats.submissionsByCustomID, ["c0": 1, "c1": 1])
        let listed = try await WireClient.anthropic(emulator).send("GET", "/v1/messages/batches").json
        XCTAssertEqual((listed["data"] as? [Any])?.count, 1, "the client can find the batch it never heard about")
        try await emulator.stop()
    }

    func testTruncatedResultsStreams() async throws {
        let emulator = try await ProviderEmulator.start()
        let client = WireClient.anthropic(emulator)
        let customIDs = (0..<6).map { "c\($0)" }
        let id = try await client.createBatch(customIDs)
        emulator.inject([
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 2)),
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 4, cleanEnd: true)),
        ])
        do {
            let response = try await WireClient.anthropic(emulator).send("GET", "/v1/messages/batches/\(id)/results")
            XCTFail("expected the stream to break, got \(response.status) with \(response.jsonLines.count) lines")
        } catch {
            XCTAssertTrue(error is URLError, "\(error)")
        }
        let short = try await client.send("GET", "/v1/messages/batches/\(id)/results")
        XCTAssertEqual(short.status, 200)
        XCTAssertEqual(short.jsonLines.count, 4, "a clean end with fewer lines than request_counts")
        let whole = try await client.send("GET", "/v1/messages/batches/\(id)/results")
        XCTAssertEqual(whole.jsonLines.compactMap { $0["custom_id"] as? String }, customIDs)
        XCTAssertEqual(emulator.stats().faultsServed, 2)
        try await emulator.stop()
    }

    func testDelaysAreSleptAndReported() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(requestDelay: 0.1))
        emulator.inject([EmulatorFault(route: .embeddings, kind: .delay(seconds: 0.2))])
        let client = WireClient.openAI(emulator)
        let start = ContinuousClock.now
        try await client.expect(200, "POST", "/v1/embeddings", json: ["model": "m", "input": "a"])
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(300))
        XCTAssertEqual(emulator.stats().processingSeconds, 0.3, accuracy: 1e-9)
        try await emulator.stop()
    }

    func testAdminRoutesInjectFaultsAndReportStats() async throws {
        let emulator = try await ProviderEmulator.start()
        let admin = WireClient(baseURL: emulator.baseURL, headers: ["content-type": "application/json"], session: .fresh())
        let faults: [[String: Any]] = [["route": "retrieveBatch", "kind": "status", "status": 500, "retryAfterSeconds": 0.5]]
        try await admin.expect(200, "POST", "/_emulator/faults", json: faults)
        try await admin.expect(200, "POST", "/_emulator/outcomes", json: [["outcome": "refusal", "everyKth": 1]])
        try await admin.expect(400, "POST", "/_emulator/faults", json: [["route": "nowhere"]])
        let failed = try await WireClient.anthropic(emulator).send("GET", "/v1/messages/batches/msgbatch_x")
        XCTAssertEqual(failed.status, 500)
        XCTAssertEqual(failed.headers["retry-after"], "0.5")
        XCTAssertEqual((failed.json["error"] as? [String: Any])?["type"] as? String, "api_error")
        let chat = try await WireClient.openAI(emulator).send("POST", "/v1/chat/completions",
                                                              json: CuratorFixtures.chatBody(CuratorFixtures.sample))
        let message = (chat.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
        XCTAssertNil(message?["tool_calls"], "the rule set over HTTP applies")

        let statsBody = try await admin.send("GET", "/_emulator/stats").body
        let stats = try JSONDecoder().decode(EmulatorStats.self, from: statsBody)
        XCTAssertEqual(stats, emulator.stats())
        XCTAssertEqual(stats.faultsServed, 1)
        try await admin.expect(200, "POST", "/_emulator/reset-stats")
        XCTAssertEqual(emulator.stats(), EmulatorStats())
        try await emulator.stop()
    }

    func testFaultsRoundTripThroughJSON() throws {
        let faults = [
            EmulatorFault(route: .createBatch, kind: .status(529, retryAfterSeconds: 1.5, retryAfterMilliseconds: 1500), times: 3),
            EmulatorFault(route: .retrieveBatch, kind: .dropConnection),
            EmulatorFault(route: .chatCompletions, kind: .dropResponse),
            EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 7, cleanEnd: true)),
            EmulatorFault(route: .embeddings, kind: .delay(seconds: 0.25)),
        ]
        XCTAssertEqual(try JSONDecoder().decode([EmulatorFault].self, from: JSONEncoder().encode(faults)), faults)
        let rules = [EmulatorOutcomeRule(outcome: .errored, selector: .customIDSuffix("-c1")),
                     EmulatorOutcomeRule(outcome: .refusal, selector: .everyKth(3))]
        XCTAssertEqual(try JSONDecoder().decode([EmulatorOutcomeRule].self, from: JSONEncoder().encode(rules)), rules)
        let configuration = EmulatorConfiguration(processingDelay: 2, apiKey: "k", embeddingDimension: 8)
        XCTAssertEqual(try JSONDecoder().decode(EmulatorConfiguration.self, from: JSONEncoder().encode(configuration)),
                       configuration)
        XCTAssertEqual(try JSONDecoder().decode(EmulatorConfiguration.self, from: Data("{}".utf8)), EmulatorConfiguration())
    }
}
