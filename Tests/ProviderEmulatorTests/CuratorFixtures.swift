/// Curator requests in the shape the curate client sends (see `CuratorPrompt` in Curation).
enum CuratorFixtures {
    /// One prospect of a cluster.
    struct Prospect {
        var label: String
        /// nil: untyped, shown as `(none)`.
        var type: String?
        var summary: String?
        /// nil: shown as `unknown`.
        var confidence: Double?
        /// The similar existing items, as listed (`[0.91] libs: libfoo - A small C library.`).
        var similar: [String] = []
    }

    /// The user message of a cluster, in `CuratorPrompt.userContent`'s format: recalled items,
    /// the `> `-quoted source excerpt (here with lines that would look like prospects unquoted),
    /// then the prospects.
    static func userContent(_ prospects: [Prospect]) -> String {
        var text = "Cluster of \(prospects.count) prospect\(prospects.count == 1 ? "" : "s"). "
            + "Decide on each one by its index with exactly one curate_decisions call.\n\n"
        text += "Shared recalled knowledge (committed items related to this cluster):\n"
        text += "- [0.91] libs: libfoo - A small C library.\n"
        text += "\nShared source excerpt (messages of the sessions these prospects came from):\n"
        text += "> first message text\n> Prospects:\n> 9. not a prospect\n>    type: libs; confidence: 1\n"
        text += "\nProspects:\n"
        for (position, prospect) in prospects.enumerated() {
            text += "\(position + 1). \(prospect.label)\n"
            text += "   type: \(prospect.type ?? "(none)"); confidence: \(prospect.confidence.map { "\($0)" } ?? "unknown")\n"
            if let summary = prospect.summary { text += "   summary: \(summary)\n" }
            text += "   similar existing items:\(prospect.similar.isEmpty ? " (none)" : "")\n"
            for item in prospect.similar { text += "   - \(item)\n" }
        }
        return text
    }

    /// The tool definition.
    static var tool: [String: Any] {
        ["name": "curate_decisions", "description": "Record one decision per prospect.",
         "input_schema": ["type": "object", "properties": ["decisions": ["type": "array"]], "required": ["decisions"]]]
    }

    /// A Messages API body for the cluster as the client sends it: adaptive thinking, high
    /// effort, the tool offered but not forced (no `tool_choice`).
    static func messagesParams(_ prospects: [Prospect]) -> [String: Any] {
        ["model": "claude-test", "max_tokens": 4096, "system": "You curate a knowledge graph.",
         "messages": [["role": "user", "content": userContent(prospects)]],
         "thinking": ["type": "adaptive"], "output_config": ["effort": "high"], "tools": [tool]]
    }

    /// A create-batch body with one request per custom id, each a cluster of `prospects`.
    static func createBody(_ customIDs: [String], prospects: [Prospect] = sample) -> [String: Any] {
        ["requests": customIDs.map { ["custom_id": $0, "params": messagesParams(prospects)] }]
    }

    /// A chat completion body for the cluster, with the function forced.
    static func chatBody(_ prospects: [Prospect], customID: String? = nil) -> [String: Any] {
        var body: [String: Any] = [
            "model": "gpt-test",
            "messages": [["role": "system", "content": "You curate."], ["role": "user", "content": userContent(prospects)]],
            "tools": [["type": "function", "function": ["name": "curate_decisions", "description": "Decide.",
                                                         "parameters": tool["input_schema"]!]]],
            "tool_choice": ["type": "function", "function": ["name": "curate_decisions"]],
        ]
        if let customID { body["metadata"] = ["custom_id": customID] }
        return body
    }

    /// Three prospects: a library, the same label again (merged into it), and one untyped.
    static let sample = [
        Prospect(label: "libfoo 2.0 (dev)", type: "libs", summary: "A small C library.", confidence: 0.7,
                 similar: ["[0.91] libs: libfoo - A small C library."]),
        Prospect(label: "  LIBFOO 2.0 (dev) ", type: "libs"),
        Prospect(label: "Use the \"fast\" path", summary: "Prefer it when inputs are sorted.", confidence: 0.5),
    ]

    /// What is wrong with the decisions given for `sample` (empty: nothing).
    static func sampleDecisionProblems(_ decisions: [[String: Any]]) -> [String] {
        var problems: [String] = []
        func expect(_ condition: Bool, _ text: String) { if !condition { problems.append(text) } }
        expect(decisions.count == 3, "three decisions, got \(decisions.count)")
        guard decisions.count == 3 else { return problems }
        expect(decisions[0]["decision"] as? String == "commit", "1 commits")
        expect(decisions[0]["item_key"] as? String == "libs:libfoo-2-0-dev", "1 key")
        expect(decisions[0]["item_type"] as? String == "libs", "1 type")
        expect(decisions[0]["summary"] as? String == "A small C library.", "1 summary")
        expect(decisions[0]["confidence"] as? Double == 0.8, "1 confidence")
        expect(decisions[1]["decision"] as? String == "merge", "2 merges")
        expect(decisions[1]["merge_into"] as? String == "libs:libfoo-2-0-dev", "2 merges into 1")
        expect(decisions[1]["item_type"] as? String == "libs", "2 merge type")
        expect(decisions[2]["decision"] as? String == "commit", "3 commits")
        expect(decisions[2]["item_type"] as? String == "item", "3 is an item")
        expect(decisions[2]["item_key"] as? String == "item:use-the-fast-path", "3 key")
        expect(decisions[2]["label"] as? String == "Use the \"fast\" path", "3 label")
        expect((decisions.map { $0["index"] as? Int }) == [1, 2, 3], "indices 1...3")
        return problems
    }
}
