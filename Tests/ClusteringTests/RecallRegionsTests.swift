import Clustering
import XCTest

/// Step 2 of a plan: items bucketed by their best hit.
final class RecallRegionsTests: XCTestCase {
    func testRegionsInFirstSeenOrderMembersInTheOrderGiven() {
        let hits: [RecallHit?] = [
            RecallHit(index: 5, score: 0.9), RecallHit(index: 2, score: 0.7), RecallHit(index: 5, score: 0.6),
            nil, RecallHit(index: 2, score: 0.59), RecallHit(index: 2, score: 1),
        ]
        let split = RecallRegions([3, 2, 5, 1, 0, 4], topHits: hits, floor: 0.6)
        XCTAssertEqual(split.regions, [.init(anchor: 5, members: [2, 0]), .init(anchor: 2, members: [5, 1])])
        XCTAssertEqual(split.cold, [3, 4], "no hit, or a best hit below the floor")
    }

    func testOnlyTheItemsGivenAreSplit() {
        let hits: [RecallHit?] = [RecallHit(index: 0, score: 1), RecallHit(index: 0, score: 1), nil]
        let split = RecallRegions([1], topHits: hits, floor: 0.5)
        XCTAssertEqual(split.regions, [.init(anchor: 0, members: [1])])
        XCTAssertEqual(split.cold, [])
        let none = RecallRegions([], topHits: hits, floor: 0.5)
        XCTAssertEqual(none.regions, [])
        XCTAssertEqual(none.cold, [])
    }
}
