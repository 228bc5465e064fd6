import Clustering
import XCTest

/// Step 1 of a plan: skip, order by novelty, cap.
final class SalienceTests: XCTestCase {
    func testMostNovelFirstTiesInIndexOrderAndNoHitsMostNovel() {
        let salience = Salience(topScores: [0.5, nil, 0.8, 0.5, nil], threshold: 0, recallEnabled: true)
        XCTAssertEqual(salience.salient, [1, 4, 0, 3, 2])
        XCTAssertEqual(salience.skipped, [])
        XCTAssertEqual(salience.deferred, 0)
    }

    func testItemsBelowTheThresholdAreSkippedInIndexOrder() {
        let salience = Salience(topScores: [0.99, 0.2, 0.97, 0.9], threshold: 0.05, recallEnabled: true)
        XCTAssertEqual(salience.skipped, [0, 2])
        XCTAssertEqual(salience.salient, [1, 3])
        // Novelty exactly at the threshold is kept; an exact duplicate (score 1) is kept at threshold 0.
        XCTAssertEqual(Salience(topScores: [0.75], threshold: 0.25, recallEnabled: true).salient, [0])
        XCTAssertEqual(Salience(topScores: [1], threshold: 0, recallEnabled: true).salient, [0])
    }

    func testWithoutRecallNothingIsSkippedOrReordered() {
        let salience = Salience(topScores: [0.99, nil, 0.2], threshold: 0.5, recallEnabled: false)
        XCTAssertEqual(salience.salient, [0, 1, 2])
        XCTAssertEqual(salience.skipped, [])
    }

    func testTheLimitDefersTheLeastNovel() {
        let scores: [Double?] = [0.9, 0.1, 0.5, 0.99]
        let capped = Salience(topScores: scores, threshold: 0.05, recallEnabled: true, limit: 2)
        XCTAssertEqual(capped.salient, [1, 2])
        XCTAssertEqual(capped.skipped, [3])
        XCTAssertEqual(capped.deferred, 1)
        XCTAssertEqual(Salience(topScores: scores, threshold: 0.05, recallEnabled: true, limit: 3).deferred, 0)
        for limit in [0, -4] {
            let none = Salience(topScores: scores, threshold: 0.05, recallEnabled: true, limit: limit)
            XCTAssertEqual(none.salient, [], "limit \(limit)")
            XCTAssertEqual(none.deferred, 3, "limit \(limit)")
        }
        XCTAssertEqual(Salience(topScores: scores, threshold: 0, recallEnabled: false, limit: 1).salient, [0])
    }

    func testNoItems() {
        let salience = Salience(topScores: [], threshold: 0.5, recallEnabled: true, limit: 0)
        XCTAssertEqual(salience, Salience(topScores: [], threshold: 0, recallEnabled: false))
        XCTAssertEqual(salience.salient, [])
    }
}
