import ArgumentParser
import Curation
import CurationReport
import CurationStore
import Foundation
import Kernels

/// `curate report`: one self-contained HTML page about the plan of the scoped pool.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report of the plan a backfill would submit, before paying for it.",
        discussion: """
            Plans the pending prospects of the scope as a dry run (nothing is written to the store, \
            no curator is called) and writes one HTML file with inline SVG and CSS (no script, no \
            network): the plan's headline numbers; a threshold sweep (greedy clusters, singletons, \
            largest cluster and curator requests at thresholds 0.70 to 0.95, computed exactly in one \
            pass); each prospect's best cosine similarity to another prospect, with the threshold \
            marked; the sizes of the plan's groups; a 2-D map of the pool on its two leading principal \
            components (LAPACKE), coloured by cluster, labels on hover; and the largest clusters with \
            their members' labels and summaries.

            Statistics always use every prospect in scope; only the map is downsampled, to at most \
            --map-points points, and the page says so.

            Examples:
              curate report --db curate.sqlite --out report.html
              curate report --db curate.sqlite --since 2026-01-01 --cluster-similarity 0.85 --out r.html

            \(ExitStatus.help)
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var period: WindowOptions

    @Option(help: ArgumentHelp("""
        The HTML file to write (atomically: a temporary file, then a rename), readable by its owner only \
        (0600) unless it replaces a file, whose mode it keeps.
        """, valueName: "file.html"))
    var out: String

    @Option(name: .customLong("map-points"), parsing: .unconditional,
            help: ArgumentHelp("Most prospects drawn on the map; 0 leaves the map out.", valueName: "n"))
    var mapPoints = PlanReport.Options().mapPoints

    @Flag(help: "Print a summary as one line of JSON with sorted keys.")
    var json = false

    @OptionGroup var planning: PlannerOptions

    func run() throws {
        let (since, until) = try period.days()
        guard mapPoints >= 0 else { throw ExitStatus.badInput("--map-points must not be negative (got \(mapPoints))") }
        let config = try store.loadConfig()
        let protected = ProtectedFiles(database: store.db, config: store.config)
        try protected.check(out, flag: "--out")
        let planner = try planning.planner(config)
        let curationStore = try store.openStore()
        let total = Stopwatch()
        let progress = ProgressLine()
        let window = since == nil && until == nil ? nil : JobWindow(since: since, until: until)
        noteWindowBasis(curationStore, windowed: window != nil)
        progress.show("loading the pending pool")
        var options = PlanReport.Options()
        options.mapPoints = mapPoints
        let report: PlanReport
        do {
            report = try PlanReport.load(store: curationStore, window: window, planner: planner,
                                           options: options) { stage, prospects in
                progress.show("\(stage.rawValue) (\(prospects) prospects)")
            }
        } catch {
            progress.finish()
            throw ExitStatus.of(error)
        }
        progress.show("rendering")
        let held = (try? JobSlot.current(curationStore))?.plan.pending
        let context = ReportPage.Context(database: store.db, window: window, generatedAt: UTCTimestamp(Date()),
                                         version: Curate.version, prospectsInJob: held)
        let html = Array(ReportPage(report: report, context: context).html().utf8)
        progress.finish()
        try OutputFile.writeOutput(html, to: out, flag: "--out", protecting: protected)
        if let note = report.mapUnavailable, mapPoints > 0 { standardError("warning: \(note)") }
        let seconds = total.seconds
        if json {
            OutputFile.writeJSON(ReportContext(out: out, bytes: html.count, seconds: seconds, db: store.db), report)
        } else {
            OutputFile.writeStandardOutput(line(report, bytes: html.count, seconds: seconds) + "\n")
        }
    }

    /// `report: N pending, R requests; map …; FILE written (K KiB) in S s`.
    private func line(_ report: PlanReport, bytes: Int, seconds: Double) -> String {
        var line = "report: \(report.plan.pending) pending, \(report.plan.clusters.count) requests"
        if let map = report.map {
            line += map.isDownsampled ? "; map downsampled to \(map.points.count) of \(map.embedded) prospects" : "; map of \(map.points.count) prospects"
        }
        return line + String(format: "; %@ written (%.0f KiB) in %.2f s", out, Double(bytes) / 1024, seconds)
    }
}

/// What `curate report --json` adds to the report's summary: the page written.
private struct ReportContext: Encodable {
    let out: String
    let bytes: Int
    let seconds: Double
    let db: String
}
