import ArgumentParser
import Curation
import CurationStore
import Foundation
import Kernels

/// `curate backfill`: plans the pending prospects and runs curator jobs to completion.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Plan the pending prospects and curate them, one job per window, to completion.",
        discussion: """
            The pending pool is every prospect without a resolution, optionally windowed by its \
            session's latest activity: --since DAY keeps sessions active at or after that UTC \
            midnight, --until DAY those active before that UTC midnight (exclusive). A session's \
            latest activity is the newest timestamp of its source rows (curate import sources); \
            a session without source rows is outside every window. In a store without any \
            source row it is the newest created_at of its prospects, and the window is \
            approximate (a note says so). The pool is \
            planned (recall against the committed items, salience skips, recall regions, greedy \
            clusters, chunks of --max-cluster-size), one curator request is rendered per cluster, \
            and the job is claimed, submitted, polled and collected: committed rows, resolutions \
            (skip for prospects below the salience threshold) and the cleared job slot are \
            written in one transaction.

            --window 14d walks the scope window by window, oldest first, one job per window. \
            Windows lie on a fixed grid (anchored at --since, else at 1970-01-01), so a rerun \
            sees the same windows; windows already processed have nothing pending and are \
            skipped. After a crash, the next backfill resumes its job from the database (the \
            batches are polled and collected, never submitted again), then continues the walk.

            A backfill refuses to run while the job slot holds a daemon job (exit 3).

            --dry-run plans and reports counts and stage timings, and writes nothing; it builds \
            no provider, so it needs no API key; with \
            --plan-out FILE it also writes {"pending": n, "skipped": [ids], "clusters": [[ids]]} \
            in plan order (atomically). A dry run plans every window against the committed \
            items of today; a real windowed run also recalls what earlier windows committed, so \
            it may form fewer clusters.

            Examples:
              curate backfill --db curate.sqlite --dry-run --plan-out plan.json
              curate backfill --db curate.sqlite --since 2026-01-01 --window 14d

            \(ExitStatus.help)
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var period: WindowOptions

    @Option(help: ArgumentHelp("Walk the scope window by window, one job each: <n>d, <n>w or <n>h.", valueName: "length"))
    var window: String?

    @Flag(name: .customLong("dry-run"), help: "Plan and report; write nothing.")
    var dryRun = false

    @Option(name: .customLong("plan-out"),
            help: ArgumentHelp("With --dry-run: write the plan as JSON to this file.", valueName: "file.json"))
    var planOut: String?

    @OptionGroup var curator: CuratorOptions

    @Flag(help: "Print the result as one line of JSON with sorted keys.")
    var json = false

    @OptionGroup var planning: PlannerOptions

    func run() async throws {
        let (sinceDay, untilDay) = try period.days()
        var length: WindowLength? = nil
        if let window {
            do {
                length = try WindowLength(parsing: window)
            } catch {
                throw ExitStatus.badInput("--window: \(error.description)")
            }
        }
        if planOut != nil && !dryRun { throw ExitStatus.badInput("--plan-out needs --dry-run") }
        let config = curator.configured(try store.loadConfig())
        if let planOut { try ProtectedFiles(database: store.db, config: store.config).check(planOut, flag: "--plan-out") }
        let planner = try planning.planner(config)
        let curationStore = try store.openStore()
        let scope = BackfillScope(since: sinceDay, until: untilDay, window: length)
        noteWindowBasis(curationStore, windowed: sinceDay != nil || untilDay != nil || length != nil)
        if dryRun {
            // A dry run submits nothing: it builds no provider and needs no key.
            _ = try curator.providerName(config)
            try runDryRun(curationStore, planner: planner, scope: scope)
        } else {
            let provider = try curator.makeProvider(store: curationStore, config: config)
            try await runJobs(Backfill(store: curationStore, config: config, planner: planner, provider: provider), scope: scope)
        }
    }

    private func runDryRun(_ curationStore: CurationStore, planner: Planner, scope: BackfillScope) throws {
        if let job = try? JobSlot.current(curationStore) {
            standardError("note: the job slot holds a job (\(job.identification)); its \(job.plan.pending) prospects "
                          + "still count as pending until it is collected")
        }
        let report: BackfillDryRun
        do {
            report = try Backfill.dryRun(scope, store: curationStore, planner: planner)
        } catch {
            throw ExitStatus.of(error)
        }
        if let planOut {
            try OutputFile.writeOutput(Array((try JSONValue(encoding: report.summary).serialized() + "\n").utf8), to: planOut,
                                       flag: "--plan-out", protecting: ProtectedFiles(database: store.db, config: store.config))
        }
        if json {
            return OutputFile.writeJSON(DryRunContext(db: store.db, backend: planner.backend.resolved.rawValue, planOut: planOut),
                                        report)
        }
        let t = report.timings
        var line = "dry run: \(report.pending) pending"
        if scope.window != nil { line += " in \(report.windows) window\(report.windows == 1 ? "" : "s")" }
        line += ", \(report.clusters) cluster\(report.clusters == 1 ? "" : "s"), \(report.skipped) skipped"
        line += String(format: "; load %.3f s, recall %.3f s, cluster %.3f s, plan %.3f s", t.load, t.recall, t.cluster, t.plan)
        line += " (\(planner.backend.resolved.rawValue))\(report.screens.text); nothing written"
        if let planOut { line += "; plan written to \(planOut)" }
        OutputFile.writeStandardOutput(line + "\n")
    }

    private func runJobs(_ backfill: Backfill, scope: BackfillScope) async throws {
        let progress = ProgressLine()
        let report: BackfillReport
        do {
            report = try await backfill.run(scope) { event in
                switch event {
                case let .resuming(job):
                    progress.finish()
                    standardError("resuming backfill job \(job.nonce) (\(job.plan.clusters.count) clusters, age \(StoredJob.formatAge(job.age())))")
                case let .window(ordinal, window):
                    progress.show("window \(ordinal) \(window.description): planning")
                case let .planned(pending, clusters, skipped):
                    progress.show("planned \(pending) pending: \(clusters) clusters, \(skipped) skipped; submitting")
                case let .submitted(job):
                    progress.show("job \(job.nonce): \(job.batchIDs.compactMap { $0 }.count) batch(es) submitted")
                case let .polling(nonce, ended, total, seconds):
                    progress.show("job \(nonce): \(ended)/\(total) batches ended (\(StoredJob.formatAge(seconds)))")
                case let .collected(nonce, tally):
                    progress.show("job \(nonce): collected \(tally.processed) resolutions")
                }
            }
        } catch {
            progress.finish()
            throw ExitStatus.of(error)
        }
        progress.finish()
        if json {
            return OutputFile.writeJSON(BackfillContext(db: store.db, provider: backfill.provider.name,
                                                        http: backfill.provider.transportStats), report)
        }
        let tally = report.tally
        var text = tally.line(pending: report.pending, clusters: report.clusters) + "\n"
        if tally.leftPending > 0 {
            text += "\(tally.leftPending) prospect\(tally.leftPending == 1 ? "" : "s") left pending (no usable curator answer)\n"
        }
        OutputFile.writeStandardOutput(text)
    }
}
