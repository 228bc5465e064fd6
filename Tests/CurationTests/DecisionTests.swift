import Curation
import Foundation
import GRDB
import XCTest

/// Parsing curator answers and routing decisions (ARCHITECTURE §5).
final class DecisionTests: XCTestCase {
    static func answer(_ decisions: [JSONValue]) -> CuratorOutcome {
        .succeeded(toolInput: ["decisions": .array(decisions)])
    }

    /// A prospect the answer omits is rejected with the note "omitted by curator".
    func testOmittedProspectIsRejected() throws {
        let parsed = CuratorAnswer.parse(Self.answer([["index": 2, "action": "commit", "item_key": "lib:x", "item_type": "lib"]]),
                                         memberCount: 3)
        guard case let .routes(routes) = parsed else { return XCTFail("\(parsed)") }
        XCTAssertEqual(routes[0], .resolve(RoutedDecision(decision: .reject, note: "omitted by curator")))
        XCTAssertEqual(routes[2], .resolve(RoutedDecision(decision: .reject, note: "omitted by curator")))

        let (scratch, store) = try Self.storeWithProspects(["p1", "p2", "p3"])
        _ = scratch
        let tally = try store.write { db in
            try DecisionRouter.apply(parsed, prospectIDs: ["p1", "p2", "p3"], jobID: "job", resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(tally.rejected, 2)
        XCTAssertEqual(tally.committed, 1)
        let rows = try JobScratch.resolutions(store)
        XCTAssertEqual(rows["p1"], JobScratch.Resolution(decision: "reject", itemKey: nil, note: "omitted by curator", jobID: "job"))
        XCTAssertEqual(rows["p2"]?.decision, "commit")
        XCTAssertEqual(rows["p3"]?.note, "omitted by curator")
    }

    /// No usable answer (error, expiry, cancellation, refusal or no tool call, no result, a
    /// non-object input, no or an empty decisions list, no usable entry): the whole cluster
    /// stays pending and nothing is written.
    func testNoUsableAnswerLeavesTheClusterPending() throws {
        let unusable: [CuratorOutcome?] = [
            nil, .errored(message: "overloaded"), .expired, .canceled, .noToolCall(reason: "refusal"),
            .succeeded(toolInput: "text"), .succeeded(toolInput: [1, 2]), .succeeded(toolInput: ["other": 1]),
            .succeeded(toolInput: ["decisions": []]), .succeeded(toolInput: ["decisions": "not json"]),
            Self.answer([["index": 9, "action": "commit"], ["action": "commit"], "junk", ["index": 0, "action": "reject"]]),
        ]
        let (scratch, store) = try Self.storeWithProspects(["p1", "p2"])
        _ = scratch
        let before = try JobScratch.dump(store)
        for outcome in unusable {
            let parsed = CuratorAnswer.parse(outcome, memberCount: 2)
            guard case .unusable = parsed else { XCTFail("\(String(describing: outcome)) gave \(parsed)"); continue }
            let tally = try store.write { db in
                try DecisionRouter.apply(parsed, prospectIDs: ["p1", "p2"], jobID: "job", resolvedAt: .now(), db: db)
            }
            XCTAssertEqual(tally.leftPending, 2)
            XCTAssertEqual(tally.unusableClusters, 1)
        }
        XCTAssertEqual(try JobScratch.dump(store), before)
    }

    /// `merge` without both `merge_into` and `item_type` leaves that prospect pending; the rest
    /// of the answer is routed.
    func testMergeWithoutTargetStaysPending() throws {
        let parsed = CuratorAnswer.parse(Self.answer([
            ["index": 1, "action": "merge", "item_type": "lib"],
            ["index": 2, "action": "merge", "merge_into": "lib:x"],
            ["index": 3, "action": "merge", "merge_into": "  ", "item_type": "lib"],
            ["index": 4, "action": "reject", "note": "noise"],
        ]), memberCount: 4)
        guard case let .routes(routes) = parsed else { return XCTFail("\(parsed)") }
        for route in routes.prefix(3) {
            guard case .stayPending = route else { return XCTFail("\(route)") }
        }
        let (scratch, store) = try Self.storeWithProspects(["p1", "p2", "p3", "p4"])
        _ = scratch
        let tally = try store.write { db in
            try DecisionRouter.apply(parsed, prospectIDs: ["p1", "p2", "p3", "p4"], jobID: "job", resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(tally.leftPending, 3)
        XCTAssertEqual(tally.rejected, 1)
        XCTAssertEqual(Set(try JobScratch.resolutions(store).keys), ["p4"])
        XCTAssertEqual(try store.counts().committed, 0)
        XCTAssertEqual(try store.loadPendingPool().ids, ["p1", "p2", "p3"])
    }

    /// commit, deepen and merge write a committed row (merge: under the target's key and type,
    /// never a second row for an existing key) and a resolution; reject only a resolution.
    /// New committed rows carry the prospect's vector.
    func testDecisionsWriteCommittedRowsAndResolutions() throws {
        let (scratch, store) = try Self.storeWithProspects(["p1", "p2", "p3", "p4", "p5", "p6"])
        _ = scratch
        try JobScratch.importCommitted(store, [JobScratch.committed("known:old", vector: [0, 0, 1])])
        let parsed = CuratorAnswer.parse(Self.answer([
            // The merge comes first in the answer but is written after the commit it targets.
            ["index": 2, "action": "merge", "merge_into": "lib:new", "item_type": "lib", "note": "same"],
            ["index": 1, "action": "commit", "item_key": "lib:new", "item_type": "lib", "label": "New", "summary": "A new one."],
            ["index": 3, "action": "merge", "merge_into": "known:old", "item_type": "known"],
            ["index": 4, "action": "deepen", "item_key": "known:old"],
            ["index": 5, "action": "reject", "note": "vague"],
            ["index": 6, "action": "commit"],
        ]), memberCount: 6)
        let tally = try store.write { db in
            try DecisionRouter.apply(parsed, prospectIDs: ["p1", "p2", "p3", "p4", "p5", "p6"], jobID: "job",
                                     resolvedAt: .now(), db: db)
        }
        XCTAssertEqual(tally.committed, 2)
        XCTAssertEqual(tally.merged, 2)
        XCTAssertEqual(tally.deepened, 1)
        XCTAssertEqual(tally.rejected, 1)
        XCTAssertEqual(tally.newItems, 2, "lib:new and p6's derived key; known:old exists")
        let committed = try store.loadCommitted()
        XCTAssertEqual(committed.ids, ["known:old", "lib:new", "lib:label-p6"])
        let new = try XCTUnwrap(committed.items.first { $0.itemID == "lib:new" })
        XCTAssertEqual(new.itemType, "lib")
        XCTAssertEqual(new.label, "New")
        XCTAssertEqual(new.summary, "A new one.")
        XCTAssertEqual(new.source, "curator")
        XCTAssertEqual(committed.embeddings?.row(try XCTUnwrap(new.embeddingRow)), [1, 0, 0], "p1's vector")
        let rows = try JobScratch.resolutions(store)
        XCTAssertEqual(rows["p2"], JobScratch.Resolution(decision: "merge", itemKey: "lib:new", note: "same", jobID: "job"))
        XCTAssertEqual(rows["p3"]?.itemKey, "known:old")
        XCTAssertEqual(rows["p4"]?.decision, "deepen")
        XCTAssertEqual(rows["p5"], JobScratch.Resolution(decision: "reject", itemKey: nil, note: "vague", jobID: "job"))
        XCTAssertEqual(rows["p6"]?.itemKey, "lib:label-p6")
    }

    /// Odd shapes never trap: indices as strings, out of range, fractional or duplicated; unknown
    /// actions (that prospect stays pending); a double-encoded decisions list.
    func testParserIsDefensive() {
        let parsed = CuratorAnswer.parse(Self.answer([
            ["index": "1", "action": " COMMIT ", "item_key": "k:1", "confidence": 7],
            ["index": 1, "action": "reject"],                       // duplicate: the first wins
            ["index": 2, "action": "promote"],                      // unknown action: pending
            ["index": 2.5, "action": "reject"],                     // not an integer: ignored
            ["index": 3, "action": "deepen"],                       // deepen without item_key: pending
            ["index": 4, "action": "reject", "note": 12],           // wrong type: no note
            [],
            .null,
        ]), memberCount: 5)
        guard case let .routes(routes) = parsed else { return XCTFail("\(parsed)") }
        XCTAssertEqual(routes.count, 5)
        XCTAssertEqual(routes[0], .resolve(RoutedDecision(decision: .commit, itemKey: "k:1")))
        guard case .stayPending = routes[1], case .stayPending = routes[2] else { return XCTFail("\(routes)") }
        XCTAssertEqual(routes[3], .resolve(RoutedDecision(decision: .reject)))
        XCTAssertEqual(routes[4], .resolve(RoutedDecision(decision: .reject, note: "omitted by curator")))

        let encoded = CuratorAnswer.parse(.succeeded(toolInput: ["decisions": #"[{"index": 1, "action": "reject"}]"#]),
                                          memberCount: 1)
        XCTAssertEqual(encoded, .routes([.resolve(RoutedDecision(decision: .reject))]))
        XCTAssertEqual(CuratorAnswer.parse(Self.answer([["index": 1, "action": "reject"]]), memberCount: 0),
                       .unusable(reason: "no usable decision in the answer"))
        for text in ["", "{", "[1,", #"{"decisions": [{"index": 1e400}]}"#, "nul", #""\ud800""#] {
            if let json = try? JSONValue(parsing: text) {
                _ = CuratorAnswer.parse(.succeeded(toolInput: json), memberCount: 2)
            }
        }
    }

    /// Derived keys: `<type>:<slug>`, ASCII letters and digits, lowercased.
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

    /// A store with prospects `ids` (vectors [1,0,0], [0,1,0], …, cycling), all in one session.
    static func storeWithProspects(_ ids: [String]) throws -> (JobScratch, CurationStore) {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try JobScratch.importProspects(store, ids.enumerated().map { i, id in
            var vector: [Float] = [0, 0, 0]
            vector[i % 3] = 1
            return JobScratch.prospect(id, anchor: "s", vector: vector)
        })
        return (scratch, store)
    }
}
