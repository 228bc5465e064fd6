import Foundation
import ProviderEmulator
import XCTest

final class OutcomeRuleTests: XCTestCase {
    func testBatchResultsFollowTheRules() async throws {
        let emulator = try await ProviderEmulator.start()
        emulator.setOutcomes([
            EmulatorOutcomeRule(outcome: .errored, selector: .customIDSuffix("-bad")),
            EmulatorOutcomeRule(outcome: .expired, selector: .customIDSuffix("-late")),
            EmulatorOutcomeRule(outcome: .canceled, selector: .customIDSuffix("-stop")),
            EmulatorOutcomeRule(outcome: .refusal, selector: .everyKth(4)),
        ])
        let client = WireClient.anthropic(emulator)
        let customIDs = ["r1", "r2-bad", "r3-late", "r4", "r5-stop", "r6", "r7", "r8-bad"]
        let id = try await client.createBatch(customIDs)
        let batch = try await client.send("GET", "/v1/messages/batches/\(id)").json
        XCTAssertEqual(batch["request_counts"] as? [String: Int],
                       ["processing": 0, "succeeded": 4, "errored": 2, "canceled": 1, "expired": 1])
        var results: [String: [String: Any]] = [:]
        for line in try await client.send("GET", "/v1/messages/batches/\(id)/results").jsonLines {
            results[line["custom_id"] as! String] = line["result"] as? [String: Any]
        }
        XCTAssertEqual(results.mapValues { $0["type"] as? String },
                       ["r1": "succeeded", "r2-bad": "errored", "r3-late": "expired", "r4": "succeeded",
                        "r5-stop": "canceled", "r6": "succeeded", "r7": "succeeded", "r8-bad": "errored"])
        let errored = try XCTUnwrap(results["r2-bad"]?["error"] as? [String: Any])
        XCTAssertEqual(errored["type"] as? String, "error")
        XCTAssertEqual((errored["error"] as? [String: Any])?["type"] as? String, "invalid_request_error")
        XCTAssertTrue((errored["request_id"] as? String)?.hasPrefix("req_") ?? false)
        XCTAssertEqual(results["r3-late"]?.count, 1, "expired carries only its type")

        let refusal = try XCTUnwrap(results["r4"]?["message"] as? [String: Any])
        XCTAssertEqual(refusal["stop_reason"] as? String, "refusal")
        XCTAssertEqual((refusal["content"] as? [[String: Any]])?.map { $0["type"] as? String }, ["text"])
        let normal = try XCTUnwrap(results["r6"]?["message"] as? [String: Any])
        XCTAssertEqual(normal["stop_reason"] as? String, "tool_use")
        try await emulator.stop()
    }

    func testChatCompletionsFollowTheRules() async throws {
        let emulator = try await ProviderEmulator.start()
        emulator.setOutcomes([EmulatorOutcomeRule(outcome: .errored, selector: .customIDSuffix("-c2")),
                              EmulatorOutcomeRule(outcome: .refusal, selector: .everyKth(3))])
        let client = WireClient.openAI(emulator)
        var kinds: [String] = []
        for index in 1...4 {
            let response = try await client.send("POST", "/v1/chat/completions",
                                                 json: CuratorFixtures.chatBody(CuratorFixtures.sample, customID: "job-c\(index)"))
            if response.status != 200 {
                XCTAssertEqual(response.status, 400)
                XCTAssertEqual((response.json["error"] as? [String: Any])?["type"] as? String, "invalid_request_error")
                kinds.append("errored")
                continue
            }
            let message = try XCTUnwrap((response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
            if message["tool_calls"] == nil {
                XCTAssertNotNil(message["content"] as? String)
                kinds.append("refusal")
            } else {
                kinds.append("tool_call")
            }
        }
        XCTAssertEqual(kinds, ["tool_call", "errored", "refusal", "tool_call"])
        XCTAssertEqual(emulator.stats().submissionsByCustomID, ["job-c1": 1, "job-c2": 1, "job-c3": 1, "job-c4": 1])
        try await emulator.stop()
    }
}
