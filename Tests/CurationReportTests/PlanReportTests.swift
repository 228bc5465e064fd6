import Clustering
import Curation
import CurationReport
import CurationStore
import CurationTestSupport
import Foundation
import Kernels
import XCTest

/// The report's statistics must be the engine's exact results, and its page must be safe to open.
final class PlanReportTests: XCTestCase {
    /// The fixture's 2,000 prospects, with its last 300 rows also imported as committed items
    /// (so part of the pool is warm), in a store on disk.
    static func fixtureStore(_ directory: TemporaryDirectory) async throws -> CurationStore {
        let store = try CurationStore(path: directory.path("curate.sqlite"))
        let jsonl = TemporaryDirectory.fixture("debian-minilm-2000.jsonl"), f32 = TemporaryDirectory.fixture("debian-minilm-2000.f32")
        _ = try await ProspectImporter(store: store).importFile(jsonl, vectors: .file(path: f32, dimension: 384))
        let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n").suffix(300)
        let committed = try lines.map { line in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return TemporaryDirectory.line(["item_id": "c-\(object["prospect_id"]!)", "item_type": object["prospect_type"]!,
                                            "label": object["label"]!, "summary": object["summary"]!])
        }
        let vectors = try Data(contentsOf: URL(fileURLWithPath: f32)).suffix(300 * 384 * 4)
        try vectors.write(to: directory.url.appendingPathComponent("committed.f32"))
        _ = try await CommittedImporter(store: store)
            .importFile(try directory.writeLines("committed.jsonl", committed), vectors: .file(path: directory.path("committed.f32"), dimension: 384))
        return store
    }

    func fixtureReport(_ options: PlanReport.Options = .init()) async throws -> PlanReport {
        let directory = try TemporaryDirectory()
        let store = try await Self.fixtureStore(directory)
        return try PlanReport(pool: try store.loadPendingPool(), committed: try store.loadCommitted(), planner: Planner(), options: options)
    }

    func testGroupsAreThePlanBeforeChunking() async throws {
        let report = try await fixtureReport()
        XCTAssertGreaterThan(report.groups.filter { if case .recallRegion = $0.origin { true } else { false } }.count, 0, "part of the pool is warm")
        XCTAssertEqual(report.groups.reduce(0) { $0 + $1.requests }, report.plan.clusters.count)
        var pieces = [[Int]](repeating: [], count: report.groups.count)
        for cluster in report.plan.clusters { pieces[cluster.group] += cluster.members }
        XCTAssertEqual(pieces, report.groups.map(\.members))
        XCTAssertTrue(report.groups.contains { $0.requests > 1 }, "the fixture has a group above max_cluster_size")
        let grouped = report.groupOfProspect
        XCTAssertEqual(grouped.compactMap { $0 }.count + report.plan.skipped.count, report.pool.count)
    }

    func testSweepIsGreedyClusteringOfTheColdProspectsAtEachThreshold() async throws {
        let report = try await fixtureReport()
        let matrix = try XCTUnwrap(report.pool.embeddings)
        let order = report.plan.coldOrder.map { report.pool.prospects[$0].embeddingRow! }
        XCTAssertEqual(report.sweep.map(\.threshold), (70...95).map { Double($0) / 100 })
        let fixed = report.plan.clusters.filter { $0.origin != .similarity }.count
        for point in report.sweep where [0.7, 0.82, 0.88, 0.95].contains(point.threshold) {
            let sizes = try GreedyClustering(threshold: point.threshold, backend: .scalar).cluster(matrix, order: order).clusters.map(\.count)
            XCTAssertEqual(point.clusters, sizes.count, "t=\(point.threshold)")
            XCTAssertEqual(point.largest, sizes.max(), "t=\(point.threshold)")
            XCTAssertEqual(point.singletons, sizes.filter { $0 == 1 }.count, "t=\(point.threshold)")
            XCTAssertEqual(point.requests, fixed + sizes.reduce(0) { $0 + ($1 + 15) / 16 }, "t=\(point.threshold)")
        }
        let configured = try XCTUnwrap(report.sweep.first { $0.threshold == 0.82 })
        XCTAssertEqual(configured.requests, report.plan.clusters.count, "the sweep at the plan's threshold is the plan")
        XCTAssertEqual(configured.clusters, report.groups.filter { $0.origin == .similarity }.count)
    }

    func testAnOffGridThresholdJoinsTheSweep() async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.fixtureStore(directory)
        var settings = Planner.Settings()
        settings.clusterSimilarity = 0.815
        let report = try PlanReport(pool: try store.loadPendingPool(), committed: try store.loadCommitted(), planner: Planner(settings: settings))
        XCTAssertEqual(report.sweep.count, 27)
        XCTAssertEqual(report.sweep.first { $0.threshold == 0.815 }?.requests, report.plan.clusters.count)
        XCTAssertEqual(report.sweep.map(\.threshold), report.sweep.map(\.threshold).sorted())
    }

    func testNearestIsTheBestOtherProspectByReferenceCosine() async throws {
        let report = try await fixtureReport()
        let matrix = try XCTUnwrap(report.pool.embeddings)
        for row in stride(from: 0, to: matrix.rows, by: 13) {
            var best = -Double.infinity
            for other in 0..<matrix.rows where other != row { best = max(best, matrix.referenceCosine(row, matrix, other)) }
            XCTAssertEqual(report.nearest[report.pool.embeddedIndices[row]], best, "row \(row)")
        }
    }

    func testMapDownsamplesOnlyTheMapAndDeterministically() async throws {
        var options = PlanReport.Options()
        options.mapPoints = 400
        let report = try await fixtureReport(options)
        let map = try XCTUnwrap(report.map, report.mapUnavailable ?? "")
        XCTAssertEqual(map.points.count, 400)
        XCTAssertEqual(map.embedded, 2000)
        XCTAssertTrue(map.isDownsampled)
        XCTAssertEqual(report.nearest.compactMap { $0 }.count, 2000, "statistics use every prospect")
        let drawn = Set(map.points.map(\.poolIndex))
        let highlighted = report.highlighted.flatMap { report.groups[$0].members }
        XCTAssertLessThanOrEqual(highlighted.count, 200)
        XCTAssertTrue(highlighted.allSatisfy(drawn.contains), "every member of the coloured groups is drawn")
        let again = try await fixtureReport(options)
        XCTAssertEqual(again.map?.points, map.points, "the same points every run")
        let unsampled = try await fixtureReport()
        let full = try XCTUnwrap(unsampled.map)
        XCTAssertEqual(full.points.count, 2000)
        XCTAssertFalse(full.isDownsampled)
        let byIndex = Dictionary(uniqueKeysWithValues: full.points.map { ($0.poolIndex, $0) })
        XCTAssertTrue(map.points.allSatisfy { byIndex[$0.poolIndex] == $0 }, "a drawn point sits where the full map has it")
        XCTAssertEqual(map.explainedVariance.count, 2)
        XCTAssertGreaterThan(map.explainedVariance[0], map.explainedVariance[1])
    }

    func testPoolsWithoutEmbeddingsOrWithoutProspects() throws {
        let prospects = (0..<5).map {
            PendingProspect(prospectID: "p\($0)", anchorKey: "s\($0 % 2)", ts: UTCTimestamp(Date(timeIntervalSince1970: 0)),
                            sessionLastActivity: nil, embeddingRow: nil)
        }
        let empty = CommittedIndex(items: [], embeddings: nil, embeddedIndices: [])
        for pool in [PendingPool(prospects: prospects, embeddings: nil, embeddedIndices: []),
                     PendingPool(prospects: [], embeddings: nil, embeddedIndices: [])] {
            let report = try PlanReport(pool: pool, committed: empty, planner: Planner())
            XCTAssertEqual(report.sweep, [])
            XCTAssertNil(report.map)
            XCTAssertNotNil(report.mapUnavailable)
            XCTAssertTrue(report.nearest.allSatisfy { $0 == nil })
            let html = page(report)
            XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
            XCTAssertTrue(html.hasSuffix("</html>\n"))
        }
        let sessions = try PlanReport(pool: PendingPool(prospects: prospects, embeddings: nil, embeddedIndices: []), committed: empty,
                                      planner: Planner())
        XCTAssertEqual(sessions.groups.map(\.members), [[0, 2, 4], [1, 3]])
    }

    func testPageEscapesStoreTextAndLoadsNothing() throws {
        let hostile = #"<script>alert('x')</script> & "quoted" <img src=x.png onerror=alert(1)>"#
        let prospects = (0..<3).map { (i: Int) in
            PendingProspect(prospectID: "id<\(i)>", anchorKey: "session&\(i)", label: hostile, summary: hostile,
                            ts: UTCTimestamp(Date(timeIntervalSince1970: 0)), sessionLastActivity: nil, embeddingRow: i)
        }
        let matrix = try EmbeddingMatrix(rows: [[1, 0, 0], [0.99, 0.05, 0], [0, 1, 0]])
        let pool = PendingPool(prospects: prospects, embeddings: matrix, embeddedIndices: [0, 1, 2])
        let report = try PlanReport(pool: pool, committed: CommittedIndex(items: [], embeddings: nil, embeddedIndices: []),
                                    planner: Planner())
        let html = page(report)
        XCTAssertFalse(html.contains("<script"), "no script, and store text is escaped")
        XCTAssertFalse(html.contains("<img"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://"), "nothing refers to the network")
        XCTAssertNil(html.range(of: #"<[^>]*\s(src|href)\s*="#, options: .regularExpression), "no element loads anything")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"))
        XCTAssertTrue(html.contains("id&lt;0&gt;"))
        XCTAssertTrue(html.contains(#"content="default-src 'none'; style-src 'unsafe-inline'""#))
    }

    func testHTMLTextHelpers() {
        XCTAssertEqual(HTMLText.escape("a<b>&\"'c\u{7}d\te"), "a&lt;b&gt;&amp;&quot;&#39;c\u{FFFD}d\te")
        XCTAssertEqual(HTMLText.escape("é ☃ \u{1F600}"), "é ☃ \u{1F600}")
    }

    private func page(_ report: PlanReport) -> String {
        ReportPage(report: report, context: .init(database: "test.sqlite", window: nil, generatedAt: UTCTimestamp(Date()),
                                                  version: "test")).html()
    }
}
