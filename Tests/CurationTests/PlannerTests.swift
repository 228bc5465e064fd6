import Clustering
import Curation
import CurationStore
import Foundation
import Kernels
import XCTest

/// The planner's rules (ARCHITECTURE §4), one test each, on small hand-built pools.
final class PlannerTests: XCTestCase {
    /// A pool of prospects `(id, session, vector?)` in insertion order.
    func pool(_ rows: [(String, String, [Float]?)]) throws -> PendingPool {
        let vectors = rows.compactMap(\.2)
        var row = 0
        let prospects = rows.map { id, session, vector in
            defer { if vector != nil { row += 1 } }
            return PendingProspect(prospectID: id, anchorKey: session, ts: UTCTimestamp(Date(timeIntervalSince1970: 0)),
                                   sessionLastActivity: nil, embeddingRow: vector == nil ? nil : row)
        }
        let matrix = vectors.isEmpty ? nil : try EmbeddingMatrix(rows: vectors)
        return PendingPool(prospects: prospects, embeddings: matrix,
                           embeddedIndices: rows.indices.filter { rows[$0].2 != nil })
    }

    func committed(_ rows: [(String, [Float])]) throws -> CommittedIndex {
        let items = rows.enumerated().map { CommittedItem(itemID: $1.0, itemType: "concept", source: "import", embeddingRow: $0) }
        return CommittedIndex(items: items, embeddings: rows.isEmpty ? nil : try EmbeddingMatrix(rows: rows.map(\.1)),
                              embeddedIndices: Array(rows.indices))
    }

    func ids(_ plan: Plan, _ pool: PendingPool) -> [[String]] { plan.summary(ids: pool.ids).clusters }

    func testColdProspectsClusterGreedilyInUTF16Order() throws {
        // Insertion order differs from id order; "B" < "a" by code point.
        let pool = try pool([("b", "s1", [1, 0]), ("a", "s2", [0, 1]), ("B", "s3", [0.99, 0.1]), ("c", "s4", [0.1, 0.99])])
        let plan = try Planner().plan(pool, committed: try committed([]))
        XCTAssertEqual(ids(plan, pool), [["B", "b"], ["a", "c"]])
        XCTAssertEqual(plan.skipped, [])
        XCTAssertEqual(plan.pending, 4)
    }

    func testWarmProspectsFormRecallRegionsBeforeColdClusters() throws {
        let committed = try committed([("k1", [1, 0, 0]), ("k2", [0, 1, 0])])
        let pool = try pool([
            ("p1", "s", [0.9, 0.1, 0]),   // warm, near k1 (novelty small)
            ("p2", "s", [0.1, 0.9, 0.1]), // warm, near k2
            ("p3", "s", [0.7, 0.6, 0]),   // warm (best ≥ 0.6), region k1, more novel than p1
            ("p4", "s", [0, 0, 1]),       // cold
            ("p5", "s", [0, 0.05, 1]),    // cold, joins p4
        ])
        let plan = try Planner().plan(pool, committed: committed)
        // Salience order: novelty descending: p4, p5 (cold), then p3, p2, p1 by novelty.
        // Regions in order of first appearance in salience order: k1 (p3), then k2 (p2); members in salience order.
        XCTAssertEqual(ids(plan, pool), [["p3", "p1"], ["p2"], ["p4", "p5"]])
        XCTAssertEqual(plan.clusters.map(\.origin), [.recallRegion(committedIndex: 0), .recallRegion(committedIndex: 1), .similarity])
        XCTAssertEqual(plan.recall[0].first?.committedIndex, 0)
    }

    func testSalienceThresholdSkipsKnownProspects() throws {
        var settings = Planner.Settings()
        settings.salienceThreshold = 0.05
        let committed = try committed([("k1", [1, 0])])
        let pool = try pool([("dup", "s", [1, 0.001]), ("new", "s", [0, 1])])
        let plan = try Planner(settings: settings).plan(pool, committed: committed)
        XCTAssertEqual(plan.summary(ids: pool.ids).skipped, ["dup"])
        XCTAssertEqual(ids(plan, pool), [["new"]])
        // Without committed vectors recall is disabled, so nothing is skipped.
        let noRecall = try Planner(settings: settings).plan(pool, committed: try self.committed([]))
        XCTAssertEqual(noRecall.skipped, [])
    }

    func testExactDuplicatesOfCommittedItemsAreNotSkippedAtSalienceZero() throws {
        // In Double, this vector's dot with itself over its squared norm is 1.0000000000000002:
        // unclamped, its novelty would be negative and salience 0 would skip it.
        let v: [Float] = [1.2881847620010376, 1.4494456052780151, 0.06633581221103668, -0.7645436525344849, -1.0921732187271118]
        let pool = try pool([("dup", "s", v)])
        let plan = try Planner().plan(pool, committed: try committed([("k", v)]))
        XCTAssertEqual(plan.skipped, [])
        XCTAssertEqual(plan.recall[0].first?.score, 1)
        XCTAssertEqual(ids(plan, pool), [["dup"]])
    }

    func testClustersAreCutToTheMaximumSize() throws {
        var settings = Planner.Settings()
        settings.maxClusterSize = 2
        let pool = try pool((0..<5).map { ("p\($0)", "s", [1, Float($0) * 0.01]) })
        let plan = try Planner(settings: settings).plan(pool, committed: try committed([]))
        XCTAssertEqual(ids(plan, pool), [["p0", "p1"], ["p2", "p3"], ["p4"]])
    }

    func testProspectsWithoutVectorsAreGroupedBySession() throws {
        let pool = try pool([("x2", "beta", nil), ("x1", "alpha", nil), ("x3", "beta", nil), ("v", "alpha", [1, 0])])
        let plan = try Planner().plan(pool, committed: try committed([]))
        XCTAssertEqual(ids(plan, pool), [["v"], ["x1"], ["x2", "x3"]])
        XCTAssertEqual(plan.clusters.map(\.origin), [.similarity, .session("alpha"), .session("beta")])
    }

    func testEmptyPoolAndDimensionMismatch() throws {
        let empty = try Planner().plan(try pool([]), committed: try committed([("k", [1, 0])]))
        XCTAssertEqual(empty.clusters, [])
        XCTAssertThrowsError(try Planner().plan(try pool([("p", "s", [1, 0, 0])]), committed: try committed([("k", [1, 0])])))
    }

    func testPlanOnTheDebianFixtureMatchesTheEngine() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        let matrix = try EmbeddingMatrix(contentsOfFile: dir.appendingPathComponent("debian-minilm-2000.f32").path, dimension: 384)
        let ids = try JSONLIdReader().read(contentsOfFile: dir.appendingPathComponent("debian-minilm-2000.jsonl").path)
        let prospects = ids.enumerated().map { PendingProspect(prospectID: $1, anchorKey: "s", ts: UTCTimestamp(Date(timeIntervalSince1970: 0)),
                                                               sessionLastActivity: nil, embeddingRow: $0) }
        let pool = PendingPool(prospects: prospects, embeddings: matrix, embeddedIndices: Array(ids.indices))
        var settings = Planner.Settings()
        settings.maxClusterSize = .max
        let plan = try Planner(settings: settings).plan(pool, committed: try committed([]))
        let reference = try GreedyClustering(threshold: 0.82, backend: .scalar)
            .cluster(matrix, order: UTF16Order.sortedIndices(of: ids))
        XCTAssertEqual(plan.clusters.map(\.members), reference.clusters)
    }

    /// One range check for every knob, which `plan` applies too: the first knob out of range,
    /// named as in the config (and as a flag), NaN included.
    func testSettingsOutOfRangeAreNamed() throws {
        XCTAssertNil(Planner.Settings().problem)
        let cases: [(WritableKeyPath<Planner.Settings, Double>?, WritableKeyPath<Planner.Settings, Int>?, Double, String)] = [
            (nil, \.recallTopK, 10_001, "recall_top_k must be in 0...10000 (got 10001)"),
            (\.recallClusterFloor, nil, .nan, "recall_cluster_floor must be in [-1, 1] (got nan)"),
            (\.clusterSimilarity, nil, -1.5, "cluster_similarity must be in [-1, 1] (got -1.5)"),
            (nil, \.maxClusterSize, 0, "max_cluster_size must be at least 1 (got 0)"),
            (\.salienceThreshold, nil, 2.5, "salience_threshold must be in [0, 2] (got 2.5)"),
        ]
        for (number, integer, value, message) in cases {
            var settings = Planner.Settings()
            if let number { settings[keyPath: number] = value }
            if let integer { settings[keyPath: integer] = Int(value) }
            XCTAssertEqual(settings.problem?.description, message)
            XCTAssertThrowsError(try Planner(settings: settings).plan(PendingPool(prospects: [], embeddings: nil, embeddedIndices: []),
                                                                 committed: CommittedIndex(items: [], embeddings: nil, embeddedIndices: []))) {
                XCTAssertEqual("\($0)", message)
            }
        }
        XCTAssertEqual(Planner.Settings.Name.maxClusterSize.flag, "--max-cluster-size")
    }
}
