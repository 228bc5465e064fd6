import Foundation

/// What the curator may decide about one prospect.
public enum CuratorAction: String, Sendable, Equatable, CaseIterable, Codable {
    case commit, merge, deepen, reject
}

/// One entry of a `curate_decisions` tool call, as parsed (fields the answer left out or gave
/// with the wrong type are nil; strings are trimmed and empty ones dropped).
public struct CuratorDecision: Sendable, Equatable {
    /// The prospect, 1-based in the request.
    public var index: Int
    /// What to do with the prospect.
    public var action: CuratorAction
    /// The committed item's type (for merge: the target's).
    public var itemType: String?
    /// The committed item's key (commit, deepen).
    public var itemKey: String?
    /// Label and summary for a new committed item.
    public var label: String?
    public var summary: String?
    /// The curator's confidence, clamped to [0, 1].
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

    /// The decision as a tool-call entry (what a curator sends; used by the local curator).
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("index", .integer(index)), ("action", .string(action.rawValue))]
        for (key, value) in [("item_type", itemType), ("item_key", itemKey), ("label", label), ("summary", summary),
                             ("merge_into", mergeInto), ("note", note)] {
            if let value { members.append((key, .string(value))) }
        }
        if let confidence { members.append(("confidence", .number(confidence))) }
        return .object(JSONObject(members))
    }
}

/// What happens to one prospect of a cluster the curator answered.
public enum ProspectRoute: Sendable, Equatable {
    /// Write a resolution (and, for commit/deepen/merge, a committed row).
    case resolve(RoutedDecision)
    /// Leave the prospect pending (no row written); `reason` says why.
    case stayPending(reason: String)
}

/// A decision ready to be written.
public struct RoutedDecision: Sendable, Equatable {
    /// `commit`, `deepen`, `merge` or `reject`.
    public let decision: ResolutionDecision
    /// The committed key: the item's own for commit/deepen, the target's for merge; nil for
    /// reject, and for a commit that named none (the router derives it, see `ItemKey`).
    public let itemKey: String?
    /// The committed item's type (the target's for merge); nil: the prospect's type.
    public let itemType: String?
    /// Label and summary for a new committed row; nil: the prospect's.
    public let label: String?
    /// See `label`.
    public let summary: String?
    /// The resolution's note.
    public let note: String

    /// A routed decision with the given fields.
    public init(decision: ResolutionDecision, itemKey: String? = nil, itemType: String? = nil,
                label: String? = nil, summary: String? = nil, note: String = "") {
        self.decision = decision
        self.itemKey = itemKey
        self.itemType = itemType
        self.label = label
        self.summary = summary
        self.note = note
    }
}

/// A curator's answer for one cluster, parsed defensively (ARCHITECTURE §5).
///
/// - No usable answer (an error, expiry, cancellation, refusal or other reply without the tool
///   call, a tool input that is not an object, no `decisions` list, an empty list, or a list with
///   no usable entry): `.unusable`: the whole cluster stays pending.
/// - A prospect the answer omits: reject, note `"omitted by curator"`.
/// - `merge` without both `merge_into` and `item_type`: that prospect stays pending (never
///   routed to a guessed node); likewise `deepen` without `item_key` (the node to deepen).
/// - An entry with an unknown action stays pending; an entry whose index is missing, not an
///   integer or out of range is ignored (its prospect then counts as omitted); of two entries for
///   one index the first wins.
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

    /// The note of an implicit reject.
    public static let omittedNote = "omitted by curator"

    /// Parses `outcome` for a cluster of `memberCount` prospects (nil outcome: no result).
    /// - Complexity: O(size of the tool input).
    public static func parse(_ outcome: CuratorOutcome?, memberCount: Int) -> CuratorAnswer {
        guard let outcome else { return .unusable(reason: "no result") }
        guard case let .succeeded(input) = outcome else { return .unusable(reason: outcome.summary) }
        let entries: [Entry]
        switch parseEntries(input) {
        case let .failure(failure): return .unusable(reason: failure.reason)
        case let .success(list): entries = list
        }
        var byIndex: [Int: Entry] = [:]
        for entry in entries where memberCount > 0 && (1...memberCount).contains(entry.index) {
            if byIndex[entry.index] == nil { byIndex[entry.index] = entry }
        }
        guard !byIndex.isEmpty else { return .unusable(reason: "no usable decision in the answer") }
        return .routes((1...memberCount).map { index in
            switch byIndex[index] {
            case nil: .resolve(RoutedDecision(decision: .reject, note: omittedNote))
            case .unknownAction?: .stayPending(reason: "unknown or missing action")
            case let .decision(decision)?: route(decision)
            }
        })
    }

    /// The route of one well-formed decision.
    public static func route(_ decision: CuratorDecision) -> ProspectRoute {
        let note = decision.note ?? ""
        switch decision.action {
        case .reject:
            return .resolve(RoutedDecision(decision: .reject, note: note))
        case .merge:
            guard let target = decision.mergeInto, let type = decision.itemType else {
                return .stayPending(reason: "merge without merge_into and item_type")
            }
            return .resolve(RoutedDecision(decision: .merge, itemKey: target, itemType: type,
                                           label: decision.label, summary: decision.summary, note: note))
        case .deepen:
            guard let key = decision.itemKey else { return .stayPending(reason: "deepen without item_key") }
            return .resolve(RoutedDecision(decision: .deepen, itemKey: key, itemType: decision.itemType,
                                           label: decision.label, summary: decision.summary, note: note))
        case .commit:
            return .resolve(RoutedDecision(decision: .commit, itemKey: decision.itemKey, itemType: decision.itemType,
                                           label: decision.label, summary: decision.summary, note: note))
        }
    }

    /// One entry of the list with a usable index.
    enum Entry {
        case decision(CuratorDecision)
        case unknownAction(index: Int)

        var index: Int {
            switch self {
            case let .decision(decision): decision.index
            case let .unknownAction(index): index
            }
        }
    }

    /// The entries of the tool input's `decisions` list; entries without a usable index are dropped.
    static func parseEntries(_ input: JSONValue) -> Result<[Entry], ParseFailure> {
        guard let list = decisionList(input) else {
            return .failure(ParseFailure("the tool input has no decisions list"))
        }
        guard !list.isEmpty else { return .failure(ParseFailure("the decisions list is empty")) }
        var entries: [Entry] = []
        for entry in list {
            guard let object = entry.objectValue, let index = integer(object["index"]) else { continue }
            guard let actionText = string(object["action"])?.lowercased(), let action = CuratorAction(rawValue: actionText) else {
                entries.append(.unknownAction(index: index))
                continue
            }
            var confidence: Double? = nil
            if let value = object["confidence"]?.numberValue, value.isFinite { confidence = min(max(value, 0), 1) }
            entries.append(.decision(CuratorDecision(
                index: index, action: action, itemType: string(object["item_type"]), itemKey: string(object["item_key"]),
                label: string(object["label"]), summary: string(object["summary"]), confidence: confidence,
                mergeInto: string(object["merge_into"]), note: string(object["note"]))))
        }
        return .success(entries)
    }

    /// The `decisions` array of the input; a list sent as JSON text (double-encoded) is accepted.
    private static func decisionList(_ input: JSONValue) -> [JSONValue]? {
        var value = input
        if case let .string(text) = value, let parsed = try? JSONValue(parsing: text) { value = parsed }
        guard let decisions = value["decisions"] else { return nil }
        if let list = decisions.arrayValue { return list }
        if case let .string(text) = decisions, let parsed = try? JSONValue(parsing: text), let list = parsed.arrayValue {
            return list
        }
        return nil
    }

    /// An integral number, or a string holding one.
    private static func integer(_ value: JSONValue?) -> Int? {
        if let x = value?.numberValue, x.isFinite && x == x.rounded() && abs(x) < 1e15 { return Int(x) }
        guard case let .string(text)? = value else { return nil }
        return Int(text.trimmingCharacters(in: .whitespaces))
    }

    /// A non-empty trimmed string.
    private static func string(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    struct ParseFailure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

/// Deterministic item keys for commits that name none: `<type>:<slug of label>`.
public enum ItemKey {
    /// `<type or "item">:<slug>`, the slug being the label's ASCII letters and digits lowercased,
    /// other runs of characters turned into one `-`, trimmed, at most 64 characters; when the
    /// label has none, `fallback` (e.g. the prospect id) is slugged instead.
    ///
    /// ```swift
    /// ItemKey.derive(type: "libs", label: "libfoo 2.0 (dev)", fallback: "p1")   // "libs:libfoo-2-0-dev"
    /// ```
    public static func derive(type: String?, label: String, fallback: String) -> String {
        let prefix = type.flatMap { slug($0).isEmpty ? nil : slug($0) } ?? "item"
        var body = slug(label)
        if body.isEmpty { body = slug(fallback) }
        if body.isEmpty { body = "unnamed" }
        return "\(prefix):\(body)"
    }

    /// The label's ASCII letters and digits, lowercased, other runs as one `-`, at most 64.
    public static func slug(_ text: String) -> String {
        var out: [UInt8] = []
        var pendingDash = false
        for byte in text.utf8 {
            let lower = (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
            if (lower >= 0x61 && lower <= 0x7A) || (lower >= 0x30 && lower <= 0x39) {
                if pendingDash && !out.isEmpty { out.append(UInt8(ascii: "-")) }
                pendingDash = false
                out.append(lower)
                if out.count >= 64 { break }
            } else {
                pendingDash = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
