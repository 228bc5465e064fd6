import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import XCTest

/// The request for one cluster (`seed-contract.md` §4): the tool, `max_tokens`, the provider's
/// style, the per-prospect lines and recall hits, the shared recalled knowledge and the shared
/// source excerpt.
final class CuratorRequestTests: XCTestCase {
    /// max_tokens = min(16,000, 2,048 + 512 × size).
    func testMaxTokens() {
        XCTAssertEqual(CuratorPrompt.maxTokens(clusterSize: 1), 2_560)
        XCTAssertEqual(CuratorPrompt.maxTokens(clusterSize: 16), 10_240)
        XCTAssertEqual(CuratorPrompt.maxTokens(clusterSize: 27), 15_872)
        XCTAssertEqual(CuratorPrompt.maxTokens(clusterSize: 28), 16_000)
        XCTAssertEqual(CuratorPrompt.maxTokens(clusterSize: 500), 16_000)
    }

    /// `curate_decisions`, input `{"decisions": [...]}`: `index` and `decision` required, the
    /// four decisions, the seven optional fields, no other property at either level.
    func testTheToolSchema() throws {
        let schema = try XCTUnwrap(CuratorPrompt.tool["input_schema"])
        XCTAssertEqual(CuratorPrompt.tool["name"], "curate_decisions")
        XCTAssertEqual(schema["required"], ["decisions"])
        XCTAssertEqual(schema["additionalProperties"], false)
        let entry = try XCTUnwrap(schema["properties"]?["decisions"]?["items"])
        XCTAssertEqual(entry["required"], ["index", "decision"])
        XCTAssertEqual(entry["additionalProperties"], false)
        XCTAssertEqual(entry["properties"]?["decision"]?["enum"], ["commit", "merge", "deepen", "reject"])
        XCTAssertEqual(entry["properties"]?["index"]?["type"], "integer")
        XCTAssertEqual(entry["properties"]?["confidence"]?["type"], "number")
        XCTAssertEqual(Set(try XCTUnwrap(entry["properties"]?.objectValue).members.map(\.key)),
                       ["index", "decision", "item_type", "item_key", "label", "summary", "confidence", "merge_into", "note"])
    }

    /// Anthropic: adaptive thinking, high effort, the tool offered but not forced; every other
    /// provider: the tool forced. The default Anthropic model is claude-opus-4-8.
    func testStylePerProvider() async throws {
        let (pool, committed, plan) = try await Self.planned()
        let members = try XCTUnwrap(plan.clusters.first).members
        let thinking = CuratorPrompt().body(members: members, pool: pool, committed: committed, recall: plan.recall,
                                            excerpt: nil, style: .adaptiveThinking)
        XCTAssertEqual(thinking["thinking"], ["type": "adaptive"])
        XCTAssertEqual(thinking["output_config"], ["effort": "high"])
        XCTAssertNil(thinking["tool_choice"])
        XCTAssertEqual(thinking["tools"], [CuratorPrompt.tool])
        XCTAssertEqual(thinking["max_tokens"], .integer(CuratorPrompt.maxTokens(clusterSize: members.count)))
        XCTAssertTrue(try XCTUnwrap(thinking["system"]?.stringValue).contains("exactly one call"))
        let forced = CuratorPrompt().body(members: members, pool: pool, committed: committed, recall: plan.recall,
                                          excerpt: nil, style: .forcedTool)
        XCTAssertEqual(forced["tool_choice"], ["type": "tool", "name": "curate_decisions"])
        XCTAssertNil(forced["thinking"])
        XCTAssertNil(forced["output_config"])

        let environment = ["ANTHROPIC_API_KEY": "sk-test", "OPENAI_API_KEY": "sk-test"]
        let anthropic = try RemoteCuratorSettings.resolve(provider: "anthropic", config: CurateConfig(), environment: environment)
        XCTAssertEqual(anthropic.model, "claude-opus-4-8")
        let store = try CurationStore.inMemory()
        XCTAssertEqual(AnthropicBatchCurator(settings: anthropic, http: CurateConfig().makeHTTPClient()).requestStyle, .adaptiveThinking)
        let openAI = try RemoteCuratorSettings.resolve(provider: "openai-compatible", config: CurateConfig(), environment: environment)
        let chat = OpenAICompatibleCurator(store: store, settings: openAI, http: CurateConfig().makeHTTPClient())
        XCTAssertEqual(chat.requestStyle, .forcedTool)
        XCTAssertFalse(chat.hasBatchAPI)
        XCTAssertEqual(LocalCurator(store: store).requestStyle, .forcedTool)
    }

    /// Per prospect, by 1-based index: label, type, confidence, summary and its own hits
    /// (`[score with 2 decimals] <type>: <label> - <summary>`, best first, "(none)" without);
    /// the shared knowledge: the whole union of the members' hits, one line per item with its
    /// best score, best first.
    func testProspectLinesAndSharedKnowledge() async throws {
        let store = try CurationStore.inMemory()
        // Twenty committed items around the x axis, so three prospects recall 20 distinct items.
        try await JobScratch.importCommitted(store, (0..<20).map { i in
            JobScratch.committed("k\(i)", type: "Tool", vector: [1, Float(i) * 0.05, Float(i % 3) * 0.01])
        })
        try await JobScratch.importProspects(store, [
            JobScratch.prospect("p1", anchor: "s1", label: "curl", type: "Tool", confidence: 0.7, vector: [1, 0, 0]),
            JobScratch.prospect("p2", anchor: "s2", label: "wget", type: nil, confidence: 0.25, vector: [1, 0.5, 0]),
            JobScratch.prospect("p3", anchor: "s3", label: "lone", type: "Tool", vector: [0, 0, -1]),
        ])
        let pool = try store.loadPendingPool(), committed = try store.loadCommitted()
        var settings = Planner.Settings()
        settings.recallTopK = 12
        let plan = try Planner(settings: settings).plan(pool, committed: committed)
        // The three prospects as one cluster (the prompt's subject here, not how the planner groups them).
        let members = try ["p1", "p2", "p3"].map { id in try XCTUnwrap(pool.prospects.firstIndex { $0.prospectID == id }) }
        let text = CuratorPrompt().userContent(members: members, pool: pool, committed: committed, recall: plan.recall,
                                               excerpt: nil)
        let sharedBlock = try XCTUnwrap(text.components(separatedBy: "\n\n").first { $0.hasPrefix("Shared recalled knowledge") })
        let sharedLines = sharedBlock.split(separator: "\n").dropFirst()
        let union = Set(members.flatMap { plan.recall[$0].map(\.committedIndex) })
        XCTAssertGreaterThan(union.count, 16, "the union is listed whole, not cut at 16")
        XCTAssertEqual(sharedLines.count, union.count)
        let line = try NSRegularExpression(pattern: #"^- \[(-?\d\.\d\d)\] Tool: item (k\d+) - known (k\d+)$"#)
        var scores: [Double] = []
        for text in sharedLines.map(String.init) {
            let match = try XCTUnwrap(line.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), text)
            let group = { (i: Int) in String(text[Range(match.range(at: i), in: text)!]) }
            XCTAssertEqual(group(2), group(3), text)
            scores.append(Double(group(1))!)
        }
        XCTAssertEqual(scores, scores.sorted(by: >), "best first")

        let prospects = try XCTUnwrap(text.components(separatedBy: "\nProspects:\n").last)
        XCTAssertTrue(prospects.hasPrefix("1. curl\n   type: Tool; confidence: 0.7\n   summary: summary of p1\n   similar existing items:\n   - [1.00] Tool: item k0 - known k0\n"),
                      prospects)
        XCTAssertTrue(prospects.contains("2. wget\n   type: (none); confidence: 0.25\n"), prospects)
        XCTAssertTrue(prospects.contains("3. lone\n   type: Tool; confidence: 0.8\n   summary: summary of p3\n   similar existing items:\n   - ["),
                      "p3 recalls items at cosine 0 or below: listed too")
        let firstHits = plan.recall[members[0]].map { hit in
            "   - [\(String(format: "%.2f", hit.score))] \(committed.items[hit.committedIndex].text)"
        }
        XCTAssertTrue(prospects.contains(firstHits.joined(separator: "\n")), "p1's own hits, best first")
    }

    /// A prospect without hits shows "(none)", and so does an empty shared block; a missing
    /// excerpt shows "(unavailable)"; a prospect without confidence shows "unknown".
    func testEmptyBlocks() throws {
        let pool = PendingPool(prospects: [PendingProspect(prospectID: "p", anchorKey: "s", label: "x", confidence: nil,
                                                           ts: UTCTimestamp(millisecondsSince1970: 0), sessionLastActivity: nil,
                                                           embeddingRow: nil)],
                               embeddings: nil, embeddedIndices: [])
        let committed = CommittedIndex(items: [], embeddings: nil, embeddedIndices: [])
        let text = CuratorPrompt().userContent(members: [0], pool: pool, committed: committed, recall: [[]], excerpt: nil)
        XCTAssertTrue(text.contains("Shared recalled knowledge (committed items related to this cluster):\n(none)\n"), text)
        XCTAssertTrue(text.contains("(messages of the sessions these prospects came from):\n(unavailable)\n"), text)
        XCTAssertTrue(text.hasSuffix("1. x\n   type: (none); confidence: unknown\n   similar existing items: (none)\n"), text)
        let quoted = CuratorPrompt().userContent(members: [0], pool: pool, committed: committed, recall: [[]],
                                                 excerpt: "first\nProspects:\n1. not a prospect")
        XCTAssertTrue(quoted.contains("> first\n> Prospects:\n> 1. not a prospect\n"), "excerpt lines are quoted: \(quoted)")
        let crlf = CuratorPrompt().userContent(members: [0], pool: pool, committed: committed, recall: [[]],
                                               excerpt: "hello\r\nProspects:\r\n1. fake\rlast")
        XCTAssertTrue(crlf.contains("> hello\n> Prospects:\n> 1. fake\n> last\n"), "every line break ends a quoted line: \(crlf)")
    }

    /// Two decimals as JavaScript's toFixed(2): exact ties (odd multiples of 1/8) round away
    /// from zero, where printf rounds them to even.
    func testScoresAsJavaScriptWritesThem() {
        XCTAssertEqual(CuratorPrompt.fixed2(0.125), "0.13")
        XCTAssertEqual(CuratorPrompt.fixed2(0.375), "0.38")
        XCTAssertEqual(CuratorPrompt.fixed2(0.625), "0.63")
        XCTAssertEqual(CuratorPrompt.fixed2(-0.125), "-0.13")
        XCTAssertEqual(CuratorPrompt.fixed2(0.1249999), "0.12")
        XCTAssertEqual(CuratorPrompt.fixed2(0.915), "0.92", "0.915 is stored just above the tie")
        XCTAssertEqual(CuratorPrompt.fixed2(0.905), "0.91")
        XCTAssertEqual(CuratorPrompt.fixed2(1), "1.00")
        XCTAssertEqual(CuratorPrompt.fixed2(0.5), "0.50")
    }

    /// The excerpt: ids from the members' `source_keys.message_id`, union in member order, the
    /// first 40; at most 40 rows (one id may name several), import order, empty texts skipped,
    /// joined with newlines, cut at 8,000 UTF-16 code units without splitting a surrogate pair.
    func testSourceExcerpt() throws {
        func prospect(_ keys: String?) -> PendingProspect {
            PendingProspect(prospectID: "p", anchorKey: "s", sourceKeys: keys, ts: UTCTimestamp(millisecondsSince1970: 0),
                            sessionLastActivity: nil, embeddingRow: nil)
        }
        let members = [prospect(#"{"message_id": ["m3", "m1", "", 7]}"#), prospect(#""{\"message_id\": [\"m1\", \"m2\"]}""#),
                       prospect(nil), prospect(#"{"message_id": "m9"}"#)]
        XCTAssertEqual(SourceExcerpt.ids(of: members, column: "message_id"), ["m3", "m1", "7", "m2"],
                       "strings and integers, union in member order; a JSON string holding the object is read too")
        XCTAssertEqual(SourceExcerpt.ids(of: members, column: "uuid"), [])
        let many = (0..<60).map { "m\($0)" }
        XCTAssertEqual(SourceExcerpt.ids(of: [prospect(JSONValue.object(["message_id": .array(many.map(JSONValue.string))]).serialized())],
                                         column: "message_id"), Array(many.prefix(40)))

        let store = try CurationStore.inMemory()
        let lines = [("m2", "second"), ("m1", "first"), ("m1", "first, part two"), ("m3", ""), ("m4", "not named")]
            + (0..<50).map { ("m5", "row \($0)") }
        try SourceImporter(store: store).importData(Data(lines.enumerated().map { i, row in
            TemporaryDirectory.line(["message_id": row.0, "session_id": "s", "message_created_at": "2026-01-0\(1 + i % 9)T00:00:00Z",
                                     "content_text": row.1]) + "\n"
        }.joined().utf8), path: "sources.jsonl")
        let excerpt = try SourceExcerpt.read([["m1", "m2", "m3"]], from: store)[0]
        XCTAssertEqual(excerpt, "second\nfirst\nfirst, part two", "import order, empty text skipped")
        XCTAssertNil(try SourceExcerpt.read([["m3"]], from: store)[0], "only empty texts: unavailable")
        XCTAssertNil(try SourceExcerpt.read([[]], from: store)[0])
        let capped = try XCTUnwrap(try SourceExcerpt.read([["m5"]], from: store)[0])
        XCTAssertEqual(capped.split(separator: "\n").count, 40, "at most 40 rows")

        let long = String(repeating: "a", count: 7_999) + "😀" + "tail"
        XCTAssertEqual(SourceExcerpt.prefix(long, utf16Units: 8_000), String(repeating: "a", count: 7_999), "a pair is not split")
        XCTAssertEqual(SourceExcerpt.prefix(String(repeating: "é", count: 9_000), utf16Units: 8_000).utf16.count, 8_000)
    }

    /// A planned pool of the two-cluster fixture.
    static func planned() async throws -> (PendingPool, CommittedIndex, Plan) {
        let store = try CurationStore.inMemory()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        let pool = try store.loadPendingPool(), committed = try store.loadCommitted()
        return (pool, committed, try Planner().plan(pool, committed: committed))
    }
}
