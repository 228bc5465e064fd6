import Clustering
import Curation
import CurationReport
import CurationStore
import Foundation
import Kernels

/// A dry-run backfill at each pool size, as a user would run it: the pool and the committed
/// items are imported into a temporary SQLite store, then a child process (this executable with
/// `--end-to-end-child`) loads the pending pool and the committed index and plans (recall,
/// clustering, chunking) without writing anything. The child reports its stage timings and its
/// own peak RSS, so the RSS is that of the dry run alone.
///
/// Committed items: `--committed` of them, the real rows that follow the pool in the dataset
/// while there are any, then synthetic rows (unrelated to the pool, so they recall nothing
/// close); the split is reported.
final class EndToEndBench {
    let configuration: BenchConfiguration
    let catalog: DataCatalog
    private let log: (String) -> Void
    private(set) var rows: [EndToEndRow] = []
    /// `curate report` on the same stores (with `--report`).
    private(set) var reportRows: [ReportRow] = []

    init(configuration: BenchConfiguration, catalog: DataCatalog, log: @escaping (String) -> Void) {
        self.configuration = configuration
        self.catalog = catalog
        self.log = log
    }

    /// The pools the dry run covers: the given ones, or every pool of the run on real data.
    static func pools(_ configuration: BenchConfiguration, catalog: DataCatalog) -> [PoolSpec] {
        configuration.endToEndPools
            ?? configuration.pools.filter { catalog.isReal(rows: $0.rows, dimension: $0.dimension) }
    }

    /// Synthetic rows (per dimension) the committed items of `pool` need, and where they start.
    static func committedSplit(_ pool: PoolSpec, committed: Int, catalog: DataCatalog) -> (real: Int, syntheticOffset: Int, synthetic: Int) {
        let real = catalog.isReal(rows: pool.rows, dimension: pool.dimension) ? min(committed, catalog.realRows - pool.rows) : 0
        let poolIsSynthetic = !catalog.isReal(rows: pool.rows, dimension: pool.dimension)
        return (real, poolIsSynthetic ? pool.rows : 0, committed - real)
    }

    func run() async throws {
        for pool in Self.pools(configuration, catalog: catalog) {
            rows.append(try await runOne(pool))
        }
    }

    private func runOne(_ pool: PoolSpec) async throws -> EndToEndRow {
        let directory = catalog.workDirectory + "/e2e-\(pool.rows)-\(pool.dimension)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let real = catalog.isReal(rows: pool.rows, dimension: pool.dimension)
        let d = pool.dimension

        // The input files, as a user would have them.
        var prospects = Data(), prospectVectors = Data()
        if real {
            for line in try catalog.prospectLines(rows: pool.rows) {
                prospects.append(contentsOf: line.utf8)
                prospects.append(UInt8(ascii: "\n"))
            }
        } else {
            for i in 0..<pool.rows {
                let id = String(i, radix: 16)
                let line = #"{"prospect_id":"\#(String(repeating: "0", count: max(0, 16 - id.count)) + id)","anchor_key":"session-\#(i / 8)","ts":"2026-01-01T00:00:00Z","label":"synthetic \#(i)"}"#
                prospects.append(contentsOf: (line + "\n").utf8)
            }
        }
        try catalog.appendSlice(offset: 0, rows: pool.rows, dimension: d, real: real, to: &prospectVectors)
        let split = Self.committedSplit(pool, committed: configuration.committed, catalog: catalog)
        var committed = Data(), committedVectors = Data()
        for i in 0..<configuration.committed {
            committed.append(contentsOf: #"{"item_id":"committed-\#(i)","item_type":"package"}"#.utf8)
            committed.append(UInt8(ascii: "\n"))
        }
        if split.real > 0 {
            try catalog.appendSlice(offset: pool.rows, rows: split.real, dimension: d, real: true, to: &committedVectors)
        }
        if split.synthetic > 0 {
            try catalog.appendSlice(offset: split.syntheticOffset, rows: split.synthetic, dimension: d, real: false, to: &committedVectors)
        }
        let paths = ["prospects.jsonl", "prospects.f32", "committed.jsonl", "committed.f32"].map { directory + "/" + $0 }
        for (data, path) in zip([prospects, prospectVectors, committed, committedVectors], paths) {
            try data.write(to: URL(fileURLWithPath: path))
        }

        // Import (not part of the dry run).
        let storePath = directory + "/curate.sqlite"
        let start = Timing.now()
        do {
            let store = try CurationStore(path: storePath)
            try await ProspectImporter(store: store).importFile(paths[0], vectors: .file(path: paths[1], dimension: d))
            if configuration.committed > 0 {
                try await CommittedImporter(store: store).importFile(paths[2], vectors: .file(path: paths[3], dimension: d))
            }
        }
        let importSeconds = Timing.now() - start

        // The dry run, in a child process.
        let report = try child(EndToEndChild.Report.self, "--end-to-end-child", storePath, pool)
        let row = EndToEndRow(
            dim: d, pool: pool.rows, data: real ? "real" : "synthetic", committed: configuration.committed,
            committedReal: split.real, backend: report.backend, importSeconds: importSeconds,
            loadSeconds: report.load, recallSeconds: report.recall, clusterSeconds: report.cluster,
            planSeconds: report.plan, totalSeconds: report.total, clusters: report.clusters,
            skipped: report.skipped, warm: report.warm, cold: report.cold, peakRssMebibytes: report.peakRssMebibytes)
        log(String(format: "end-to-end %@ (%ld committed, %ld real): load %.2f s, recall %.2f s, cluster %.2f s, plan %.3f s, peak RSS %.0f MiB (import %.1f s)",
                   pool.description, configuration.committed, split.real, row.loadSeconds, row.recallSeconds,
                   row.clusterSeconds, row.planSeconds, row.peakRssMebibytes, importSeconds))
        if configuration.report {
            let page = try child(ReportChild.Report.self, "--report-child", storePath, pool)
            let reportRow = ReportRow(
                dim: d, pool: pool.rows, data: row.data, committed: configuration.committed, backend: page.backend,
                loadSeconds: page.load, planSeconds: page.plan, nearestSeconds: page.nearest, sweepSeconds: page.sweep,
                sweepThresholds: page.sweepThresholds, mapSeconds: page.map, renderSeconds: page.render, totalSeconds: page.total,
                htmlBytes: page.bytes, mapPoints: page.mapPoints, peakRssMebibytes: page.peakRssMebibytes)
            reportRows.append(reportRow)
            log(String(format: "report %@: %.2f s (load %.2f, plan %.2f, best similarity %.2f, sweep of %ld thresholds %.2f, map %.2f, HTML %.2f), %.0f KiB, %ld map points, peak RSS %.0f MiB",
                       pool.description, page.total, page.load, page.plan, page.nearest, page.sweepThresholds, page.sweep,
                       page.map, page.render, Double(page.bytes) / 1024, page.mapPoints, page.peakRssMebibytes))
        }
        return row
    }

    /// Runs this executable with `flag store --threshold t` and decodes the JSON it prints.
    private func child<R: Decodable>(_ type: R.Type, _ flag: String, _ storePath: String, _ pool: PoolSpec) throws -> R {
        let child = try ChildProcess.run(
            executable: ChildProcess.currentExecutable(),
            arguments: [flag, storePath, "--threshold", String(configuration.threshold)],
            environment: ProcessInfo.processInfo.environment)
        guard child.status == 0, let data = child.stdout.data(using: .utf8), let report = try? JSONDecoder().decode(type, from: data) else {
            throw BenchError("the \(flag) process for \(pool) failed with exit \(child.status) (its error is above)")
        }
        return report
    }
}

/// The child side of the end-to-end run: load and plan, print one JSON object.
enum EndToEndChild {
    struct Report: Codable {
        var backend: String
        var pending: Int
        var committed: Int
        var load: Double
        var recall: Double
        var cluster: Double
        var plan: Double
        var total: Double
        var clusters: Int
        var skipped: Int
        var warm: Int
        var cold: Int
        var peakRssMebibytes: Double
    }

    static func run(storePath: String, threshold: Double) throws {
        let start = Timing.now()
        let (pool, committed) = try load(storePath)
        let load = Timing.now() - start
        let plan = try planner(threshold: threshold).plan(pool, committed: committed)
        let total = Timing.now() - start
        var warm = 0
        for cluster in plan.clusters {
            if case .recallRegion = cluster.origin { warm += cluster.members.count }
        }
        let report = Report(
            backend: Backend.auto.resolved.rawValue, pending: pool.count, committed: committed.count, load: load,
            recall: plan.timings.recall, cluster: plan.timings.cluster, plan: plan.timings.plan, total: total,
            clusters: plan.clusters.count, skipped: plan.skipped.count, warm: warm,
            cold: pool.count - plan.skipped.count - warm, peakRssMebibytes: Timing.peakRssMebibytes())
        let data = try JSONEncoder().encode(report)
        print(String(decoding: data, as: UTF8.self))
    }

    /// The pending pool and the committed index of the store at `path`, opened as the CLI does.
    static func load(_ path: String) throws -> (PendingPool, CommittedIndex) {
        let store = try CurationStore(path: path, access: .queue, opening: .existingStore)
        return (try store.loadPendingPool(), try store.loadCommitted())
    }

    /// The default planner at `threshold`.
    static func planner(threshold: Double) -> Planner {
        var settings = Planner.Settings(CurateConfig())
        settings.clusterSimilarity = threshold
        return Planner(settings: settings, backend: .auto)
    }
}

/// The child side of the report run: what `curate report` does (load, `PlanReport`, the page,
/// written next to the store), timed; one JSON object on standard output.
enum ReportChild {
    struct Report: Codable {
        var backend: String
        var load: Double
        var plan: Double
        var nearest: Double
        var sweep: Double
        var sweepThresholds: Int
        var map: Double
        var render: Double
        var total: Double
        var bytes: Int
        var mapPoints: Int
        var peakRssMebibytes: Double
    }

    static func run(storePath: String, threshold: Double) throws {
        let start = Timing.now()
        let store = try CurationStore(path: storePath, access: .queue, opening: .existingStore)
        let report = try PlanReport.load(store: store, window: nil, planner: EndToEndChild.planner(threshold: threshold))
        let load = report.timings.load
        let renderStart = Timing.now()
        let context = ReportPage.Context(database: storePath, window: nil, generatedAt: UTCTimestamp(Date()), version: "bench")
        let html = Array(ReportPage(report: report, context: context).html().utf8)
        try Data(html).write(to: URL(fileURLWithPath: storePath + ".html"))
        let end = Timing.now()
        let t = report.timings
        let output = Report(
            backend: report.backend.rawValue, load: load, plan: t.plan.recall + t.plan.cluster + t.plan.plan, nearest: t.nearest,
            sweep: t.sweep, sweepThresholds: report.sweep.count, map: t.map, render: end - renderStart, total: end - start,
            bytes: html.count, mapPoints: report.map?.points.count ?? 0, peakRssMebibytes: Timing.peakRssMebibytes())
        print(String(decoding: try JSONEncoder().encode(output), as: UTF8.self))
    }
}
