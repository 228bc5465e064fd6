import Foundation

/// A rule giving selected requests a per-request outcome other than a normal answer.
///
/// Rules apply to message batches (fixed when the batch is created; `everyKth` counts the
/// requests of the batch, 1-based) and to chat completions (`everyKth` counts the completions
/// answered since the rules were last set). The first matching rule wins.
///
/// | outcome  | batch result                                         | chat completion                    |
/// |----------|------------------------------------------------------|------------------------------------|
/// | errored  | `errored` with the nested error object               | 400 `invalid_request_error`        |
/// | expired  | `expired`                                            | 504 `timeout`                      |
/// | canceled | `canceled`                                           | 409 `request_canceled`             |
/// | refusal  | `succeeded`, `stop_reason` `refusal`, text only      | 200, text content, no `tool_calls` |
/// | scripted | `succeeded`, exactly the scripted blocks and reason  | 200, the blocks mapped (below)     |
///
/// A scripted chat completion has a `tool_calls` entry per `tool_use` block (`function.name`
/// its name, `function.arguments` the JSON text of its `input`, or the text itself when `input`
/// is a string), the text blocks joined by newlines as `content` (else null), `refusal` (the
/// text, else `"refused"`) when the stop reason is `refusal`, and `finish_reason` `tool_calls`
/// for `tool_use`, `length` for `max_tokens`, else `stop`.
///
/// Over admin HTTP the JSON is flat: `{"outcome":"errored","customIDSuffix":"-c3"}`,
/// `{"outcome":"refusal","everyKth":5}` or `{"outcome":"scripted","customIDSuffix":"-c0",
/// "content":[{"type":"tool_use","id":"toolu_1","name":"curate_decisions","input":{...}}],
/// "stopReason":"tool_use"}` (`stopReason` defaults to `tool_use`).
public struct EmulatorOutcomeRule: Sendable, Codable, Equatable {
    /// A per-request outcome.
    public enum Outcome: Sendable, Equatable {
        case errored, expired, canceled, refusal
        /// A `succeeded` answer with exactly these content blocks (`content`: the JSON text of an
        /// array, sent as written, so `2.0` stays `2.0`, on one line) and this `stop_reason`.
        case scripted(content: String, stopReason: String)
    }

    /// Which requests a rule selects.
    public enum Selector: Sendable, Equatable {
        /// Requests whose `custom_id` ends with this text.
        case customIDSuffix(String)
        /// Every k-th request (k, 2k, 3k, ...).
        case everyKth(Int)
    }

    /// What the selected requests get.
    public var outcome: Outcome
    /// Which requests are selected.
    public var selector: Selector

    /// A rule giving `outcome` to the requests `selector` selects.
    public init(outcome: Outcome, selector: Selector) {
        self.outcome = outcome
        self.selector = selector
    }

    /// A rule giving `outcome` to the requests whose `custom_id` ends with `customIDSuffix`.
    public init(outcome: Outcome, customIDSuffix: String) {
        self.init(outcome: outcome, selector: .customIDSuffix(customIDSuffix))
    }

    /// A rule giving `outcome` to every `everyKth` request.
    public init(outcome: Outcome, everyKth: Int) {
        self.init(outcome: outcome, selector: .everyKth(everyKth))
    }

    /// A rule answering the requests `selector` selects with a scripted message.
    /// - Parameters:
    ///   - content: the JSON text of an array of Anthropic content blocks (any blocks: several
    ///     `tool_use` ones, an `input` that is a string, ...).
    ///   - stopReason: the message's `stop_reason`.
    /// - Throws: `DecodingError` when `content` is not the JSON text of an array.
    public init(scripted content: String, stopReason: String = "tool_use", selector: Selector) throws {
        _ = try JSONDecoder().decode([WireJSON].self, from: Data(content.utf8))
        // A line break outside a JSON string is whitespace (inside one it is escaped): one line.
        let oneLine = String(content.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        self.init(outcome: .scripted(content: oneLine, stopReason: stopReason), selector: selector)
    }

    /// A rule answering the requests whose `custom_id` ends with `customIDSuffix` with a scripted
    /// message (see `init(scripted:stopReason:selector:)`).
    /// - Throws: `DecodingError` when `content` is not the JSON text of an array.
    public init(scripted content: String, stopReason: String = "tool_use", customIDSuffix: String) throws {
        try self.init(scripted: content, stopReason: stopReason, selector: .customIDSuffix(customIDSuffix))
    }

    /// Whether the rule selects the request with `customID` (if known) at 1-based `ordinal`.
    func selects(customID: String?, ordinal: Int) -> Bool {
        switch selector {
        case let .customIDSuffix(suffix): customID?.hasSuffix(suffix) ?? false
        case let .everyKth(k): k > 0 && ordinal % k == 0
        }
    }

    private enum CodingKeys: String, CodingKey {
        case outcome, customIDSuffix, everyKth, content, stopReason
    }

    /// Decodes the flat admin shape; exactly one of `customIDSuffix` and `everyKth` is expected,
    /// and `content` (an array) with a `scripted` outcome.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .outcome) {
        case "errored": outcome = .errored
        case "expired": outcome = .expired
        case "canceled": outcome = .canceled
        case "refusal": outcome = .refusal
        case "scripted":
            let blocks = try container.decode([WireJSON].self, forKey: .content)
            outcome = .scripted(content: WireJSON.array(blocks).text,
                                stopReason: try container.decodeIfPresent(String.self, forKey: .stopReason) ?? "tool_use")
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .outcome, in: container,
                                                   debugDescription: "unknown outcome \(other)")
        }
        if let suffix = try container.decodeIfPresent(String.self, forKey: .customIDSuffix) {
            selector = .customIDSuffix(suffix)
        } else if let k = try container.decodeIfPresent(Int.self, forKey: .everyKth) {
            selector = .everyKth(k)
        } else {
            throw DecodingError.dataCorruptedError(forKey: .customIDSuffix, in: container,
                                                   debugDescription: "a rule needs customIDSuffix or everyKth")
        }
    }

    /// Encodes the flat admin shape.
    /// - Throws: `DecodingError` when a scripted outcome's content is not JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch outcome {
        case .errored: try container.encode("errored", forKey: .outcome)
        case .expired: try container.encode("expired", forKey: .outcome)
        case .canceled: try container.encode("canceled", forKey: .outcome)
        case .refusal: try container.encode("refusal", forKey: .outcome)
        case let .scripted(content, stopReason):
            try container.encode("scripted", forKey: .outcome)
            try container.encode(try WireJSON.parse(content.utf8), forKey: .content)
            try container.encode(stopReason, forKey: .stopReason)
        }
        switch selector {
        case let .customIDSuffix(suffix): try container.encode(suffix, forKey: .customIDSuffix)
        case let .everyKth(k): try container.encode(k, forKey: .everyKth)
        }
    }
}

extension [EmulatorOutcomeRule] {
    /// The outcome of the first rule selecting the request, nil for a normal answer.
    func outcome(customID: String?, ordinal: Int) -> EmulatorOutcomeRule.Outcome? {
        first { $0.selects(customID: customID, ordinal: ordinal) }?.outcome
    }
}
