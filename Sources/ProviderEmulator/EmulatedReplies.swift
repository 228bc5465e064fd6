import Foundation

/// The emulated model's answers in each API's shape (see `EmulatedCurator` for the decisions).
enum EmulatedReplies {
    /// The text of a refusal.
    static let refusalText = "I can't help with this request."

    /// An Anthropic Message: a `tool_use` block calling the request's tool with the decisions
    /// (`stop_reason` `tool_use`), a text block for a request offering no tool (`end_turn`), or
    /// a refusal (text only, `stop_reason` `refusal`).
    static func message(for request: BatchRecord.Request, refusal: Bool) -> WireJSON {
        let content: WireJSON
        let stopReason: String
        let outputBytes: Int
        if refusal || request.toolName == nil {
            let text = refusal ? refusalText : "No tool was offered, so no decisions were recorded."
            content = [["type": "text", "text": .string(text)]]
            stopReason = refusal ? "refusal" : "end_turn"
            outputBytes = text.utf8.count
        } else {
            let input = EmulatedCurator.decisions(for: EmulatedCurator.prospects(in: request.userText)).bytes
            content = [["type": "tool_use", "id": .string(WireID.make("toolu_")), "name": .optional(request.toolName),
                        "input": .raw(input)]]
            stopReason = "tool_use"
            outputBytes = input.count
        }
        return [
            "id": .string(WireID.make("msg_")),
            "type": "message",
            "role": "assistant",
            "model": .string(request.model),
            "content": content,
            "stop_reason": .string(stopReason),
            "stop_sequence": nil,
            "usage": ["input_tokens": .int(tokens(request.userText.utf8.count)), "output_tokens": .int(tokens(outputBytes))],
        ]
    }

    /// An OpenAI chat completion: `tool_calls[0].function.arguments` holds the decisions as a
    /// JSON string (`finish_reason` `stop`, as OpenAI answers a named `tool_choice`), or, for a
    /// refusal or a request offering no tool, text content and no `tool_calls`.
    static func chatCompletion(model: String, toolName: String?, userText: String, refusal: Bool) -> WireJSON {
        var message: [(String, WireJSON)] = [("role", "assistant")]
        let outputBytes: Int
        if let toolName, !refusal {
            let arguments = EmulatedCurator.decisions(for: EmulatedCurator.prospects(in: userText)).text
            message += [("content", nil), ("tool_calls", [["id": .string(WireID.make("call_")), "type": "function",
                                                           "function": ["name": .string(toolName),
                                                                        "arguments": .string(arguments)]]])]
            outputBytes = arguments.utf8.count
        } else {
            let text = refusal ? refusalText : "No tool was offered, so no decisions were recorded."
            message += [("content", .string(text))]
            if refusal { message.append(("refusal", .string(text))) }
            outputBytes = text.utf8.count
        }
        let promptTokens = tokens(userText.utf8.count)
        let completionTokens = tokens(outputBytes)
        return [
            "id": .string(WireID.make("chatcmpl-")),
            "object": "chat.completion",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": "stop"]],
            "usage": ["prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens),
                      "total_tokens": .int(promptTokens + completionTokens)],
        ]
    }

    /// A rough token count: one per four bytes.
    static func tokens(_ bytes: Int) -> Int {
        (bytes + 3) / 4
    }
}
