import Curation
import CurationProviders
import CurationStore
import Foundation
import GRDB
import XCTest

/// Reading curator answers and writing their rows (`seed-contract.md` §5): every rule of
/// `DecisionRule.all` through the result parser, the answer parser and the router; the router's
/// defensive branches; parsing that never traps.
final class DecisionTests: XCTestCase {
    /// Each rule's answer, read as a batch result line, parsed and routed into a store holding the
    /// three prospects, writes exactly the rows written out by hand from §5.
    func testEveryRuleThroughTheParserAndTheRouter() async throws {
        for rule in DecisionRule.all {
            let store = try await Self.storeWithRuleProspects()
            let line = #"{"custom_id":"n-c0","result":\#(rule.result)}"#
            let outcome = try AnthropicBatchResult(line: Array(line.utf8)).outcome
            let answer = CuratorAnswer.parse(outcome, memberCount: 3)
            _ = try store.write { db in
                try DecisionRouter.apply(answer.routes, prospectIDs: ["p1", "p2", "p3"], jobID: "job", resolvedAt: .now(), db: db)
            }
            let (committed, resolutions) = try Self.exportedRows(store)
            XCTAssertEqual(committed, rule.committed, rule.rule)
            XCTAssertEqual(resolutions, rule.resolutions, rule.rule)
        }
    }

    /// 5.5: prospects below the salience threshold get a `skip` resolution, note "below salience
    /// threshold", `committed_ids` null, and never reach the curator.
    func testSkipResolutions() async throws {
        let store = try await Self.storeWithRuleProspects()
        _ = try store.write { db in try DecisionRouter.writeSkips(["p2"], jobID: "job", resolvedAt: .now(), db: db) }
        let (committed, resolutions) = try Self.exportedRows(store)
        XCTAssertEqual(committed, [])
        XCTAssertEqual(resolutions, [DecisionRule.resolution(2, "skip", note: "below salience threshold")])
    }

    /// The router's defensive branches: a prospect resolved meanwhile by a racing job is left as
    /// it is (no second resolution, no committed row); a merge into a key that exists nowhere
    /// still writes its row (the node is created, as the original does); a route count that
    /// differs from the cluster's size leaves the whole cluster pending; skips leave resolved
    /// prospects alone; a prospect missing from the store and one without label or key stay
    /// pending.
    func testRouterDefensiveBranches() async throws {
        let store = try await Self.storeWithRuleProspects()
        _ = try store.write { db in try DecisionRouter.writeSkips(["p1"], jobID: "racer", resolvedAt: .now(), db: db) }
        let commitAll = CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [
            ["index": 1, "decision": "commit"], ["index": 2, "decision": "merge", "merge_into": "nowhere:x", "item_type": "Ghost"],
            ["index": 3, "decision": "commit"],
        ]]), memberCount: 3)
        let tally = try store.write { db in
            try DecisionRouter.apply(commitAll.routes, prospectIDs: ["p1", "p2", "missing"], jobID: "job", resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(tally.leftPending, 2, "p1 was resolved by the racer; 'missing' is not in the store")
        XCTAssertEqual(tally.merged, 1)
        XCTAssertEqual(tally.committedRows, 1)
        XCTAssertEqual(tally.newItems, 1, "the merge target existed nowhere: its node is created")
        let (committed, resolutions) = try Self.exportedRows(store)
        XCTAssertEqual(committed, [DecisionRule.row(2, key: "nowhere:x", type: "Ghost", label: "http", summary: nil, confidence: nil)])
        XCTAssertEqual(resolutions.map { $0["prospect_id"] }, ["p1", "p2"])
        XCTAssertEqual(resolutions.first?["decision"], "skip", "the racer's resolution stands")

        let shortRoutes = CuratorAnswer.routes([.resolve(RoutedDecision(decision: .reject))])
        let mismatch = try store.write { db in
            try DecisionRouter.apply(shortRoutes.routes, prospectIDs: ["p3", "p2"], jobID: "job", resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(mismatch.unusableClusters, 1)
        XCTAssertEqual(mismatch.leftPending, 2)
        let skips = try store.write { db in try DecisionRouter.writeSkips(["p2", "p3"], jobID: "job", resolvedAt: .now(), db: db) }
        XCTAssertEqual(skips.skipped, 1)
        XCTAssertEqual(skips.leftPending, 1, "p2 is resolved already")

        let unlabeled = try CurationStore.inMemory()
        try await ProspectImporter(store: unlabeled).importData(Data((JSONValue.object([
            "prospect_id": "u", "anchor_key": "s", "created_at": "2026-01-01T00:00:00Z", "prospect_type": "Tool", "label": nil,
        ]).serialized() + "\n").utf8), path: "u.jsonl", vectors: .automatic(nil))
        let noKey = try unlabeled.write { db in
            try DecisionRouter.apply(CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [["index": 1, "decision": "commit"]]]),
                                                         memberCount: 1).routes,
                                     prospectIDs: ["u"], jobID: "job", resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(noKey.leftPending, 1, "no item_key and no label: no key to commit under")
        XCTAssertEqual(try unlabeled.counts().resolved, 0)
    }

    /// Odd shapes never trap: every JSON value as a tool input, as an entry or as a field.
    func testParserNeverTraps() {
        let values: [JSONValue] = [nil, true, 0, -1, 1e300, .number(.infinity), .number(.nan), "", "x", [], [nil], [:],
                                   ["decisions": nil], ["decisions": [[:]]], ["decisions": [["index": .number(.nan)]]]]
        for value in values {
            for memberCount in [0, 1, 3] {
                _ = CuratorAnswer.parse(.succeeded(toolInput: value), memberCount: memberCount)
                _ = CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [value]]), memberCount: memberCount)
                _ = CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [["index": value, "decision": "commit",
                                                                              "confidence": value, "item_key": value]]]),
                                        memberCount: memberCount)
            }
        }
        XCTAssertEqual(CuratorAnswer.parse(.succeeded(toolInput: ["decisions": [["index": 1, "decision": "reject"]]]), memberCount: 0),
                       .routes([]), "an entry survived, but there is no prospect to route")
    }

    /// Derived keys of the local curator: `<type>:<slug>`, ASCII letters and digits, lowercased.
    func testDerivedItemKeys() {
        XCTAssertEqual(ItemKey.derive(type: "libs", label: "libfoo 2.0 (dev)", fallback: "p1"), "libs:libfoo-2-0-dev")
        XCTAssertEqual(ItemKey.derive(type: nil, label: "Ünïcode—only!", fallback: "p1"), "item:n-code-only")
        XCTAssertEqual(ItemKey.derive(type: "x", label: "…", fallback: "P-9"), "x:p-9")
        XCTAssertEqual(ItemKey.derive(type: "x", label: String(repeating: "a", count: 100), fallback: "p").count, 66)
    }

    /// Tool inputs survive storage: serialization is deterministic and parses back equal.
    func testJSONValueRoundTrips() throws {
        let value: JSONValue = ["b": [1, 2.5, "x\n\"", true, nil], "a": ["nested": -3]]
        XCTAssertEqual(value.serialized(), #"{"a":{"nested":-3},"b":[1,2.5,"x\n\"",true,null]}"#)
        XCTAssertEqual(try JSONValue(parsing: value.serialized()), value)
        XCTAssertEqual(try JSONValue(parsing: "true"), .bool(true))
        XCTAssertEqual(try JSONValue(parsing: "1"), .number(1))
        XCTAssertThrowsError(try JSONValue(parsing: "{"))
    }

    /// An in-memory store holding `DecisionRule.prospects`, imported in the original's shape.
    static func storeWithRuleProspects() async throws -> CurationStore {
        let store = try CurationStore.inMemory()
        try await ProspectImporter(store: store)
            .importData(Data(DecisionRule.prospectLines.utf8), path: "prospects.jsonl", vectors: .automatic(nil))
        return store
    }

    /// The rows `curate export` writes, without their timestamps.
    static func exportedRows(_ store: CurationStore) throws -> (committed: [JSONValue], resolutions: [JSONValue]) {
        func rows(_ table: StoreExport.Table, dropping field: String) throws -> [JSONValue] {
            try StoreExport.rows(of: table, in: store, after: nil).jsonLines.split(separator: "\n").map { line in
                let object = try XCTUnwrap(JSONValue(parsing: String(line)).objectValue)
                return .object(JSONObject(object.members.filter { $0.key != field }))
            }
        }
        return (try rows(.committed, dropping: "committed_at"), try rows(.resolutions, dropping: "resolved_at"))
    }
}
