/// A rule giving selected requests a per-request outcome other than a normal answer.
///
/// Rules apply to message batches (fixed when the batch is created; `everyKth` counts the
/// requests of the batch, 1-based) and to chat completions (`everyKth` counts the completions
/// answered since the rules were last set). The first matching rule wins.
///
/// | outcome   | batch result                                   | chat completion                   |
/// |-----------|------------------------------------------------|-----------------------------------|
/// | errored   | `errored` with the nested error object         | 400 `invalid_request_error`       |
/// | expired   | `expired`                                      | 504 `timeout`                     |
/// | canceled  | `canceled`                                     | 409 `request_canceled`            |
/// | refusal   | `succeeded`, `stop_reason` `refusal`, text only | 200, text content, no `tool_calls` |
///
/// Over admin HTTP the JSON is flat: `{"outcome":"errored","customIDSuffix":"-c3"}` or
/// `{"outcome":"refusal","everyKth":5}`.
public struct EmulatorOutcomeRule: Sendable, Codable, Equatable {
    /// A per-request outcome.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        case errored, expired, canceled, refusal
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

    /// Whether the rule selects the request with `customID` (if known) at 1-based `ordinal`.
    func selects(customID: String?, ordinal: Int) -> Bool {
        switch selector {
        case let .customIDSuffix(suffix): customID?.hasSuffix(suffix) ?? false
        case let .everyKth(k): k > 0 && ordinal % k == 0
        }
    }

    private enum CodingKeys: String, CodingKey {
        case outcome, customIDSuffix, everyKth
    }

    /// Decodes the flat admin shape; exactly one of `customIDSuffix` and `everyKth` is expected.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        outcome = try container.decode(Outcome.self, forKey: .outcome)
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
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
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
