import Foundation
import ProviderEmulator
import XCTest

final class MessageBatchTests: XCTestCase {
    func testCreatePollAndResultsCarryRealToolCalls() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 3600, apiKey: "k"))
        let client = WireClient.anthropic(emulator, key: "k")
        let created = try await client.send("POST", "/v1/messages/batches", json: CuratorFixtures.createBody(["job-c0", "job-c1"]))
        XCTAssertEqual(created.status, 200)
        let batch = created.json
        let id = try XCTUnwrap(batch["id"] as? String)
        XCTAssertTrue(id.hasPrefix("msgbatch_"))
        XCTAssertEqual(batch["type"] as? String, "message_batch")
        XCTAssertEqual(batch["processing_status"] as? String, "in_progress")
        XCTAssertEqual((batch["request_counts"] as? [String: Int])?["processing"], 2)
        XCTAssertTrue(batch["results_url"] is NSNull)
        let createdAt = try XCTUnwrap(batch["created_at"] as? String)
        let expiresAt = try XCTUnwrap(batch["expires_at"] as? String)
        let parse = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        XCTAssertEqual(try parse.parse(expiresAt).timeIntervalSince(try parse.parse(createdAt)), 86_400, accuracy: 0.001)

        let early = try await client.send("GET", "/v1/messages/batches/\(id)/results")
        XCTAssertEqual(early.status, 404, "no results before the batch ended")
        emulator.finishBatches()

        var polled = try await client.send("GET", "/v1/messages/batches/\(id)")
        while polled.json["processing_status"] as? String != "ended" {
            try await Task.sleep(for: .milliseconds(50))
            polled = try await client.send("GET", "/v1/messages/batches/\(id)")
        }
        XCTAssertEqual(polled.json["request_counts"] as? [String: Int],
                       ["processing": 0, "succeeded": 2, "errored": 0, "canceled": 0, "expired": 0])
        XCTAssertNotNil(polled.json["ended_at"] as? String)
        let resultsURL = try XCTUnwrap(polled.json["results_url"] as? String)
        XCTAssertEqual(resultsURL, "\(emulator.baseURL)/v1/messages/batches/\(id)/results")

        let results = try await client.send("GET", String(resultsURL.dropFirst(emulator.baseURL.count)))
        XCTAssertEqual(results.status, 200)
        let lines = results.jsonLines
        XCTAssertEqual(Set(lines.compactMap { $0["custom_id"] as? String }), ["job-c0", "job-c1"])
        for line in lines {
            let result = try XCTUnwrap(line["result"] as? [String: Any])
            XCTAssertEqual(result["type"] as? String, "succeeded")
            let message = try XCTUnwrap(result["message"] as? [String: Any])
            XCTAssertEqual(message["type"] as? String, "message")
            XCTAssertEqual(message["role"] as? String, "assistant")
            XCTAssertEqual(message["model"] as? String, "claude-test")
            XCTAssertEqual(message["stop_reason"] as? String, "tool_use")
            XCTAssertNotNil((message["usage"] as? [String: Int])?["output_tokens"])
            let block = try XCTUnwrap((message["content"] as? [[String: Any]])?.first)
            XCTAssertEqual(block["type"] as? String, "tool_use")
            XCTAssertTrue((block["id"] as? String)?.hasPrefix("toolu_") ?? false)
            XCTAssertEqual(block["name"] as? String, "curate_decisions")
            let decisions = try XCTUnwrap((block["input"] as? [String: Any])?["decisions"] as? [[String: Any]])
            XCTAssertEqual(CuratorFixtures.sampleDecisionProblems(decisions), [])
        }
        try await emulator.stop()
    }

    func testListPagesNewestFirst() async throws {
        let emulator = try await ProviderEmulator.start()
        let client = WireClient.anthropic(emulator)
        var ids: [String] = []
        for index in 0..<5 {
            let created = try await client.send("POST", "/v1/messages/batches", json: CuratorFixtures.createBody(["c\(index)"]))
            ids.append(try XCTUnwrap(created.json["id"] as? String))
        }
        let newest = Array(ids.reversed())
        let first = try await client.send("GET", "/v1/messages/batches?limit=2").json
        XCTAssertEqual((first["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, Array(newest[0..<2]))
        XCTAssertEqual(first["has_more"] as? Bool, true)
        XCTAssertEqual(first["first_id"] as? String, newest[0])
        XCTAssertEqual(first["last_id"] as? String, newest[1])
        let second = try await client.send("GET", "/v1/messages/batches?limit=2&after_id=\(newest[1])").json
        XCTAssertEqual((second["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, Array(newest[2..<4]))
        let last = try await client.send("GET", "/v1/messages/batches?limit=2&after_id=\(newest[3])").json
        XCTAssertEqual((last["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, [newest[4]])
        XCTAssertEqual(last["has_more"] as? Bool, false)
        let back = try await client.send("GET", "/v1/messages/batches?limit=2&before_id=\(newest[2])").json
        XCTAssertEqual((back["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, Array(newest[0..<2]))
        XCTAssertEqual(back["has_more"] as? Bool, false)
        let all = try await client.send("GET", "/v1/messages/batches").json
        XCTAssertEqual((all["data"] as? [[String: Any]])?.count, 5)
        try await client.expect(400, "GET", "/v1/messages/batches?limit=0")
        try await emulator.stop()
    }

    func testAuthenticationVersionAndValidation() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: "right"))
        let body = CuratorFixtures.createBody(["c0"])
        for key in [nil, "wrong"] {
            let refused = try await WireClient.anthropic(emulator, key: key).send("POST", "/v1/messages/batches", json: body)
            XCTAssertEqual(refused.status, 401)
            XCTAssertEqual(refused.json["type"] as? String, "error")
            XCTAssertEqual((refused.json["error"] as? [String: Any])?["type"] as? String, "authentication_error")
            XCTAssertTrue((refused.json["request_id"] as? String)?.hasPrefix("req_") ?? false)
        }
        let client = WireClient.anthropic(emulator, key: "right")
        let unversioned = try await WireClient(baseURL: emulator.baseURL, headers: ["x-api-key": "right"], session: .fresh())
            .send("POST", "/v1/messages/batches", json: body)
        XCTAssertEqual(unversioned.status, 400)
        for (customIDs, reason) in [([String](), "empty"), (["ok", "ok"], "duplicate"), (["has space"], "pattern"),
                                    ([String(repeating: "a", count: 65)], "too long")] {
            let refused = try await client.send("POST", "/v1/messages/batches", json: CuratorFixtures.createBody(customIDs))
            XCTAssertEqual(refused.status, 400, reason)
            XCTAssertEqual((refused.json["error"] as? [String: Any])?["type"] as? String, "invalid_request_error", reason)
        }
        let malformed = try await client.send("POST", "/v1/messages/batches", json: ["requests": [["custom_id": "x"]]])
        XCTAssertEqual(malformed.status, 400)
        try await client.expect(404, "GET", "/v1/messages/batches/msgbatch_nope")
        XCTAssertEqual(emulator.stats().batchesCreated, 0)
        try await emulator.stop()
    }

    func testLimitsAnswer413() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(maxBatchRequests: 3, maxBatchBytes: 20_000))
        let client = WireClient.anthropic(emulator)
        let tooMany = try await client.send("POST", "/v1/messages/batches", json: CuratorFixtures.createBody(["a", "b", "c", "d"]))
        XCTAssertEqual(tooMany.status, 413)
        XCTAssertEqual((tooMany.json["error"] as? [String: Any])?["type"] as? String, "request_too_large")
        let long = [CuratorFixtures.Prospect(label: String(repeating: "x", count: 30_000))]
        let tooLarge = try await client.send("POST", "/v1/messages/batches", json: CuratorFixtures.createBody(["a"], prospects: long))
        XCTAssertEqual(tooLarge.status, 413)
        XCTAssertEqual((tooLarge.json["error"] as? [String: Any])?["type"] as? String, "request_too_large")
        try await client.expect(200, "POST", "/v1/messages/batches", json: CuratorFixtures.createBody(["a", "b", "c"]))
        XCTAssertEqual(emulator.stats().batchesCreated, 1)
        try await emulator.stop()
    }

    func testCancelEndsTheBatchWithEveryRequestCanceled() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 60))
        let client = WireClient.anthropic(emulator)
        let id = try await client.createBatch(["a", "b"])
        let canceling = try await client.send("POST", "/v1/messages/batches/\(id)/cancel").json
        XCTAssertEqual(canceling["processing_status"] as? String, "canceling")
        XCTAssertNotNil(canceling["cancel_initiated_at"] as? String)
        try await Task.sleep(for: .milliseconds(5))
        let ended = try await client.send("GET", "/v1/messages/batches/\(id)").json
        XCTAssertEqual(ended["processing_status"] as? String, "ended")
        XCTAssertEqual((ended["request_counts"] as? [String: Int])?["canceled"], 2)
        let results = try await client.send("GET", "/v1/messages/batches/\(id)/results").jsonLines
        XCTAssertEqual(results.compactMap { ($0["result"] as? [String: Any])?["type"] as? String }, ["canceled", "canceled"])
        let deleted = try await client.send("DELETE", "/v1/messages/batches/\(id)")
        XCTAssertEqual(deleted.json["type"] as? String, "message_batch_deleted")
        try await client.expect(404, "GET", "/v1/messages/batches/\(id)")
        try await emulator.stop()
    }

    func testThinkingWithAForcedToolIsErroredLikeTheRealAPI() async throws {
        let emulator = try await ProviderEmulator.start()
        emulator.setOutcomes([EmulatorOutcomeRule(outcome: .refusal, customIDSuffix: "-any")])
        let cases: [(customID: String, thinking: String?, toolChoice: String?, result: String)] = [
            ("adaptive-unforced", "adaptive", nil, "succeeded"), ("adaptive-auto", "adaptive", "auto", "succeeded"),
            ("adaptive-tool", "adaptive", "tool", "errored"), ("enabled-any", "enabled", "any", "errored"),
            ("disabled-tool", "disabled", "tool", "succeeded"), ("off-tool", nil, "tool", "succeeded"),
        ]
        let requests = cases.map { entry -> [String: Any] in
            var params = CuratorFixtures.messagesParams(CuratorFixtures.sample)
            params["thinking"] = nil
            if let thinking = entry.thinking { params["thinking"] = ["type": thinking] }
            if let choice = entry.toolChoice { params["tool_choice"] = ["type": choice, "name": "curate_decisions"] }
            return ["custom_id": entry.customID, "params": params]
        }
        let client = WireClient.anthropic(emulator)
        let created = try await client.send("POST", "/v1/messages/batches", json: ["requests": requests])
        let id = try XCTUnwrap(created.json["id"] as? String)
        let batch = try await client.send("GET", "/v1/messages/batches/\(id)").json
        XCTAssertEqual((batch["request_counts"] as? [String: Int])?["errored"], 2)
        let results = try await client.send("GET", "/v1/messages/batches/\(id)/results").jsonLines
        XCTAssertEqual(results.count, cases.count)
        for (entry, line) in zip(cases, results) {
            XCTAssertEqual(line["custom_id"] as? String, entry.customID)
            let result = try XCTUnwrap(line["result"] as? [String: Any])
            XCTAssertEqual(result["type"] as? String, entry.result, entry.customID)
            if entry.result == "errored" {
                let error = try XCTUnwrap((result["error"] as? [String: Any])?["error"] as? [String: Any])
                XCTAssertEqual(error["type"] as? String, "invalid_request_error")
                let message = try XCTUnwrap(error["message"] as? String)
                XCTAssertTrue(message.contains("Thinking") && message.contains("forces tool use"), message)
            } else {
                let message = try XCTUnwrap(result["message"] as? [String: Any])
                XCTAssertEqual(message["stop_reason"] as? String, "tool_use", "the offered tool is called, forced or not")
                let block = try XCTUnwrap((message["content"] as? [[String: Any]])?.first)
                let decisions = try XCTUnwrap((block["input"] as? [String: Any])?["decisions"] as? [[String: Any]])
                XCTAssertEqual(CuratorFixtures.sampleDecisionProblems(decisions), [], entry.customID)
            }
        }
        try await emulator.stop()
    }
}
