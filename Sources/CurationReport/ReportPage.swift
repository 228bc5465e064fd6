import Curation
import CurationStore
import Foundation
import Kernels

/// The report as one self-contained HTML page: inline CSS and SVG, no script, and a content
/// security policy that forbids loading anything, so the page works offline and cannot reach
/// the network. Every text from the store is escaped.
///
/// ```swift
/// let context = ReportPage.Context(database: "curate.sqlite", window: nil, generatedAt: UTCTimestamp(Date()),
///                                  version: "0.1.0")
/// try ReportPage(report: report, context: context).html().write(toFile: "report.html", atomically: true, encoding: .utf8)
/// ```
public struct ReportPage: Sendable {
    /// What the page says about where the report comes from.
    public struct Context: Sendable {
        /// The store's path, as given.
        public var database: String
        /// The scope, nil: every pending prospect.
        public var window: JobWindow?
        /// When the report was made.
        public var generatedAt: UTCTimestamp
        /// The tool's version.
        public var version: String
        /// Prospects of a job in the slot (they count as pending until it is collected), if any.
        public var prospectsInJob: Int?

        /// The context of a report of `database` over `window`.
        public init(database: String, window: JobWindow?, generatedAt: UTCTimestamp, version: String, prospectsInJob: Int? = nil) {
            self.database = database
            self.window = window
            self.generatedAt = generatedAt
            self.version = version
            self.prospectsInJob = prospectsInJob
        }
    }

    /// What the page shows.
    public let report: PlanReport
    /// Where it comes from.
    public let context: Context
    /// Groups listed with their members, largest first.
    public var listedGroups = 20
    /// Members shown per listed group.
    public var listedMembers = 50

    /// The page of `report`.
    public init(report: PlanReport, context: Context) {
        self.report = report
        self.context = context
    }

    /// The whole page.
    public func html() -> String {
        let title = "curate report: " + context.database
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <main>
            \(header())
            \(cards())
            \(sweepSection())
            \(nearestSection())
            \(sizesSection())
            \(mapSection())
            \(groupsSection())
            \(settingsSection())
            </main>
            </body>
            </html>

            """
    }

    // MARK: Sections

    private var pool: PendingPool { report.pool }
    private var threshold: Double { report.settings.clusterSimilarity }

    private func header() -> String {
        let scope = context.window.map { "prospects of sessions active in \($0.description)" } ?? "every pending prospect"
        var note = "A dry run of the scope as one job: nothing was written to the store and no curator was called. "
            + "A backfill with --window plans each window on its own, so it may make more requests."
        if let held = context.prospectsInJob {
            note += " A job in the slot holds \(HTMLText.count(held)) prospects; they count as pending until it is collected."
        }
        return """
            <header><h1>Plan report</h1>
            <p class="sub"><code>\(HTMLText.escape(context.database))</code> · \(HTMLText.escape(scope)) · \
            generated \(HTMLText.escape(context.generatedAt.text)) by curate \(HTMLText.escape(context.version))</p>
            <p class="sub">\(HTMLText.escape(note))</p></header>
            """
    }

    private func cards() -> String {
        let plan = report.plan
        let warm = report.groups.filter { if case .recallRegion = $0.origin { true } else { false } }
        let similarity = report.groups.filter { $0.origin == .similarity }
        let sessions = report.groups.filter { if case .session = $0.origin { true } else { false } }
        let largest = report.groups.map(\.members.count).max() ?? 0
        let singletons = similarity.filter { $0.members.count == 1 }.count
        let perRequest = plan.clusters.isEmpty ? "—" : HTMLText.fixed(Double(plan.pending - plan.skipped.count) / Double(plan.clusters.count), 2)
        var items: [(String, String, String)] = [
            ("Pending prospects", HTMLText.count(plan.pending), "\(HTMLText.count(pool.embeddedIndices.count)) with embeddings"),
            ("Curator requests", HTMLText.count(plan.clusters.count), "\(perRequest) prospects per request"),
            ("Skipped", HTMLText.count(plan.skipped.count), "novelty below \(HTMLText.fixed(report.settings.salienceThreshold, 2))"),
            ("Warm", HTMLText.count(warm.reduce(0) { $0 + $1.members.count }),
             "in \(HTMLText.count(warm.count)) recall regions of \(HTMLText.count(report.committed.count)) committed items"),
            ("Greedy clusters", HTMLText.count(similarity.count),
             "of \(HTMLText.count(plan.coldOrder.count)) cold prospects at \(HTMLText.fixed(threshold, 2))"),
            ("Singletons", HTMLText.count(singletons), "greedy clusters of one prospect"),
            ("Largest group", HTMLText.count(largest), "cut into requests of at most \(report.settings.maxClusterSize)"),
        ]
        if !sessions.isEmpty {
            items.append(("Session groups", HTMLText.count(sessions.count), "cold prospects without embeddings"))
        }
        let cells = items.map { label, value, detail in
            #"<div class="card"><div class="label">\#(HTMLText.escape(label))</div><div class="value">\#(value)</div><div class="detail">\#(HTMLText.escape(detail))</div></div>"#
        }
        return #"<section class="cards">"# + cells.joined() + "</section>"
    }

    private func sweepSection() -> String {
        var html = "<section><h2>Threshold sweep</h2>"
        let sweep = report.sweep
        guard !sweep.isEmpty else {
            return html + "<p>No cold prospect has an embedding, so the clustering threshold does not change this plan.</p></section>"
        }
        let here = sweep.first { $0.threshold == threshold }
        html += "<p>Greedy first-match clustering of the same \(HTMLText.count(report.plan.coldOrder.count)) cold prospects at "
            + "\(sweep.count) thresholds from \(HTMLText.fixed(sweep.first!.threshold, 2)) to \(HTMLText.fixed(sweep.last!.threshold, 2)), "
            + "computed exactly in one pass in \(HTMLText.seconds(report.timings.sweep)). Requests count the whole plan "
            + "(recall regions and session groups included) at a maximum of \(report.settings.maxClusterSize) prospects per request."
        if let here {
            html += " At the configured \(HTMLText.fixed(threshold, 2)): \(HTMLText.count(here.clusters)) clusters, "
                + "\(HTMLText.count(here.requests)) requests, the largest of \(HTMLText.count(here.largest))."
        }
        html += "</p>"
        let xs = sweep.map(\.threshold)
        let hovers = sweep.map {
            "\(HTMLText.fixed($0.threshold, 2)): \(HTMLText.count($0.clusters)) clusters, \(HTMLText.count($0.requests)) requests, largest \(HTMLText.count($0.largest))"
        }
        let marker = (value: threshold, label: "cluster_similarity \(HTMLText.fixed(threshold, 2))")
        html += ReportCharts.lines([
            .init(name: "curator requests", values: sweep.map { Double($0.requests) }, style: "s0"),
            .init(name: "greedy clusters", values: sweep.map { Double($0.clusters) }, style: "s1"),
            .init(name: "singletons", values: sweep.map { Double($0.singletons) }, style: "s2"),
        ], x: xs, hovers: hovers, marker: marker, xLabel: "threshold", yLabel: "count")
        html += ReportCharts.lines([.init(name: "largest cluster", values: sweep.map { Double($0.largest) }, style: "s3")],
                                   x: xs, hovers: hovers, marker: marker, xLabel: "threshold", yLabel: "prospects")
        let rows = sweep.map { point in
            let mark = point.threshold == threshold ? #" class="current""# : ""
            return "<tr\(mark)><td>\(HTMLText.fixed(point.threshold, 2))</td><td>\(HTMLText.count(point.clusters))</td>"
                + "<td>\(HTMLText.count(point.singletons))</td><td>\(HTMLText.count(point.largest))</td><td>\(HTMLText.count(point.requests))</td></tr>"
        }
        html += "<details><summary>The sweep as a table</summary><table class=\"num\"><thead><tr><th>threshold</th><th>clusters</th>"
            + "<th>singletons</th><th>largest</th><th>requests</th></tr></thead><tbody>" + rows.joined() + "</tbody></table></details>"
        return html + "</section>"
    }

    private func nearestSection() -> String {
        var html = "<section><h2>Best similarity to another prospect</h2>"
        let values = report.nearest.compactMap { $0 }
        guard let lowest = values.min() else {
            return html + "<p>Fewer than two prospects have embeddings.</p></section>"
        }
        let close = values.filter { $0 >= threshold }.count
        html += "<p>For each of the \(HTMLText.count(values.count)) prospects with an embedding, the highest cosine similarity "
            + "to another pending prospect in scope (exact, in \(HTMLText.seconds(report.timings.nearest))). "
            + "\(HTMLText.count(close)) (\(HTMLText.percent(close, of: values.count))) have one at ≥ \(HTMLText.fixed(threshold, 2)); "
            + "the other \(HTMLText.count(values.count - close)) can only be clusters of their own (or join a recall region).</p>"
        let start = max(-1, (lowest * 20).rounded(.down) / 20)
        let binCount = max(1, Int(((1 - start) * 100).rounded()))
        var counts = [Int](repeating: 0, count: binCount)
        for value in values { counts[min(binCount - 1, max(0, Int(((value - start) * 100).rounded(.down))))] += 1 }
        let bars = counts.enumerated().map { i, count in
            let lower = start + Double(i) / 100, upper = lower + 0.01
            return ReportCharts.Bar(label: "", lower: lower, upper: upper, value: count, style: lower >= threshold - 1e-9 ? "bar accent" : "bar",
                                    hover: "\(HTMLText.count(count)) prospects with best similarity in [\(HTMLText.fixed(lower, 2)), \(HTMLText.fixed(upper, 2)))")
        }
        let ticks = stride(from: (start * 10).rounded(.up) / 10, through: 1.0 + 1e-9, by: 0.1).map { $0 }
        html += ReportCharts.histogram(bars, xRange: start...1, xTicks: ticks,
                                       marker: (threshold, "cluster_similarity \(HTMLText.fixed(threshold, 2))"),
                                       xLabel: "best cosine similarity to another prospect", yLabel: "prospects")
        return html + "</section>"
    }

    private func sizesSection() -> String {
        var html = "<section><h2>Cluster sizes</h2>"
        let sizes = report.groups.map(\.members.count)
        guard let largest = sizes.max() else { return html + "<p>Nothing is planned.</p></section>" }
        var edges = [1, 2, 3, 4]
        var next = 8
        while edges.last! < largest {
            edges.append(next)
            next *= 2
        }
        let limit = report.settings.maxClusterSize
        let bars = edges.enumerated().compactMap { i, upper -> ReportCharts.Bar? in
            let lower = i == 0 ? 1 : edges[i - 1] + 1
            guard lower <= upper else { return nil }
            let inBin = sizes.filter { (lower...upper).contains($0) }
            let label = lower == upper ? "\(lower)" : "\(lower)–\(upper)"
            let prospects = inBin.reduce(0, +)
            return ReportCharts.Bar(label: label, value: inBin.count, style: lower > limit ? "bar accent" : "bar",
                                    hover: "\(HTMLText.count(inBin.count)) groups of \(label) prospects (\(HTMLText.count(prospects)) prospects)")
        }
        let cut = report.groups.filter { $0.requests > 1 }
        html += "<p>Every group of the plan (recall regions, greedy clusters and session groups) by its number of prospects. "
            + "\(HTMLText.count(cut.count)) groups have more than \(limit) prospects and are cut into "
            + "\(HTMLText.count(cut.reduce(0) { $0 + $1.requests })) requests (highlighted bars).</p>"
        html += ReportCharts.categoryBars(bars, xLabel: "prospects in the group", yLabel: "groups")
        return html + "</section>"
    }

    private func mapSection() -> String {
        var html = "<section><h2>Map of the pool</h2>"
        guard let map = report.map else {
            return html + "<p>\(HTMLText.escape(report.mapUnavailable ?? "no map"))</p></section>"
        }
        let groupOf = report.groupOfProspect
        var rank = [Int: Int]()
        for (r, g) in report.highlighted.enumerated() { rank[g] = r }
        func style(_ index: Int) -> (order: Int, style: String, what: String) {
            guard let g = groupOf[index] else { return (0, "pt skipped", "skipped") }
            let group = report.groups[g]
            if let r = rank[g] { return (2 + report.highlighted.count - r, "pt c\(r)", "cluster #\(r + 1), \(group.members.count) prospects") }
            return group.members.count == 1 ? (0, "pt lone", "alone") : (1, "pt other", "a group of \(group.members.count)")
        }
        let points = map.points.map { point -> (Int, ReportCharts.Point) in
            let prospect = pool.prospects[point.poolIndex], look = style(point.poolIndex)
            let hover = "\(displayName(point.poolIndex)) — \(HTMLText.truncated(prospect.summary, to: 120)) (\(look.what))"
            return (look.order, ReportCharts.Point(x: point.x, y: point.y, style: look.style, hover: hover))
        }.sorted { $0.0 < $1.0 }.map(\.1)
        let variance = map.explainedVariance.map { HTMLText.fixed(100 * $0, 1) }
        html += "<p>Every prospect with an embedding projected on the two leading principal components of the pool's "
            + "normalised embeddings (LAPACKE <code>dsyevr</code> on their covariance, \(HTMLText.seconds(report.timings.map))). "
            + "Hover a point for its label and summary. "
        if map.isDownsampled {
            html += "<strong>Downsampled:</strong> \(HTMLText.count(map.points.count)) of \(HTMLText.count(map.embedded)) prospects are drawn "
                + "(every member of the coloured clusters that fits in half of the points, the rest chosen by a hash of prospect_id); "
                + "the components, and every other figure on this page, use all \(HTMLText.count(map.embedded))."
        } else {
            html += "All \(HTMLText.count(map.embedded)) prospects are drawn."
        }
        html += "</p>"
        html += ReportCharts.scatter(points, xLabel: "PC1 (\(variance[0]) % of the variance)", yLabel: "PC2 (\(variance[1]) % of the variance)")
        var legend = report.highlighted.enumerated().map { r, g in
            "<li><span class=\"sw c\(r)\"></span>#\(r + 1) \(HTMLText.escape(groupTitle(g))) (\(HTMLText.count(report.groups[g].members.count)))</li>"
        }
        legend += ["<li><span class=\"sw other\"></span>other groups</li>", "<li><span class=\"sw lone\"></span>alone</li>"]
        if !report.plan.skipped.isEmpty { legend.append("<li><span class=\"sw skipped\"></span>skipped</li>") }
        return html + "<ul class=\"legend\">" + legend.joined() + "</ul></section>"
    }

    private func groupsSection() -> String {
        let order = report.groupsBySize.prefix(listedGroups).filter { report.groups[$0].members.count > 1 }
        var html = "<section><h2>Largest clusters</h2>"
        guard !order.isEmpty else { return html + "<p>Every group holds a single prospect.</p></section>" }
        html += "<p>The \(order.count) largest groups of the plan with their members, in the order the curator sees them.</p>"
        for (position, g) in order.enumerated() {
            let group = report.groups[g]
            let shown = group.members.prefix(listedMembers)
            let rows = shown.map { index in
                let prospect = pool.prospects[index]
                let nearest = report.nearest[index].map { HTMLText.fixed($0, 3) } ?? "—"
                return "<tr><td><code>\(HTMLText.escape(prospect.prospectID))</code></td><td>\(HTMLText.escape(prospect.label))</td>"
                    + "<td>\(HTMLText.escape(prospect.summary))</td><td>\(HTMLText.escape(prospect.anchorKey))</td><td class=\"n\">\(nearest)</td></tr>"
            }
            var more = ""
            if group.members.count > shown.count {
                more = "<p class=\"more\">… and \(HTMLText.count(group.members.count - shown.count)) more.</p>"
            }
            html += "<details\(position < 3 ? " open" : "")><summary>#\(position + 1) · \(HTMLText.escape(groupTitle(g))) · "
                + "\(HTMLText.count(group.members.count)) prospects · \(group.requests) request\(group.requests == 1 ? "" : "s")</summary>"
                + "<table class=\"members\"><thead><tr><th>prospect_id</th><th>label</th><th>summary</th><th>session</th>"
                + "<th>best sim.</th></tr></thead><tbody>" + rows.joined() + "</tbody></table>\(more)</details>"
        }
        return html + "</section>"
    }

    private func settingsSection() -> String {
        let s = report.settings, t = report.timings
        let settings: [(String, String)] = [
            ("cluster_similarity", HTMLText.fixed(s.clusterSimilarity, 3)), ("recall_top_k", "\(s.recallTopK)"),
            ("recall_cluster_floor", HTMLText.fixed(s.recallClusterFloor, 3)), ("max_cluster_size", "\(s.maxClusterSize)"),
            ("salience_threshold", HTMLText.fixed(s.salienceThreshold, 3)),
        ]
        let core = report.backend == .blas ? BLASLibrary.coreName : "—"
        let environment: [(String, String)] = [
            ("backend", report.backend.rawValue), ("ISA", ComputeEnvironment.isa), ("BLAS core", core),
            ("LAPACKE", LAPACKLibrary.isAvailable ? LAPACKLibrary.libraryPath : "not loaded"),
            ("engine threads", "\(ComputeThreads.count)"),
        ]
        let timings: [(String, String)] = [
            ("load", HTMLText.seconds(t.load)), ("recall", HTMLText.seconds(t.plan.recall)),
            ("clustering", HTMLText.seconds(t.plan.cluster)), ("salience and chunking", HTMLText.seconds(t.plan.plan)),
            ("best similarity", HTMLText.seconds(t.nearest)), ("threshold sweep", HTMLText.seconds(t.sweep)),
            ("map", HTMLText.seconds(t.map)),
        ]
        func table(_ title: String, _ rows: [(String, String)]) -> String {
            "<div><h3>\(title)</h3><table>" + rows.map { "<tr><th>\(HTMLText.escape($0.0))</th><td>\(HTMLText.escape($0.1))</td></tr>" }.joined()
                + "</table></div>"
        }
        return "<section><h2>Settings, environment and timings</h2><div class=\"columns\">"
            + table("Planner", settings) + table("Engine", environment) + table("Seconds", timings) + "</div></section>"
    }

    // MARK: Names

    private func displayName(_ index: Int) -> String {
        let prospect = pool.prospects[index]
        return prospect.label.isEmpty ? prospect.prospectID : prospect.label
    }

    private func groupTitle(_ g: Int) -> String {
        let group = report.groups[g]
        switch group.origin {
        case .similarity: return "cluster seeded by " + displayName(group.members[0])
        case let .recallRegion(committedIndex):
            let item = report.committed.items[committedIndex]
            return "recall region of " + (item.label.isEmpty ? item.itemID : item.label)
        case let .session(key): return "session " + key + " (no embeddings)"
        }
    }

    // MARK: Style

    private static let css = """
        :root{--ink:#1d2330;--muted:#5b6474;--line:#d9dde5;--bg:#f6f7f9;--accent:#d1495b;--blue:#3b6ea5}
        *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
        main{max-width:1040px;margin:0 auto;padding:24px 20px 60px}h1{margin:0 0 4px;font-size:26px}h2{margin:0 0 8px;font-size:19px}
        h3{margin:0 0 6px;font-size:14px;color:var(--muted)}.sub{margin:2px 0;color:var(--muted)}code{font-size:12.5px}
        section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:16px 0}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px;background:none;border:0;padding:0}
        .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
        .card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
        .card .value{font-size:26px;font-weight:650}.card .detail{color:var(--muted);font-size:12px}
        svg.chart{display:block;width:100%;height:auto;margin:8px 0}
        .grid{stroke:#eceef2}.axis{stroke:#8a93a3}.tick,.legend,.value{fill:var(--muted);font-size:11px}.axis-label{fill:var(--ink);font-size:12px}
        .marker{stroke:var(--accent);stroke-width:1.5;stroke-dasharray:5 4}.marker-label{fill:var(--accent);font-size:11px}
        .bar{fill:var(--blue)}.bar.accent{fill:var(--accent)}rect.bar:hover,circle.dot:hover{opacity:.7}
        polyline.line{fill:none;stroke-width:2}.dot{stroke:#fff;stroke-width:1}
        .s0{stroke:#d1495b;fill:#d1495b}.s1{stroke:#3b6ea5;fill:#3b6ea5}.s2{stroke:#8a93a3;fill:#8a93a3}.s3{stroke:#2a9d8f;fill:#2a9d8f}
        .pt{stroke:none}.pt:hover{stroke:#000;stroke-width:1.5}.lone{fill:#c9ced8}.skipped{fill:#eed7a8}.other{fill:#8fa3bf}
        .c0{fill:#e6194b}.c1{fill:#3cb44b}.c2{fill:#4363d8}.c3{fill:#f58231}.c4{fill:#911eb4}.c5{fill:#42d4f4}.c6{fill:#f032e6}
        .c7{fill:#9a6324}.c8{fill:#469990}.c9{fill:#808000}
        .sw{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:6px;vertical-align:-1px}
        .sw.c0{background:#e6194b}.sw.c1{background:#3cb44b}.sw.c2{background:#4363d8}.sw.c3{background:#f58231}.sw.c4{background:#911eb4}
        .sw.c5{background:#42d4f4}.sw.c6{background:#f032e6}.sw.c7{background:#9a6324}.sw.c8{background:#469990}.sw.c9{background:#808000}
        .sw.other{background:#8fa3bf}.sw.lone{background:#c9ced8}.sw.skipped{background:#eed7a8}
        .legend{list-style:none;padding:0;margin:6px 0 0;columns:2;font-size:12.5px}
        table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #eceef2;padding:4px 6px;text-align:left;vertical-align:top}
        table.num td,table.num th{text-align:right}tr.current td{background:#fdecee;font-weight:600}td.n{text-align:right;white-space:nowrap}
        details{margin:8px 0;border:1px solid var(--line);border-radius:6px;padding:6px 10px}summary{cursor:pointer;font-weight:600}
        .more{color:var(--muted);margin:4px 0}.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px}
        """
}
