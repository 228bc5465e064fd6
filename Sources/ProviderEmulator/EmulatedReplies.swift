import Foundation

/// The emulated model's answers, and the scripted ones of `EmulatorOutcomeRule`, in each API's
/// shape (see `EmulatedCurator` for the decisions).
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
        return message(for: request, content: content, stopReason: stopReason, outputBytes: outputBytes)
    }

    /// An Anthropic Message whose `content` is exactly `content` (the JSON text of an array of
    /// blocks) and whose `stop_reason` is `stopReason`.
    static func scriptedMessage(for request: BatchRecord.Request, content: String, stopReason: String) -> WireJSON {
        message(for: request, content: .raw(Array(content.utf8)), stopReason: stopReason, outputBytes: content.utf8.count)
    }

    /// The Message envelope around `content`.
    private static func message(for request: BatchRecord.Request, content: WireJSON, stopReason: String,
                                outputBytes: Int) -> WireJSON {
        [
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
        return chatCompletion(model: model, message: message, finishReason: "stop", promptBytes: userText.utf8.count,
                              outputBytes: outputBytes)
    }

    /// An OpenAI chat completion carrying the Anthropic content blocks `content` (JSON text of
    /// an array) and `stopReason`, mapped as `EmulatorOutcomeRule` describes: `tool_use` blocks
    /// become `tool_calls`, text blocks `content`, a `refusal` stop reason `refusal`. Content
    /// that is not an array counts as no blocks.
    static func scriptedChatCompletion(model: String, userText: String, content: String, stopReason: String) -> WireJSON {
        let blocks = (try? JSONDecoder().decode([WireJSON].self, from: Data(content.utf8))) ?? []
        var texts: [String] = []
        var calls: [WireJSON] = []
        for block in blocks {
            switch block["type"]?.string {
            case "text": texts.append(block["text"]?.string ?? "")
            case "tool_use":
                let input = block["input"] ?? .null
                calls.append(["id": .string(block["id"]?.string ?? WireID.make("call_")), "type": "function",
                              "function": ["name": .optional(block["name"]?.string),
                                           "arguments": .string(input.string ?? input.text)]])
            default: continue
            }
        }
        let text = texts.isEmpty ? nil : texts.joined(separator: "\n")
        var message: [(String, WireJSON)] = [("role", "assistant"), ("content", .optional(text))]
        if !calls.isEmpty { message.append(("tool_calls", .array(calls))) }
        if stopReason == "refusal" { message.append(("refusal", .string(text ?? "refused"))) }
        let finishReason = switch stopReason {
        case "tool_use": "tool_calls"
        case "max_tokens": "length"
        default: "stop"
        }
        return chatCompletion(model: model, message: message, finishReason: finishReason,
                              promptBytes: userText.utf8.count, outputBytes: content.utf8.count)
    }

    /// The chat completion envelope around one choice's `message`.
    private static func chatCompletion(model: String, message: [(String, WireJSON)], finishReason: String,
                                       promptBytes: Int, outputBytes: Int) -> WireJSON {
        let promptTokens = tokens(promptBytes)
        let completionTokens = tokens(outputBytes)
        return [
            "id": .string(WireID.make("chatcmpl-")),
            "object": "chat.completion",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": .string(finishReason)]],
            "usage": ["prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens),
                      "total_tokens": .int(promptTokens + completionTokens)],
        ]
    }

    /// A rough token count: one per four bytes.
    static func tokens(_ bytes: Int) -> Int {
        (bytes + 3) / 4
    }
}
