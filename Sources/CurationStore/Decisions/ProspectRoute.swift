/// What happens to one prospect of a cluster the curator answered.
public enum ProspectRoute: Sendable, Equatable {
    /// Write a resolution (and, for commit/deepen/merge, a committed row).
    case resolve(RoutedDecision)
    /// Leave the prospect pending (no row written); `reason` says why.
    case stayPending(reason: String)
}

/// A decision ready to be written: what the answer says, before the prospect's own values fill
/// the gaps (`DecisionRouter` does that, `seed-contract.md` §5.4). Empty strings are nil here:
/// the original falls back on them as on missing fields.
public struct RoutedDecision: Sendable, Equatable {
    /// `commit`, `deepen`, `merge` or `reject`.
    public let decision: ResolutionDecision
    /// The committed key: `merge_into` for a merge, else `item_key`; nil: the prospect's label.
    public let itemKey: String?
    /// The committed item's type (the target's for merge); nil: the prospect's type.
    public let itemType: String?
    /// The committed row's label; nil: the prospect's.
    public let label: String?
    /// The committed row's summary; nil: the prospect's (none for a merge).
    public let summary: String?
    /// The committed row's confidence; nil: the prospect's (none for a merge).
    public let confidence: Double?
    /// The resolution's note, as given (nil: none).
    public let note: String?

    /// A routed decision with the given fields.
    public init(decision: ResolutionDecision, itemKey: String? = nil, itemType: String? = nil,
                label: String? = nil, summary: String? = nil, confidence: Double? = nil, note: String? = nil) {
        self.decision = decision
        self.itemKey = itemKey
        self.itemType = itemType
        self.label = label
        self.summary = summary
        self.confidence = confidence
        self.note = note
    }

    /// `text` unless it is nil or empty (JavaScript's `||` fallback).
    package static func nonEmpty(_ text: String?) -> String? {
        text?.isEmpty == false ? text : nil
    }
}
