import CurationStore
import Foundation

/// One line of a batch's results (`{"custom_id":"..","result":R}`) as a `CuratorOutcome`.
///
/// - `succeeded` with `stop_reason` `refusal`: `.noToolCall(reason: "refusal")`, even when the
///   message holds a tool call (a refusal voids the answer); else the first `tool_use` block
///   named `curate_decisions` with a truthy input: `.succeeded(toolInput:)`; without one:
///   `.noToolCall(reason:)` with the message's `stop_reason` (`end_turn`, `max_tokens`, …).
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

    /// A refusal voids the answer even if it holds a tool call; otherwise the first
    /// `curate_decisions` call with a truthy input is the answer (`seed-contract.md` §5.1).
    private static func outcome(of message: JSONValue) -> CuratorOutcome {
        let stopReason = message["stop_reason"]?.stringValue.flatMap(ProviderHTTPError.identifier)
        if stopReason == "refusal" { return .noToolCall(reason: "refusal") }
        let call = message["content"]?.arrayValue?.first { block in
            block["type"]?.stringValue == "tool_use" && block["name"]?.stringValue == CuratorRequest.toolName
                && (block["input"].map(isTruthy) ?? false)
        }
        if let input = call?["input"] { return .succeeded(toolInput: input) }
        return .noToolCall(reason: stopReason ?? "no tool call")
    }

    /// Whether JavaScript reads `value` as true: anything but `null`, `false`, `0` and `""`.
    private static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case let .bool(flag): flag
        case let .integer(n): n != 0
        case let .number(x): x != 0 && !x.isNaN
        case let .string(text): !text.isEmpty
        case .array, .object: true
        }
    }

    /// A results line that is not a result.
    package struct Malformed: Error, CustomStringConvertible {
        /// What is wrong with it.
        package let problem: String
        package var description: String { "malformed results line (\(problem))" }
    }
}
