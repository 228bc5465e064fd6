import Foundation

/// Renders one cluster as a curator request: a Messages-API-shaped body with a system prompt,
/// one user message and the `curate_decisions` tool, forced with `tool_choice`.
///
/// The user message lists, in order:
/// 1. the cluster's **shared recalled knowledge**: the union of its prospects' recall hits
///    (committed items with key, type, label, summary and best similarity), best first, at most
///    `sharedKnowledgeLimit`;
/// 2. **each prospect** by 1-based index: label, type, summary, confidence, session, and its own
///    similar committed items with their scores.
///
/// The body carries no `model`: the provider sets it on submission. Rendering is deterministic
/// (the same cluster and recall give the same bytes).
///
/// ```swift
/// let request = CuratorPrompt().request(customID: "a1b2-c0", members: cluster.members,
///                                      pool: pool, committed: committed, recall: plan.recall)
/// ```
public struct CuratorPrompt: Sendable {
    /// The name of the decision tool.
    public static let toolName = "curate_decisions"

    /// The `max_tokens` of the rendered body.
    public var maxTokens: Int
    /// At most this many shared recalled items are listed per cluster.
    public var sharedKnowledgeLimit: Int

    /// A renderer with the given limits.
    public init(maxTokens: Int = 4096, sharedKnowledgeLimit: Int = 16) {
        self.maxTokens = maxTokens
        self.sharedKnowledgeLimit = sharedKnowledgeLimit
    }

    /// The system prompt: what the curator decides and how to answer.
    public static let systemPrompt = """
        You curate a knowledge graph. Each request lists a cluster of prospects: small typed \
        items (a label and a one-sentence summary) proposed from work sessions, grouped because \
        they look alike. Committed items the graph already holds are listed as recalled knowledge.

        Decide on every prospect, by its 1-based index, with exactly one call of the \
        \(toolName) tool:
        - commit: a new item worth keeping; give item_type, item_key (a stable key such as \
        "<type>:<slug>"), label and summary.
        - merge: the same thing as an existing committed item or as another prospect you commit; \
        give merge_into (the target's item_key) and item_type (the target's type).
        - deepen: adds depth to an existing committed item; give its item_key.
        - reject: not worth keeping (noise, too vague, wrong).
        Give a confidence in [0, 1] and a short note for each decision.
        """

    /// The `curate_decisions` tool definition (name, description, JSON schema of its input).
    public static let tool: JSONValue = [
        "name": .string(toolName),
        "description": "Record one decision per prospect of the cluster, by 1-based index.",
        "input_schema": [
            "type": "object",
            "properties": [
                "decisions": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "index": ["type": "integer", "minimum": 1, "description": "1-based index of the prospect"],
                            "action": ["type": "string", "enum": ["commit", "merge", "deepen", "reject"]],
                            "item_type": ["type": "string"],
                            "item_key": ["type": "string"],
                            "label": ["type": "string"],
                            "summary": ["type": "string"],
                            "confidence": ["type": "number", "minimum": 0, "maximum": 1],
                            "merge_into": ["type": "string", "description": "item_key of the merge target"],
                            "note": ["type": "string"],
                        ],
                        "required": ["index", "action"],
                    ],
                ],
            ],
            "required": ["decisions"],
        ],
    ]

    /// The request for one cluster.
    /// - Parameters:
    ///   - customID: the request's `custom_id` (see `CuratorRequest.customID(jobNonce:clusterIndex:)`).
    ///   - members: pool indices of the cluster, in plan order (index 1 first).
    ///   - pool: the planned pool.
    ///   - committed: the committed index the plan recalled from.
    ///   - recall: the plan's recall hits per pool index (`Plan.recall`).
    /// - Complexity: O(members × recall_top_k).
    public func request(customID: String, members: [Int], pool: PendingPool, committed: CommittedIndex,
                        recall: [[PlannedHit]]) -> CuratorRequest {
        CuratorRequest(customID: customID,
                       body: body(members: members, pool: pool, committed: committed, recall: recall).serialized(),
                       prospectIDs: members.map { pool.prospects[$0].prospectID })
    }

    /// The rendered body of one cluster (see `request(customID:members:pool:committed:recall:)`).
    public func body(members: [Int], pool: PendingPool, committed: CommittedIndex, recall: [[PlannedHit]]) -> JSONValue {
        [
            "max_tokens": .integer(maxTokens),
            "system": .string(Self.systemPrompt),
            "messages": [["role": "user", "content": .string(userContent(members: members, pool: pool,
                                                                            committed: committed, recall: recall))]],
            "tools": [Self.tool],
            "tool_choice": ["type": "tool", "name": .string(Self.toolName)],
        ]
    }

    /// The user message of one cluster.
    public func userContent(members: [Int], pool: PendingPool, committed: CommittedIndex, recall: [[PlannedHit]]) -> String {
        var best: [Int: Double] = [:]
        for member in members where member < recall.count {
            for hit in recall[member] where hit.committedIndex < committed.count {
                best[hit.committedIndex] = max(best[hit.committedIndex] ?? -.infinity, hit.score)
            }
        }
        let shared = best.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .prefix(sharedKnowledgeLimit)
        var text = "Cluster of \(members.count) prospect\(members.count == 1 ? "" : "s"). "
            + "Decide on each one by its index with one \(Self.toolName) call.\n\n"
        text += "Shared recalled knowledge (committed items similar to this cluster):\n"
        if shared.isEmpty { text += "(none)\n" }
        for (index, score) in shared {
            let item = committed.items[index]
            text += "- [\(item.itemID)] (\(item.itemType)) \(Self.oneLine(item.label))"
            if !item.summary.isEmpty { text += ": \(Self.oneLine(item.summary))" }
            text += " (similarity \(Self.score(score)))\n"
        }
        text += "\nProspects:\n"
        for (position, member) in members.enumerated() {
            let prospect = pool.prospects[member]
            text += "\(position + 1). \(Self.oneLine(prospect.label.isEmpty ? prospect.prospectID : prospect.label))\n"
            text += "   type: \(prospect.prospectType ?? "unspecified"); confidence: \(Self.score(prospect.confidence)); "
                + "session: \(Self.oneLine(prospect.anchorKey))"
            if let anchorType = prospect.anchorType { text += " (\(Self.oneLine(anchorType)))" }
            text += "\n"
            if !prospect.summary.isEmpty { text += "   summary: \(Self.oneLine(prospect.summary))\n" }
            let hits = member < recall.count ? recall[member].filter { $0.committedIndex < committed.count } : []
            if hits.isEmpty {
                text += "   similar committed items: none\n"
            } else {
                text += "   similar committed items: " + hits.map { hit in
                    let item = committed.items[hit.committedIndex]
                    return "[\(item.itemID)] \(Self.oneLine(item.label)) (\(Self.score(hit.score)))"
                }.joined(separator: "; ") + "\n"
            }
        }
        return text
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private static func score(_ value: Double) -> String {
        String(format: "%.3f", value)
    }
}
