import CurationStore
import Foundation

/// The OpenAI chat completions form of a curator request, and the outcome of a reply
/// (`shared/design/provider-wire-formats.md` §4).
///
/// Request: the Messages-API-shaped body `CuratorPrompt` renders becomes
/// `{"model", "max_tokens", "messages": [{"role": "system", …}, {"role": "user", …}],
/// "tools": [{"type": "function", "function": {"name", "description", "parameters"}}],
/// "tool_choice": {"type": "function", "function": {"name": …}}}`: the system prompt is the
/// first message, each tool's `input_schema` its `parameters`, and a forced tool stays forced.
///
/// Reply: the outcome comes from `choices[0].message.tool_calls`, never from `finish_reason`
/// (OpenAI answers a named `tool_choice` with `"stop"`).
enum ChatCompletionsWire {
    /// HTTP statuses that fail every request alike (bad key, no permission, unknown model or
    /// path): the endpoint is unusable as configured, so no per-request result is stored.
    static let endpointWideStatuses: Set<Int> = [401, 403, 404]

    /// The chat completions body of the Messages-API-shaped `body`, for `model`.
    /// - Throws: `CuratorProviderError.invalidRequest` for a body that is not such an object
    ///   (no `messages`, content other than text, a `tool_choice` other than a named tool).
    static func body(fromMessagesBody body: String, model: String) throws(CuratorProviderError) -> String {
        guard let source = try? JSONValue(parsing: body), source.objectValue != nil else {
            throw .invalidRequest("the request body is not a JSON object")
        }
        var messages: [JSONValue] = []
        if let system = source["system"] {
            messages.append(["role": "system", "content": .string(try text(of: system, field: "system"))])
        }
        guard let list = source["messages"]?.arrayValue, !list.isEmpty else {
            throw .invalidRequest("the request body has no messages")
        }
        for message in list {
            guard let role = message["role"]?.stringValue, let content = message["content"] else {
                throw .invalidRequest("a message without role or content")
            }
            messages.append(["role": .string(role), "content": .string(try text(of: content, field: "content"))])
        }
        var members: [(key: String, value: JSONValue)] = [("model", .string(model))]
        if let maxTokens = source["max_tokens"] { members.append(("max_tokens", maxTokens)) }
        members.append(("messages", .array(messages)))
        if let tools = source["tools"]?.arrayValue {
            members.append(("tools", .array(try tools.map(function))))
        }
        if let choice = source["tool_choice"] {
            guard choice["type"]?.stringValue == "tool", let name = choice["name"]?.stringValue else {
                throw .invalidRequest("only a named tool_choice can be sent to chat completions")
            }
            members.append(("tool_choice", ["type": "function", "function": ["name": .string(name)]]))
        }
        return JSONValue.object(JSONObject(members)).serialized()
    }

    /// The outcome of a successful (2xx) reply: `.noToolCall("refusal")` when the message carries
    /// a refusal (it voids any tool call, `seed-contract.md` §5.1); else the first `toolName`
    /// call's decoded `arguments` (a JSON **string**; when it is not valid JSON the raw text is
    /// kept, which the parser reports as an answer without a decisions list), else `.noToolCall`
    /// with the `finish_reason`. A reply that is not a chat completion is `.errored`; its body is
    /// never quoted.
    static func outcome(ofReply bytes: [UInt8], toolName: String) -> CuratorOutcome {
        guard let reply = try? JSONValue(parsing: Data(bytes)) else { return .errored(message: "reply is not JSON") }
        guard let choice = reply["choices"]?.arrayValue?.first else { return .errored(message: "reply has no choices") }
        let message = choice["message"]
        if let refusal = message?["refusal"]?.stringValue, !refusal.isEmpty { return .noToolCall(reason: "refusal") }
        for call in message?["tool_calls"]?.arrayValue ?? [] where call["function"]?["name"]?.stringValue == toolName {
            switch call["function"]?["arguments"] {
            case let .string(text)?: return .succeeded(toolInput: (try? JSONValue(parsing: text)) ?? .string(text))
            case let value?: return .succeeded(toolInput: value)
            case nil: return .succeeded(toolInput: .null)
            }
        }
        return .noToolCall(reason: choice["finish_reason"]?.stringValue ?? "no tool call")
    }

    /// The stored outcome of a request that failed for good, or nil when the failure is the
    /// endpoint's rather than the request's (transport, cancellation, a redirect, a status of
    /// `endpointWideStatuses`): then nothing is stored and the request is sent again later.
    /// The message holds the status and error type only (error bodies may echo the prompt).
    static func outcome(of error: ProviderHTTPError) -> CuratorOutcome? {
        switch error {
        case let .status(_, code, errorType, _) where !endpointWideStatuses.contains(code):
            return .errored(message: "HTTP \(code)" + (errorType.map { " \($0)" } ?? ""))
        case .timedOut:
            return .errored(message: "timed out")
        case .status, .redirected, .transport, .cancelled:
            return nil
        }
    }

    // MARK: Implementation

    /// The text of a string, or of an array of `{"type": "text", "text": …}` blocks (joined by
    /// blank lines).
    private static func text(of value: JSONValue, field: String) throws(CuratorProviderError) -> String {
        if let text = value.stringValue { return text }
        guard let blocks = value.arrayValue else { throw .invalidRequest("\(field) is neither text nor a list of text blocks") }
        var parts: [String] = []
        for block in blocks {
            guard block["type"]?.stringValue == "text", let text = block["text"]?.stringValue else {
                throw .invalidRequest("\(field) holds a block other than text")
            }
            parts.append(text)
        }
        return parts.joined(separator: "\n\n")
    }

    /// `{"type": "function", "function": {"name", "description", "parameters"}}` of an
    /// Anthropic tool `{"name", "description", "input_schema"}`.
    private static func function(_ tool: JSONValue) throws(CuratorProviderError) -> JSONValue {
        guard let name = tool["name"]?.stringValue else { throw .invalidRequest("a tool without a name") }
        var function: [(key: String, value: JSONValue)] = [("name", .string(name))]
        if let description = tool["description"] { function.append(("description", description)) }
        function.append(("parameters", tool["input_schema"] ?? ["type": "object"]))
        return ["type": "function", "function": .object(JSONObject(function))]
    }
}
