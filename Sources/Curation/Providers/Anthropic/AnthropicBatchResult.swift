import Foundation

/// One line of a batch's results (`{"custom_id":"..","result":R}`) as a `CuratorOutcome`.
///
/// - `succeeded` with a `tool_use` block named `curate_decisions`: `.succeeded(toolInput:)`;
///   without one: `.noToolCall(reason:)` with the message's `stop_reason` (`refusal`,
///   `end_turn`, `max_tokens`, …).
/// - `errored`: `.errored(message:)` with the error's **type** only (`invalid_request_error`,
///   `api_error`, …): its message text can echo the prompt and is never kept.
/// - `canceled`, `expired`: the matching outcomes.
///
/// Only identifier-like strings are taken from the line (see `ProviderHTTPError.identifier`).
package struct AnthropicBatchResult: Sendable, Equatable {
    /// The request's `custom_id`.
    package let customID: String
    /// What became of the request.
    package let outcome: CuratorOutcome

    /// Parses one results line.
    /// - Throws: `AnthropicBatchResult.Malformed` when the line is not such an object (a cut or
    ///   garbled stream); its description never quotes the line.
    package init(line: [UInt8]) throws(Malformed) {
        guard let json = try? JSONValue(parsing: Data(line)) else { throw Malformed(problem: "not JSON") }
        guard let customID = json["custom_id"]?.stringValue, CuratorRequest.isValidCustomID(customID) else {
            throw Malformed(problem: "no valid custom_id")
        }
        guard let result = json["result"], let type = result["type"]?.stringValue else {
            throw Malformed(problem: "no result type")
        }
        self.customID = customID
        switch type {
        case "succeeded":
            guard let message = result["message"] else { throw Malformed(problem: "a succeeded result without its message") }
            outcome = Self.outcome(of: message)
        case "errored":
            let error = result["error"]
            let errorType = [error?["error"]?["type"], error?["type"]].lazy
                .compactMap { $0?.stringValue.flatMap(ProviderHTTPError.identifier) }.first { $0 != "error" }
            outcome = .errored(message: errorType ?? "unknown error")
        case "canceled": outcome = .canceled
        case "expired": outcome = .expired
        default: outcome = .errored(message: "unknown result type" + (ProviderHTTPError.identifier(type).map { " " + $0 } ?? ""))
        }
    }

    private static func outcome(of message: JSONValue) -> CuratorOutcome {
        let call = message["content"]?.arrayValue?.first { block in
            block["type"]?.stringValue == "tool_use" && block["name"]?.stringValue == CuratorPrompt.toolName
        }
        if let input = call?["input"] { return .succeeded(toolInput: input) }
        return .noToolCall(reason: message["stop_reason"]?.stringValue.flatMap(ProviderHTTPError.identifier) ?? "no tool call")
    }

    /// A results line that is not a result.
    package struct Malformed: Error, CustomStringConvertible {
        /// What is wrong with it.
        package let problem: String
        package var description: String { "malformed results line (\(problem))" }
    }
}
