import CurationProviders
import CurationStore
import Foundation

/// Renders one cluster as a curator request (`seed-contract.md` §4): a Messages-API-shaped body
/// with a system prompt, one user message and the `curate_decisions` tool.
///
/// The user message lists, in order:
/// 1. the cluster's **shared recalled knowledge**: the union of its prospects' recall hits, one
///    line per committed item with its best score, best first (`- [0.91] <item text>`), or
///    `(none)`;
/// 2. the **shared source excerpt** (`SourceExcerpt`), each line quoted with `> `, or
///    `(unavailable)`;
/// 3. **each prospect** by 1-based index: label, type, confidence, summary and its own recall
///    hits, best first, or `(none)`.
///
/// Scores are shown with two decimals as JavaScript's `toFixed(2)` writes them; item texts are
/// `itemText(type:label:summary:)`. `max_tokens` is `maxTokens(clusterSize:)`. The body carries
/// no `model`: the provider sets it on submission. Rendering is deterministic (the same cluster,
/// recall and excerpt give the same bytes).
///
/// ```swift
/// let request = CuratorPrompt().request(customID: "a1b2-c0", members: cluster.members, pool: pool,
///                                       committed: committed, recall: plan.recall, excerpt: nil,
///                                       style: .forcedTool)
/// ```
public struct CuratorPrompt: Sendable {
    /// A renderer.
    public init() {}

    /// `max_tokens` of a cluster of `size` prospects: min(16,000, 2,048 + 512 × size).
    public static func maxTokens(clusterSize size: Int) -> Int {
        min(16_000, 2_048 + 512 * max(size, 0))
    }

    /// The system prompt: what the curator decides and how to answer.
    public static let systemPrompt = """
        You curate a knowledge graph. Each request lists a cluster of prospects: small typed \
        items (a label and a one-sentence summary) proposed from work sessions, grouped because \
        they look alike. Committed items the graph already holds are listed as recalled \
        knowledge, and an excerpt of the sessions' messages shows where the prospects came from.

        Answer with exactly one call of the \(CuratorRequest.toolName) tool, with one entry per prospect, by its \
        1-based index, whose "decision" is one of:
        - commit: a new item worth keeping; give item_type, item_key (a stable key for the \
        item), label and summary.
        - merge: the same thing as an existing committed item or as another prospect you commit; \
        give merge_into (the target's item_key) and item_type (the target's type).
        - deepen: adds depth to an existing committed item; give its item_key, and an improved \
        label and summary.
        - reject: not worth keeping (noise, too vague, wrong).
        Give a confidence in [0, 1] and a short note for each decision.
        """

    /// The `curate_decisions` tool definition (name, description, JSON schema of its input):
    /// `{"decisions": [{index, decision, item_type, item_key, label, summary, confidence,
    /// merge_into, note}]}`, `index` and `decision` required, no other property at either level.
    public static let tool: JSONValue = [
        "name": .string(CuratorRequest.toolName),
        "description": "Record one decision per prospect of the cluster, by 1-based index.",
        "input_schema": [
            "type": "object",
            "properties": [
                "decisions": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "index": ["type": "integer", "description": "1-based index of the prospect"],
                            "decision": ["type": "string", "enum": ["commit", "merge", "deepen", "reject"]],
                            "item_type": ["type": "string"],
                            "item_key": ["type": "string"],
                            "label": ["type": "string"],
                            "summary": ["type": "string"],
                            "confidence": ["type": "number"],
                            "merge_into": ["type": "string", "description": "item_key of the merge target"],
                            "note": ["type": "string"],
                        ],
                        "required": ["index", "decision"],
                        "additionalProperties": false,
                    ],
                ],
            ],
            "required": ["decisions"],
            "additionalProperties": false,
        ],
    ]

    /// The request for one cluster.
    /// - Parameters:
    ///   - customID: the request's `custom_id` (see `CuratorRequest.customID(jobNonce:clusterIndex:)`).
    ///   - members: pool indices of the cluster, in plan order (index 1 first).
    ///   - pool: the planned pool.
    ///   - committed: the committed index the plan recalled from.
    ///   - recall: the plan's recall hits per pool index (`Plan.recall`).
    ///   - excerpt: the cluster's source excerpt (`SourceExcerpt`), nil when unavailable.
    ///   - style: how the provider offers the tool.
    /// - Complexity: O(members × recall_top_k + excerpt length).
    public func request(customID: String, members: [Int], pool: PendingPool, committed: CommittedIndex,
                        recall: [[PlannedHit]], excerpt: String?, style: CuratorRequestStyle) -> CuratorRequest {
        let body = body(members: members, pool: pool, committed: committed, recall: recall, excerpt: excerpt, style: style)
        return CuratorRequest(customID: customID, body: body.serialized(), prospectIDs: members.map { pool.prospects[$0].prospectID })
    }

    /// The rendered body of one cluster (see `request(customID:members:pool:committed:recall:excerpt:style:)`):
    /// with `.adaptiveThinking`, `thinking` and `output_config` and no `tool_choice`; with
    /// `.forcedTool`, a `tool_choice` naming the tool.
    public func body(members: [Int], pool: PendingPool, committed: CommittedIndex, recall: [[PlannedHit]],
                     excerpt: String?, style: CuratorRequestStyle) -> JSONValue {
        var body: [(key: String, value: JSONValue)] = [
            ("max_tokens", .integer(Self.maxTokens(clusterSize: members.count))),
            ("system", .string(Self.systemPrompt)),
            ("messages", [["role": "user", "content": .string(userContent(members: members, pool: pool, committed: committed,
                                                                              recall: recall, excerpt: excerpt))]]),
            ("tools", [Self.tool]),
        ]
        switch style {
        case .adaptiveThinking:
            body += [("thinking", ["type": "adaptive"]), ("output_config", ["effort": "high"])]
        case .forcedTool:
            body.append(("tool_choice", ["type": "tool", "name": .string(CuratorRequest.toolName)]))
        }
        return .object(JSONObject(body))
    }

    /// The user message of one cluster.
    public func userContent(members: [Int], pool: PendingPool, committed: CommittedIndex, recall: [[PlannedHit]],
                            excerpt: String?) -> String {
        var best: [Int: Double] = [:]
        for member in members where member < recall.count {
            for hit in recall[member] where hit.committedIndex < committed.count {
                best[hit.committedIndex] = max(best[hit.committedIndex] ?? -.infinity, hit.score)
            }
        }
        let shared = best.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        var text = "Cluster of \(members.count) prospect\(members.count == 1 ? "" : "s"). "
            + "Decide on each one by its index with exactly one \(CuratorRequest.toolName) call.\n\n"
        text += "Shared recalled knowledge (committed items related to this cluster):\n"
        text += shared.isEmpty ? "(none)\n" : shared.map { "- \(Self.hitLine(committed.items[$0.key], $0.value))\n" }.joined()
        text += "\nShared source excerpt (messages of the sessions these prospects came from):\n"
        if let excerpt, !excerpt.isEmpty {
            text += excerpt.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { "> \($0)\n" }.joined()
        } else {
            text += "(unavailable)\n"
        }
        text += "\nProspects:\n"
        for (position, member) in members.enumerated() {
            let prospect = pool.prospects[member]
            text += "\(position + 1). \(prospect.label.isEmpty ? "(no label)" : Self.oneLine(prospect.label))\n"
            text += "   type: \(prospect.prospectType.map(Self.oneLine) ?? "(none)"); "
                + "confidence: \(prospect.confidence.map { "\($0)" } ?? "unknown")\n"
            if !prospect.summary.isEmpty { text += "   summary: \(Self.oneLine(prospect.summary))\n" }
            let hits = member < recall.count ? recall[member].filter { $0.committedIndex < committed.count } : []
            if hits.isEmpty {
                text += "   similar existing items: (none)\n"
            } else {
                text += "   similar existing items:\n"
                    + hits.map { "   - \(Self.hitLine(committed.items[$0.committedIndex], $0.score))\n" }.joined()
            }
        }
        return text
    }

    /// `[0.91] <item text>`.
    private static func hitLine(_ item: CommittedItem, _ score: Double) -> String {
        "[\(fixed2(score))] \(oneLine(item.text))"
    }

    /// `value` with two decimals as JavaScript's `toFixed(2)` writes it: like `%.2f`, except that
    /// an exact tie rounds away from zero, where `printf` rounds it to even. A binary value is
    /// exactly halfway between two hundredths only at odd multiples of 1/8 (0.125, 0.375, …).
    package static func fixed2(_ value: Double) -> String {
        let eighths = value * 8   // exact: a power of two
        let isTie = value.isFinite && abs(eighths) < 1e15 && eighths == eighths.rounded() && Int(eighths) % 2 != 0
        return String(format: "%.2f", isTie ? value + (value < 0 ? -0.001 : 0.001) : value)
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
