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

    func testScriptedBatchResultsCarryExactlyTheScriptedBlocks() async throws {
        let emulator = try await ProviderEmulator.start()
        let refusal = #"[{"type":"text","text":"I won't."},{"type":"tool_use","id":"toolu_r","name":"curate_decisions","#
            + #""input":{"decisions":[{"index":1,"decision":"reject"}]}}]"#
        let twoCalls = #"[{"type":"tool_use","id":"toolu_1","name":"curate_decisions","input":{"decisions":[]}},"#
            + #"{"type":"tool_use","id":"toolu_2","name":"other","input":{"decisions":[{"index":1,"confidence":0.25}]}}]"#
        let stringInput = #"[{"type":"tool_use","id":"toolu_s","name":"curate_decisions","input":"{\"decisions\": [oops"}]"#
        emulator.setOutcomes([
            try EmulatorOutcomeRule(scripted: refusal, stopReason: "refusal", customIDSuffix: "-refuse"),
            try EmulatorOutcomeRule(scripted: twoCalls, customIDSuffix: "-two"),
            try EmulatorOutcomeRule(scripted: stringInput, stopReason: "max_tokens", customIDSuffix: "-string"),
            try EmulatorOutcomeRule(scripted: "[]", stopReason: "end_turn", selector: .everyKth(4)),
        ])
        let client = WireClient.anthropic(emulator)
        let id = try await client.createBatch(["s1-refuse", "s2-two", "s3-string", "s4", "s5"])
        let batch = try await client.send("GET", "/v1/messages/batches/\(id)").json
        XCTAssertEqual((batch["request_counts"] as? [String: Int])?["succeeded"], 5)
        var messages: [String: [String: Any]] = [:]
        for line in try await client.send("GET", "/v1/messages/batches/\(id)/results").jsonLines {
            let result = try XCTUnwrap(line["result"] as? [String: Any])
            XCTAssertEqual(result["type"] as? String, "succeeded")
            messages[line["custom_id"] as! String] = result["message"] as? [String: Any]
        }
        for (customID, script, stopReason) in [("s1-refuse", refusal, "refusal"), ("s2-two", twoCalls, "tool_use"),
                                               ("s3-string", stringInput, "max_tokens"), ("s4", "[]", "end_turn")] {
            let message = try XCTUnwrap(messages[customID], customID)
            XCTAssertEqual(message["type"] as? String, "message")
            XCTAssertEqual(message["stop_reason"] as? String, stopReason, customID)
            XCTAssertEqual(try Self.canonical(message["content"] as Any),
                           try Self.canonical(JSONSerialization.jsonObject(with: Data(script.utf8))), customID)
        }
        XCTAssertEqual(messages["s5"]?["stop_reason"] as? String, "tool_use", "unselected requests get the emulated model")
        try await emulator.stop()
    }

    func testScriptedRulesSetOverHTTPAnswerBothAPIs() async throws {
        let emulator = try await ProviderEmulator.start()
        let admin = WireClient(baseURL: emulator.baseURL, headers: ["content-type": "application/json"], session: .fresh())
        let blocks: [[String: Any]] = [
            ["type": "tool_use", "id": "toolu_1", "name": "curate_decisions", "input": ["decisions": [["index": 1]]]],
            ["type": "text", "text": "first"],
            ["type": "tool_use", "id": "toolu_2", "name": "curate_decisions", "input": "raw {text"],
            ["type": "thinking", "thinking": "hidden", "signature": "sig"],
            ["type": "text", "text": "second"],
        ]
        let rules: [[String: Any]] = [
            ["outcome": "scripted", "customIDSuffix": "-two", "content": blocks],
            ["outcome": "scripted", "customIDSuffix": "-refuse", "stopReason": "refusal",
             "content": [["type": "text", "text": "No."]]],
            ["outcome": "scripted", "customIDSuffix": "-bare", "stopReason": "refusal", "content": [Any]()],
        ]
        try await admin.expect(200, "POST", "/_emulator/outcomes", json: rules)
        let invalidRules: [[String: Any]] = [["outcome": "scripted", "customIDSuffix": "x"],
                                             ["outcome": "scripted", "customIDSuffix": "x", "content": ["type": "text"]]]
        for invalid in invalidRules {
            try await admin.expect(400, "POST", "/_emulator/outcomes", json: [invalid])
        }

        let anthropic = WireClient.anthropic(emulator)
        let id = try await anthropic.createBatch(["b-two"])
        let lines = try await anthropic.send("GET", "/v1/messages/batches/\(id)/results").jsonLines
        let line = try XCTUnwrap(lines.first)
        let batchMessage = try XCTUnwrap((line["result"] as? [String: Any])?["message"] as? [String: Any])
        XCTAssertEqual(try Self.canonical(batchMessage["content"] as Any), try Self.canonical(blocks))
        XCTAssertEqual(batchMessage["stop_reason"] as? String, "tool_use", "the default stop reason")

        let openAI = WireClient.openAI(emulator)
        func completion(_ customID: String) async throws -> (message: [String: Any], finishReason: String?) {
            let response = try await openAI.send("POST", "/v1/chat/completions",
                                                 json: CuratorFixtures.chatBody(CuratorFixtures.sample, customID: customID))
            XCTAssertEqual(response.status, 200)
            let choice = try XCTUnwrap((response.json["choices"] as? [[String: Any]])?.first)
            return (try XCTUnwrap(choice["message"] as? [String: Any]), choice["finish_reason"] as? String)
        }
        let two = try await completion("c-two")
        XCTAssertEqual(two.finishReason, "tool_calls")
        XCTAssertEqual(two.message["content"] as? String, "first\nsecond")
        XCTAssertNil(two.message["refusal"])
        let calls = try XCTUnwrap(two.message["tool_calls"] as? [[String: Any]])
        XCTAssertEqual(calls.compactMap { $0["id"] as? String }, ["toolu_1", "toolu_2"])
        let functions = calls.compactMap { $0["function"] as? [String: Any] }
        XCTAssertEqual(functions.compactMap { $0["name"] as? String }, ["curate_decisions", "curate_decisions"])
        let arguments = functions.compactMap { $0["arguments"] as? String }
        XCTAssertEqual(arguments.count, 2)
        XCTAssertEqual(try Self.canonical(JSONSerialization.jsonObject(with: Data(arguments[0].utf8))),
                       try Self.canonical(["decisions": [["index": 1]]]))
        XCTAssertEqual(arguments[1], "raw {text", "a string input is the arguments as it is")

        let refused = try await completion("c-refuse")
        XCTAssertEqual(refused.finishReason, "stop")
        XCTAssertEqual(refused.message["content"] as? String, "No.")
        XCTAssertEqual(refused.message["refusal"] as? String, "No.")
        XCTAssertNil(refused.message["tool_calls"])
        let bare = try await completion("c-bare")
        XCTAssertTrue(bare.message["content"] is NSNull)
        XCTAssertEqual(bare.message["refusal"] as? String, "refused")
        try await emulator.stop()
    }

    func testScriptedRulesRoundTripThroughJSON() throws {
        let example = #"{"outcome":"scripted","customIDSuffix":"-c0","content":[{"type":"tool_use","id":"toolu_1","#
            + #""name":"curate_decisions","input":{"decisions":[{"index":1,"decision":"commit"}]}}],"stopReason":"tool_use"}"#
        let decoded = try JSONDecoder().decode(EmulatorOutcomeRule.self, from: Data(example.utf8))
        let reordered = #"[ {"input": {"decisions": [{"decision": "commit", "index": 1}]}, "name": "curate_decisions","#
            + #" "id": "toolu_1", "type": "tool_use"} ]"#
        let written = try EmulatorOutcomeRule(scripted: reordered, customIDSuffix: "-c0")
        guard case let .scripted(decodedContent, _) = decoded.outcome, case let .scripted(writtenContent, _) = written.outcome else {
            return XCTFail("\(decoded), \(written)")
        }
        XCTAssertEqual(try Self.canonical(JSONSerialization.jsonObject(with: Data(decodedContent.utf8))),
                       try Self.canonical(JSONSerialization.jsonObject(with: Data(writtenContent.utf8))),
                       "the same blocks, whatever the key order")
        XCTAssertEqual(writtenContent, reordered, "written content is sent as written")
        let multiline = try EmulatorOutcomeRule(scripted: "[\n {\"index\": 2.0}\r\n]", customIDSuffix: "-c0")
        XCTAssertEqual(multiline.outcome, .scripted(content: "[  {\"index\": 2.0} ]", stopReason: "tool_use"), "one line, 2.0 kept")
        let encoded = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? [String: Any])
        XCTAssertEqual(Set(encoded.keys), ["outcome", "customIDSuffix", "content", "stopReason"])
        XCTAssertEqual(try Self.canonical(encoded), try Self.canonical(JSONSerialization.jsonObject(with: Data(example.utf8))))

        let rules = [decoded, try EmulatorOutcomeRule(scripted: "[]", stopReason: "refusal", selector: .everyKth(2)),
                     EmulatorOutcomeRule(outcome: .expired, everyKth: 3)]
        XCTAssertEqual(try JSONDecoder().decode([EmulatorOutcomeRule].self, from: JSONEncoder().encode(rules)), rules)
        let defaulted = try JSONDecoder().decode(EmulatorOutcomeRule.self,
                                                 from: Data(#"{"outcome":"scripted","everyKth":1,"content":[]}"#.utf8))
        XCTAssertEqual(defaulted.outcome, .scripted(content: "[]", stopReason: "tool_use"))
        for invalid in [#"{"type":"text"}"#, "not json", #"[{"a":1}"#] {
            XCTAssertThrowsError(try EmulatorOutcomeRule(scripted: invalid, customIDSuffix: "x"), invalid)
        }
        for invalid in [#"{"outcome":"scripted","everyKth":1}"#, #"{"outcome":"scripted","everyKth":1,"content":{}}"#,
                        #"{"outcome":"nope","everyKth":1}"#] {
            XCTAssertThrowsError(try JSONDecoder().decode(EmulatorOutcomeRule.self, from: Data(invalid.utf8)), invalid)
        }
    }

    /// A JSON value's serialisation with sorted keys, to compare values regardless of key order.
    private static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
               as: UTF8.self)
    }
}
