import Foundation
import ProviderEmulator
import XCTest

final class LargeBatchTests: XCTestCase {
    /// 40,000 prospects in 8,000 clusters: one create call of tens of MB, one results stream.
    func testFortyThousandProspectsInOneBatch() async throws {
        let emulator = try await ProviderEmulator.start()
        let client = WireClient.anthropic(emulator)
        let customIDs = (0..<8_000).map { "big-c\($0)" }
        let requests = customIDs.enumerated().map { cluster, customID -> [String: Any] in
            let prospects = (0..<5).map { member in
                CuratorFixtures.Prospect(label: "prospect \(cluster)-\(member % 4)", type: "notes",
                                         summary: String(repeating: "Some summary text of a prospect. ", count: 6))
            }
            return ["custom_id": customID, "params": CuratorFixtures.messagesParams(prospects)]
        }
        let start = ContinuousClock.now
        let created = try await client.send("POST", "/v1/messages/batches", json: ["requests": requests])
        XCTAssertEqual(created.status, 200)
        let id = try XCTUnwrap(created.json["id"] as? String)
        let results = try await client.send("GET", "/v1/messages/batches/\(id)/results")
        let elapsed = ContinuousClock.now - start
        let lines = results.jsonLines
        XCTAssertEqual(lines.count, customIDs.count)
        XCTAssertEqual(Set(lines.compactMap { $0["custom_id"] as? String }), Set(customIDs))
        let decisions = lines.compactMap { line -> [[String: Any]]? in
            let message = (line["result"] as? [String: Any])?["message"] as? [String: Any]
            let input = (message?["content"] as? [[String: Any]])?.first?["input"] as? [String: Any]
            return input?["decisions"] as? [[String: Any]]
        }
        XCTAssertEqual(decisions.reduce(0) { $0 + $1.count }, 40_000)
        XCTAssertEqual(decisions.first?.last?["decision"] as? String, "merge", "member 4 repeats member 0's label")
        XCTAssertEqual(Set(emulator.stats().submissionsByCustomID.values), [1])
        print("8,000 requests, 40,000 decisions, \(results.body.count) B of results: created and downloaded in \(elapsed)")
        try await emulator.stop()
    }
}
