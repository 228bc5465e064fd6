import CurationStore
import Foundation

/// What the curator may decide about one prospect: the `decision` field of a `curate_decisions`
/// entry (`seed-contract.md` §4).
public enum CuratorAction: String, Sendable, Equatable, CaseIterable, Codable {
    case commit, merge, deepen, reject
}

/// One entry of a `curate_decisions` tool call that survived parsing (`seed-contract.md` §5.2).
/// Strings are kept exactly as given (never trimmed); a field given with another JSON type is nil.
public struct CuratorDecision: Sendable, Equatable {
    /// The prospect, 1-based in the request (any integer ≥ 1: one past the cluster matches no
    /// prospect).
    public var index: Int
    /// The entry's `decision`.
    public var action: CuratorAction
    /// The committed item's type (for merge: the target's).
    public var itemType: String?
    /// The committed item's key (commit, deepen).
    public var itemKey: String?
    /// Label and summary for the committed row.
    public var label: String?
    /// See `label`.
    public var summary: String?
    /// The curator's confidence, as given (any JSON number).
    public var confidence: Double?
    /// The key of the item a merge goes into.
    public var mergeInto: String?
    /// A short explanation, stored as the resolution's note.
    public var note: String?

    /// A decision with the given fields.
    public init(index: Int, action: CuratorAction, itemType: String? = nil, itemKey: String? = nil,
                label: String? = nil, summary: String? = nil, confidence: Double? = nil,
                mergeInto: String? = nil, note: String? = nil) {
        self.index = index
        self.action = action
        self.itemType = itemType
        self.itemKey = itemKey
        self.label = label
        self.summary = summary
        self.confidence = confidence
        self.mergeInto = mergeInto
        self.note = note
    }

    /// The decision as a tool-call entry, in the tool's schema (what a curator sends; used by
    /// the local curator).
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("index", .integer(index)), ("decision", .string(action.rawValue))]
        for (key, value) in [("item_type", itemType), ("item_key", itemKey), ("label", label), ("summary", summary),
                             ("merge_into", mergeInto), ("note", note)] {
            if let value { members.append((key, .string(value))) }
        }
        if let confidence { members.append(("confidence", .number(confidence))) }
        return .object(JSONObject(members))
    }
}

/// A curator's answer for one cluster, read as the original reads it (`seed-contract.md` §5):
///
/// 1. No answer (an error, expiry, cancellation, a refusal — even one holding a tool call —, no
///    `curate_decisions` call, a tool input that is not an object, no `decisions` array or an
///    empty one): `.unusable`, the whole cluster stays pending. (The provider already took the
///    first `curate_decisions` call of the reply.)
/// 2. Entries are kept only if `index` is a JSON number with an integral value ≥ 1 (`2.0`
///    counts; `"2"` and `1.5` do not) and `decision` is one of the four lower-case values; other
///    entries are dropped silently. An index past the cluster is kept but matches no prospect.
/// 3. If no entry survived, `.unusable`; otherwise every prospect is routed, and of several
///    entries for one index **the last wins**.
/// 4. A prospect without an entry is rejected with the note `"omitted by curator"` (so an answer
///    whose every index is out of range rejects the whole cluster); a `merge` without
///    `merge_into` or `item_type` stays pending; every other entry resolves (see `route(_:)`).
///
/// Parsing never traps: every shape of JSON gives one of these results.
///
/// ```swift
/// switch CuratorAnswer.parse(outcome, memberCount: 3) {
/// case let .unusable(reason): print("cluster stays pending:", reason)
/// case let .routes(routes): print(routes.count)   // 3, index 1 first
/// }
/// ```
public enum CuratorAnswer: Sendable, Equatable {
    /// The cluster stays pending.
    case unusable(reason: String)
    /// One route per prospect, index 1 first.
    case routes([ProspectRoute])

    /// The routes of a usable answer (what `DecisionRouter` writes), nil for an unusable one.
    public var routes: [ProspectRoute]? {
        guard case let .routes(routes) = self else { return nil }
        return routes
    }

    /// The note of an implicit reject.
    public static let omittedNote = "omitted by curator"

    /// Parses `outcome` for a cluster of `memberCount` prospects (nil outcome: no result).
    /// - Complexity: O(size of the tool input).
    public static func parse(_ outcome: CuratorOutcome?, memberCount: Int) -> CuratorAnswer {
        guard let outcome else { return .unusable(reason: "no result") }
        guard case let .succeeded(input) = outcome else { return .unusable(reason: outcome.summary) }
        guard let list = input["decisions"]?.arrayValue else { return .unusable(reason: "the tool input has no decisions array") }
        guard !list.isEmpty else { return .unusable(reason: "the decisions array is empty") }
        var byIndex: [Int: CuratorDecision] = [:]
        var survivors = 0
        for entry in list {
            guard let decision = decision(entry) else { continue }
            survivors += 1
            byIndex[decision.index] = decision
        }
        guard survivors > 0 else { return .unusable(reason: "no entry with a valid index and decision") }
        return .routes((0..<max(memberCount, 0)).map { position in
            byIndex[position + 1].map(route) ?? .resolve(RoutedDecision(decision: .reject, note: omittedNote))
        })
    }

    /// The route of one entry (`seed-contract.md` §5.4): a reject resolves with its note; a merge
    /// needs a non-empty `merge_into` and `item_type`, else it stays pending; commit, deepen and
    /// a well-formed merge resolve with the entry's values (a deepen without a key commits under
    /// the prospect's label like a commit).
    public static func route(_ decision: CuratorDecision) -> ProspectRoute {
        switch decision.action {
        case .reject:
            return .resolve(RoutedDecision(decision: .reject, note: decision.note))
        case .merge:
            guard let target = RoutedDecision.nonEmpty(decision.mergeInto), let type = RoutedDecision.nonEmpty(decision.itemType) else {
                return .stayPending(reason: "merge without merge_into or item_type")
            }
            return .resolve(RoutedDecision(decision: .merge, itemKey: target, itemType: type, label: RoutedDecision.nonEmpty(decision.label),
                                           summary: RoutedDecision.nonEmpty(decision.summary), confidence: decision.confidence,
                                           note: decision.note))
        case .commit, .deepen:
            return .resolve(RoutedDecision(decision: decision.action == .commit ? .commit : .deepen,
                                           itemKey: RoutedDecision.nonEmpty(decision.itemKey), itemType: RoutedDecision.nonEmpty(decision.itemType),
                                           label: RoutedDecision.nonEmpty(decision.label), summary: RoutedDecision.nonEmpty(decision.summary),
                                           confidence: decision.confidence, note: decision.note))
        }
    }

    /// The entry as a decision, or nil when §5.2 drops it.
    static func decision(_ entry: JSONValue) -> CuratorDecision? {
        guard let object = entry.objectValue, let index = index(object["index"]),
              let text = object["decision"]?.stringValue, let action = CuratorAction(rawValue: text) else { return nil }
        return CuratorDecision(
            index: index, action: action, itemType: object["item_type"]?.stringValue, itemKey: object["item_key"]?.stringValue,
            label: object["label"]?.stringValue, summary: object["summary"]?.stringValue,
            confidence: object["confidence"]?.numberValue, mergeInto: object["merge_into"]?.stringValue,
            note: object["note"]?.stringValue)
    }

    /// A JSON number with an integral value ≥ 1; one too large for `Int` becomes `Int.max` (it
    /// matches no prospect either way).
    private static func index(_ value: JSONValue?) -> Int? {
        switch value {
        case let .integer(n)?: return n >= 1 ? n : nil
        case let .number(x)?:
            guard x.isFinite, x >= 1, x == x.rounded() else { return nil }
            return x < 9.2e18 ? Int(x) : Int.max
        default: return nil
        }
    }
}
