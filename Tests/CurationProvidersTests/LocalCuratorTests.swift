import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import XCTest

/// The embedded local curator: its rules and its stored batches.
final class LocalCuratorTests: XCTestCase {
    /// The most confident prospect commits; members at least `local_merge_threshold` similar to
    /// it merge into its key (with merge_into and item_type); members under the confidence floor
    /// are rejected; the rest commit under their own keys. Ties go to the lower index.
    func testRules() throws {
        let scratch = try JobScratch()
        let curator = LocalCurator(store: try scratch.store())
        let input = curator.decide([
            LocalProspect(prospectID: "p1", prospectType: "lib", label: "Other thing", confidence: 0.7, embedding: [0, 1, 0]),
            LocalProspect(prospectID: "p2", prospectType: "lib", label: "Foo Bar", confidence: 0.9, embedding: [1, 0, 0]),
            LocalProspect(prospectID: "p3", prospectType: "tool", label: "foo-bar", confidence: 0.1, embedding: [0.95, 0.1, 0]),
            LocalProspect(prospectID: "p4", label: "weak", confidence: 0.3, embedding: [0, 0, 1]),
            nil,
            LocalProspect(prospectID: "p6", prospectType: "lib", label: "Same conf", confidence: 0.9, embedding: [0, 0, 1]),
        ])
        let parsed = CuratorAnswer.parse(.succeeded(toolInput: input), memberCount: 6)
        guard case let .routes(routes) = parsed else { return XCTFail("\(parsed)") }
        let decisions = routes.map { route -> RoutedDecision? in
            if case let .resolve(decision) = route { return decision }
            return nil
        }
        XCTAssertEqual(decisions[1]?.decision, .commit, "p2: most confident, lower index than p6")
        XCTAssertEqual(decisions[1]?.itemKey, "lib:foo-bar")
        XCTAssertEqual(decisions[1]?.itemType, "lib")
        XCTAssertEqual(decisions[2]?.decision, .merge, "p3 is similar enough to merge despite its low confidence")
        XCTAssertEqual(decisions[2]?.itemKey, "lib:foo-bar")
        XCTAssertEqual(decisions[2]?.itemType, "lib", "the target's type")
        XCTAssertEqual(decisions[0]?.decision, .commit)
        XCTAssertEqual(decisions[0]?.itemKey, "lib:other-thing")
        XCTAssertEqual(decisions[3]?.decision, .reject, "p4 is below the floor")
        XCTAssertEqual(decisions[4]?.note, "omitted by curator", "a prospect missing from the store is omitted")
        XCTAssertEqual(decisions[5]?.decision, .commit)
        XCTAssertEqual(decisions[5]?.itemKey, "lib:same-conf")
        let entries = try XCTUnwrap(input["decisions"]?.arrayValue)
        XCTAssertEqual(entries.count, 5)
        XCTAssertEqual(entries[2]["merge_into"], "lib:foo-bar")
    }

    /// When even the most confident prospect is under the floor, the whole cluster is rejected.
    func testClusterUnderTheFloorIsRejected() throws {
        let scratch = try JobScratch()
        let curator = LocalCurator(store: try scratch.store(), mergeThreshold: 0.9, confidenceFloor: 0.5)
        let input = curator.decide([
            LocalProspect(prospectID: "p1", confidence: 0.45, embedding: [1, 0]),
            LocalProspect(prospectID: "p2", confidence: 0.2, embedding: [1, 0]),
        ])
        XCTAssertEqual(CuratorAnswer.parse(.succeeded(toolInput: input), memberCount: 2).rejectCount, 2)
    }

    /// Submitting stores the requests; the first poll computes, stores and ends the batch; a new
    /// connection (a resumed process) reads the same results; `findBatches` lists the batch by
    /// nonce with its custom ids.
    func testBatchesAreStoredAndCollectableAfterARestart() async throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        let curator = LocalCurator(store: store)
        let requests = [CuratorRequest(customID: "n0nce-c0", body: "{}", prospectIDs: ["a1", "a2", "a3"]),
                        CuratorRequest(customID: "n0nce-c1", body: "{}", prospectIDs: ["b1", "b2"])]
        let batchID = try await curator.submit(requests: requests, jobNonce: "n0nce")
        let stored = try store.read { try Row.fetchOne($0, sql: "SELECT state, results FROM local_batches WHERE batch_id = ?",
                                                       arguments: [batchID]) }
        XCTAssertEqual(stored?["state"], "in_progress")
        XCTAssertNil(stored?["results"] as String?)

        let restarted = LocalCurator(store: try scratch.store())
        let found = try await restarted.findBatches(jobNonce: "n0nce", claimedAt: .now())
        XCTAssertEqual(found, [CuratorSubmittedBatch(batchID: batchID, customIDs: ["n0nce-c0", "n0nce-c1"])])
        let otherNonce = try await restarted.findBatches(jobNonce: "other", claimedAt: .now())
        XCTAssertEqual(otherNonce, [])
        let status = try await restarted.status(batchID: batchID)
        XCTAssertEqual(status, .ended)
        let results = try await restarted.results(batchID: batchID, expecting: Set(requests.map(\.customID)))
        XCTAssertEqual(Set(results.keys), ["n0nce-c0", "n0nce-c1"])
        XCTAssertEqual(try store.read { try String.fetchOne($0, sql: "SELECT state FROM local_batches") }, "ended")
        let again = try await curator.results(batchID: batchID, expecting: Set(requests.map(\.customID)))
        XCTAssertEqual(again, results, "stored, not recomputed")
        await XCTAssertThrowsErrorAsync(try await curator.status(batchID: "nope"))
    }

    /// Requests whose custom_id is malformed, lacks the nonce or repeats are refused; nothing is stored.
    func testSubmitRefusesBadCustomIDs() throws {
        let scratch = try JobScratch()
        let store = try scratch.store()
        let curator = LocalCurator(store: store)
        for ids in [["abc-c0"], ["n0nce c0"], ["n0nce-c0", "n0nce-c0"], [String(repeating: "n0nce", count: 13)]] {
            let requests = ids.map { CuratorRequest(customID: $0, body: "{}", prospectIDs: []) }
            XCTAssertThrowsError(try JobScratch.wait { try await curator.submit(requests: requests, jobNonce: "n0nce") }, "\(ids)")
        }
        XCTAssertEqual(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM local_batches") }, 0)
    }
}

extension CuratorAnswer {
    var rejectCount: Int {
        guard case let .routes(routes) = self else { return 0 }
        return routes.filter { if case let .resolve(d) = $0 { return d.decision == .reject } else { return false } }.count
    }
}
