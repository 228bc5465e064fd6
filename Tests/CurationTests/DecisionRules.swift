import Curation
import CurationStore
import Foundation

/// The rules of reading a curator's answer (`seed-contract.md` §5), one case per rule: a cluster
/// of three prospects in the original's shape, the model's answer (a batch result, as raw JSON so
/// that `2.0` stays `2.0`), and the rows the original writes for it, written out by hand from §5
/// (exported rows, without their timestamps). `DecisionTests` runs every case through the parser
/// and the router; `DecisionRulesEndToEndTests` through the Anthropic emulator and a backfill.
struct DecisionRule: Sendable {
    /// The rule, as §5 words it.
    let rule: String
    /// The batch result of the cluster's request: `{"type": "succeeded", "message": …}`, …
    let result: String
    /// The committed rows expected, in the order written (index order).
    let committed: [JSONValue]
    /// The resolutions expected, in the order written.
    let resolutions: [JSONValue]

    // MARK: The cluster

    /// The three prospects, in the original's shape (`enrichment_prospects`), visited in this
    /// order (ids sort p1 < p2 < p3) and clustered together (one vector).
    static let prospects: [JSONValue] = [
        ["prospect_id": "p1", "prospect_type": "Tool", "label": "curl", "props": ["summary": "transfers data"],
         "confidence": 0.7, "evidence": "ran curl -I", "anchor_type": "Session", "anchor_key": "s1",
         "source_dataset": "claude_code", "source_keys": ["message_id": ["m1"]], "extractor": "enrich.t1",
         "extractor_version": "1", "created_at": "2026-01-10T12:00:00.000Z", "embedding": [1, 0, 0]],
        ["prospect_id": "p2", "prospect_type": "Concept", "label": "http", "props": #"{"summary": "a protocol"}"#,
         "confidence": nil, "evidence": nil, "anchor_type": "Session", "anchor_key": "s2", "source_dataset": "claude_code",
         "source_keys": #"{"message_id": ["m2"]}"#, "extractor": "enrich.t1", "extractor_version": 1,
         "created_at": "2026-01-11T12:00:00.000Z", "embedding": [1, 0, 0]],
        ["prospect_id": "p3", "prospect_type": "Tool", "label": "wget", "props": nil, "confidence": 0.4, "evidence": nil,
         "anchor_type": "Session", "anchor_key": "s3", "source_dataset": nil, "source_keys": nil, "extractor": "enrich.t1",
         "extractor_version": "1", "created_at": "2026-01-12T12:00:00.000Z", "embedding": [1, 0, 0]],
    ]

    /// The prospects as JSON Lines.
    static var prospectLines: String { prospects.map { $0.serialized() + "\n" }.joined() }

    // MARK: Building answers

    /// A succeeded result whose message has `content` (JSON text of the blocks array).
    static func succeeded(_ content: String, stopReason: String = "tool_use") -> String {
        #"{"type":"succeeded","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":\#(content),"stop_reason":"\#(stopReason)","usage":{"input_tokens":1,"output_tokens":1}}}"#
    }

    /// Content with one `curate_decisions` call whose decisions are `entries` (JSON text).
    static func tool(_ entries: String) -> String {
        #"[{"type":"tool_use","id":"toolu_1","name":"curate_decisions","input":{"decisions":\#(entries)}}]"#
    }

    // MARK: Expected rows

    /// A resolution of `prospect` (1-based), `committed_ids` = `[key]` or null.
    static func resolution(_ prospect: Int, _ decision: String, key: String? = nil, note: JSONValue = nil) -> JSONValue {
        ["prospect_id": .string("p\(prospect)"), "decision": .string(decision), "committed_ids": key.map { [.string($0)] } ?? nil,
         "note": note, "curator": "enrich.t2", "curator_version": 1]
    }

    /// The "omitted by curator" reject of `prospect`.
    static func omitted(_ prospect: Int) -> JSONValue { resolution(prospect, "reject", note: "omitted by curator") }

    /// A committed row of `prospect` (1-based): its anchor, dataset and source keys (as an object).
    static func row(_ prospect: Int, key: String, type: String, label: JSONValue, summary: String?,
                    confidence: JSONValue) -> JSONValue {
        let sourceKeys: [JSONValue] = [["message_id": ["m1"]], ["message_id": ["m2"]], [:]]
        let datasets: [JSONValue] = ["claude_code", "claude_code", nil]
        return ["item_id": .string(key), "item_type": .string(type), "label": label,
                "props": summary.map { ["summary": .string($0)] } ?? nil, "confidence": confidence,
                "anchor_type": "Session", "anchor_key": .string("s\(prospect)"), "source_dataset": datasets[prospect - 1],
                "source_keys": sourceKeys[prospect - 1], "curator": "enrich.t2", "curator_version": 1]
    }

    // MARK: The rules

    static let all: [DecisionRule] = [
        // §5.1
        DecisionRule(rule: "5.1 a refusal voids the answer even if it holds a tool call",
                     result: succeeded(tool(#"[{"index":1,"decision":"commit"},{"index":2,"decision":"reject"}]"#), stopReason: "refusal"),
                     committed: [], resolutions: []),
        DecisionRule(rule: "5.1 the first curate_decisions call is the answer, later ones are ignored",
                     result: succeeded(#"""
                         [{"type":"text","text":"Deciding."},
                          {"type":"tool_use","id":"toolu_0","name":"other_tool","input":{"decisions":[{"index":1,"decision":"commit"}]}},
                          {"type":"tool_use","id":"toolu_1","name":"curate_decisions","input":{"decisions":[{"index":1,"decision":"reject","note":"first"}]}},
                          {"type":"tool_use","id":"toolu_2","name":"curate_decisions","input":{"decisions":[{"index":1,"decision":"commit"}]}}]
                         """#),
                     committed: [], resolutions: [resolution(1, "reject", note: "first"), omitted(2), omitted(3)]),
        DecisionRule(rule: "5.1 no curate_decisions call: no decisions",
                     result: succeeded(#"[{"type":"text","text":"I would commit them all."}]"#, stopReason: "end_turn"),
                     committed: [], resolutions: []),
        DecisionRule(rule: "5.1 an errored request: no decisions",
                     result: #"{"type":"errored","error":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}"#,
                     committed: [], resolutions: []),
        DecisionRule(rule: "5.1 an expired request: no decisions", result: #"{"type":"expired"}"#, committed: [], resolutions: []),
        DecisionRule(rule: "5.1 a canceled request: no decisions", result: #"{"type":"canceled"}"#, committed: [], resolutions: []),
        DecisionRule(rule: "5.1 an empty decisions list: no decisions", result: succeeded(tool("[]")), committed: [], resolutions: []),
        DecisionRule(rule: "5.1 a tool input that is not an object: no decisions",
                     result: succeeded(#"[{"type":"tool_use","id":"toolu_1","name":"curate_decisions","input":"commit all"}]"#),
                     committed: [], resolutions: []),
        DecisionRule(rule: "5.1 a decisions member that is not an array: no decisions",
                     result: succeeded(tool(#""[{\"index\":1,\"decision\":\"reject\"}]""#)), committed: [], resolutions: []),
        // §5.2
        DecisionRule(rule: "5.2 an index with an integral value counts: 2.0 is 2",
                     result: succeeded(tool(#"[{"index":2.0,"decision":"reject","note":"two"}]"#)),
                     committed: [], resolutions: [omitted(1), resolution(2, "reject", note: "two"), omitted(3)]),
        DecisionRule(rule: "5.2 an index given as a string is dropped",
                     result: succeeded(tool(#"[{"index":"1","decision":"commit"},{"index":3,"decision":"reject"}]"#)),
                     committed: [], resolutions: [omitted(1), omitted(2), resolution(3, "reject")]),
        DecisionRule(rule: "5.2 a fractional, zero or negative index is dropped",
                     result: succeeded(tool(#"[{"index":1.5,"decision":"commit"},{"index":0,"decision":"commit"},{"index":-2,"decision":"commit"},{"index":2,"decision":"reject"}]"#)),
                     committed: [], resolutions: [omitted(1), resolution(2, "reject"), omitted(3)]),
        DecisionRule(rule: "5.2 a decision other than the four lower-case values is dropped",
                     result: succeeded(tool(#"[{"index":1,"decision":"Commit"},{"index":2,"decision":"skip"},{"index":3,"action":"commit"},{"index":3,"decision":"reject"}]"#)),
                     committed: [], resolutions: [omitted(1), omitted(2), resolution(3, "reject")]),
        DecisionRule(rule: "5.2 an index past the cluster is kept but matches no prospect; every index out of range rejects the whole cluster",
                     result: succeeded(tool(#"[{"index":4,"decision":"commit"},{"index":1e300,"decision":"commit"}]"#)),
                     committed: [], resolutions: [omitted(1), omitted(2), omitted(3)]),
        // §5.3
        DecisionRule(rule: "5.3 no entry survives: the whole cluster stays pending",
                     result: succeeded(tool(#"[{"index":"1","decision":"commit"},{"decision":"reject"},"junk",[1],null,{"index":2,"decision":7}]"#)),
                     committed: [], resolutions: []),
        DecisionRule(rule: "5.3 a duplicate index: the last entry wins",
                     result: succeeded(tool(#"[{"index":1,"decision":"commit","item_key":"tool:curl"},{"index":1,"decision":"reject","note":"second"}]"#)),
                     committed: [], resolutions: [resolution(1, "reject", note: "second"), omitted(2), omitted(3)]),
        // §5.4
        DecisionRule(rule: "5.4 a prospect without an entry is rejected, note \"omitted by curator\"",
                     result: succeeded(tool(#"[{"index":2,"decision":"reject","note":"noise"}]"#)),
                     committed: [], resolutions: [omitted(1), resolution(2, "reject", note: "noise"), omitted(3)]),
        DecisionRule(rule: "5.4 a reject writes its note as given, null without one",
                     result: succeeded(tool(#"[{"index":1,"decision":"reject"},{"index":2,"decision":"reject","note":""},{"index":3,"decision":"reject","note":7}]"#)),
                     committed: [], resolutions: [resolution(1, "reject"), resolution(2, "reject", note: ""), resolution(3, "reject")]),
        DecisionRule(rule: "5.4 a merge without merge_into or item_type stays pending",
                     result: succeeded(tool(#"[{"index":1,"decision":"merge","item_type":"Tool"},{"index":2,"decision":"merge","merge_into":"tool:curl"},{"index":3,"decision":"merge","merge_into":"","item_type":"Tool"}]"#)),
                     committed: [], resolutions: []),
        DecisionRule(rule: "5.4 a commit writes one committed row with the entry's fields and one resolution",
                     result: succeeded(tool(#"[{"index":1,"decision":"commit","item_type":"Tool","item_key":"tool:curl","label":"cURL","summary":"A command-line HTTP client.","confidence":0.9,"note":"new"}]"#)),
                     committed: [row(1, key: "tool:curl", type: "Tool", label: "cURL", summary: "A command-line HTTP client.", confidence: 0.9)],
                     resolutions: [resolution(1, "commit", key: "tool:curl", note: "new"), omitted(2), omitted(3)]),
        DecisionRule(rule: "5.4 an empty key: the prospect's label; type, label, summary and confidence: the prospect's",
                     result: succeeded(tool(#"[{"index":1,"decision":"commit","item_key":"","label":"","summary":""}]"#)),
                     committed: [row(1, key: "curl", type: "Tool", label: "curl", summary: "transfers data", confidence: 0.7)],
                     resolutions: [resolution(1, "commit", key: "curl"), omitted(2), omitted(3)]),
        DecisionRule(rule: "5.4 a deepen without a key commits, under the prospect's label",
                     result: succeeded(tool(#"[{"index":1,"decision":"deepen","summary":"Transfers data over many protocols."}]"#)),
                     committed: [row(1, key: "curl", type: "Tool", label: "curl", summary: "Transfers data over many protocols.", confidence: 0.7)],
                     resolutions: [resolution(1, "deepen", key: "curl"), omitted(2), omitted(3)]),
        DecisionRule(rule: "5.4 a merge writes under merge_into and the target's type, without the prospect's summary or confidence",
                     result: succeeded(tool(#"[{"index":2,"decision":"merge","merge_into":"tool:curl","item_type":"Tool","item_key":"ignored","note":"same"}]"#)),
                     committed: [row(2, key: "tool:curl", type: "Tool", label: "http", summary: nil, confidence: nil)],
                     resolutions: [omitted(1), resolution(2, "merge", key: "tool:curl", note: "same"), omitted(3)]),
        DecisionRule(rule: "5.4 a merge keeps the entry's label, summary and confidence",
                     result: succeeded(tool(#"[{"index":3,"decision":"merge","merge_into":"tool:curl","item_type":"Tool","label":"GNU wget","summary":"Same tool.","confidence":0.5}]"#)),
                     committed: [row(3, key: "tool:curl", type: "Tool", label: "GNU wget", summary: "Same tool.", confidence: 0.5)],
                     resolutions: [omitted(1), omitted(2), resolution(3, "merge", key: "tool:curl")]),
        DecisionRule(rule: "5.4 no confidence in the entry or the prospect: null; props from a props string",
                     result: succeeded(tool(#"[{"index":2,"decision":"commit","item_key":"concept:http"}]"#)),
                     committed: [row(2, key: "concept:http", type: "Concept", label: "http", summary: "a protocol", confidence: nil)],
                     resolutions: [omitted(1), resolution(2, "commit", key: "concept:http"), omitted(3)]),
        DecisionRule(rule: "5.4 confidence: the entry's number as given; a confidence that is not a number falls back",
                     result: succeeded(tool(#"[{"index":1,"decision":"commit","confidence":"high"},{"index":3,"decision":"commit","confidence":1.5}]"#)),
                     committed: [row(1, key: "curl", type: "Tool", label: "curl", summary: "transfers data", confidence: 0.7),
                                 row(3, key: "wget", type: "Tool", label: "wget", summary: nil, confidence: 1.5)],
                     resolutions: [resolution(1, "commit", key: "curl"), omitted(2), resolution(3, "commit", key: "wget")]),
        DecisionRule(rule: "5.4 source_keys as an object: an object as it is, a JSON string parsed, anything else {}",
                     result: succeeded(tool(#"[{"index":1,"decision":"commit"},{"index":2,"decision":"commit"},{"index":3,"decision":"commit"}]"#)),
                     committed: [row(1, key: "curl", type: "Tool", label: "curl", summary: "transfers data", confidence: 0.7),
                                 row(2, key: "http", type: "Concept", label: "http", summary: "a protocol", confidence: nil),
                                 row(3, key: "wget", type: "Tool", label: "wget", summary: nil, confidence: 0.4)],
                     resolutions: [resolution(1, "commit", key: "curl"), resolution(2, "commit", key: "http"),
                                   resolution(3, "commit", key: "wget")]),
        DecisionRule(rule: "5.4 strings are kept as given, never trimmed",
                     result: succeeded(tool(#"[{"index":1,"decision":"commit","item_key":" tool:curl ","label":" cURL ","note":" ok "}]"#)),
                     committed: [row(1, key: " tool:curl ", type: "Tool", label: " cURL ", summary: "transfers data", confidence: 0.7)],
                     resolutions: [resolution(1, "commit", key: " tool:curl ", note: " ok "), omitted(2), omitted(3)]),
    ]
}
