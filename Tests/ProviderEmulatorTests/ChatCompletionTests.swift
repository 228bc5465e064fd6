import Foundation
import ProviderEmulator
import XCTest

final class ChatCompletionTests: XCTestCase {
    func testForcedToolCallCarriesTheDecisionsAsAJSONString() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: "sk-test"))
        let response = try await WireClient.openAI(emulator, key: "sk-test")
            .send("POST", "/v1/chat/completions", json: CuratorFixtures.chatBody(CuratorFixtures.sample, customID: "n-c0"))
        XCTAssertEqual(response.status, 200)
        let completion = response.json
        XCTAssertTrue((completion["id"] as? String)?.hasPrefix("chatcmpl-") ?? false)
        XCTAssertEqual(completion["object"] as? String, "chat.completion")
        XCTAssertEqual(completion["model"] as? String, "gpt-test")
        XCTAssertNotNil((completion["usage"] as? [String: Int])?["total_tokens"])
        let choice = try XCTUnwrap((completion["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(choice["finish_reason"] as? String, "stop", "OpenAI answers a named tool_choice with stop")
        let call = try XCTUnwrap(((choice["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]])?.first)
        XCTAssertEqual(call["type"] as? String, "function")
        let function = try XCTUnwrap(call["function"] as? [String: Any])
        XCTAssertEqual(function["name"] as? String, "curate_decisions")
        let arguments = try XCTUnwrap(function["arguments"] as? String, "arguments is a JSON string")
        let input = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any])
        XCTAssertEqual(CuratorFixtures.sampleDecisionProblems(try XCTUnwrap(input["decisions"] as? [[String: Any]])), [])
        XCTAssertEqual(emulator.stats().submissionsByCustomID, ["n-c0": 1])
        try await emulator.stop()
    }

    func testBearerKeyIsRequiredWhenConfigured() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(apiKey: "sk-test"))
        for key in [nil, "sk-wrong"] {
            let refused = try await WireClient.openAI(emulator, key: key)
                .send("POST", "/v1/chat/completions", json: CuratorFixtures.chatBody(CuratorFixtures.sample))
            XCTAssertEqual(refused.status, 401)
            let error = try XCTUnwrap(refused.json["error"] as? [String: Any])
            XCTAssertEqual(Set(error.keys), ["message", "type", "param", "code"])
            XCTAssertEqual(error["code"] as? String, "invalid_api_key")
        }
        XCTAssertEqual(emulator.stats().submissionsByCustomID, [:])
        try await emulator.stop()
    }

    func testConcurrentKeepAliveClients() async throws {
        let emulator = try await ProviderEmulator.start()
        let client = WireClient.openAI(emulator)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await client.send("POST", "/v1/chat/completions",
                                          json: CuratorFixtures.chatBody(CuratorFixtures.sample, customID: "k-c\(index)")).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        XCTAssertEqual(statuses, Array(repeating: 200, count: 40))
        let submissions = emulator.stats().submissionsByCustomID
        XCTAssertEqual(submissions.count, 40)
        XCTAssertEqual(Set(submissions.values), [1])
        try await emulator.stop()
    }

    func testAnOfferedToolIsCalledUnforcedAndUntypedProspectsAreItems() async throws {
        let emulator = try await ProviderEmulator.start()
        let prospects = [CuratorFixtures.Prospect(label: "a"), CuratorFixtures.Prospect(label: "b", type: ""),
                         CuratorFixtures.Prospect(label: "c", type: "unspecified"),
                         CuratorFixtures.Prospect(label: "d", type: "notes", summary: "Kept.")]
        var body = CuratorFixtures.chatBody(prospects)
        body["tool_choice"] = "auto"
        let response = try await WireClient.openAI(emulator).send("POST", "/v1/chat/completions", json: body)
        let message = try XCTUnwrap((response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
        let function = try XCTUnwrap((message["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any])
        XCTAssertEqual(function["name"] as? String, "curate_decisions")
        let arguments = try XCTUnwrap(function["arguments"] as? String)
        let input = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any])
        let decisions = try XCTUnwrap(input["decisions"] as? [[String: Any]])
        XCTAssertEqual(decisions.compactMap { $0["decision"] as? String }, ["commit", "commit", "commit", "commit"])
        XCTAssertEqual(decisions.compactMap { $0["item_key"] as? String }, ["item:a", "item:b", "item:c", "notes:d"])
        XCTAssertEqual(decisions.last?["summary"] as? String, "Kept.")
        try await emulator.stop()
    }
}
