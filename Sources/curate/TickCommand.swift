import ArgumentParser
import Curation
import CurationStore
import Foundation
import Kernels

/// `curate tick`: one step of the daemon regime.
struct TickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick",
        abstract: "Run one daemon step: collect the daemon's ended job, or submit a new one.",
        discussion: """
            When the job slot holds a daemon job (or a job stored without owner, which reads as \
            a daemon's), it is polled once and collected if every batch has ended. When the slot \
            is empty, the whole pending pool is planned and submitted as a new daemon job, which \
            a later tick collects; with a provider without batches (openai-compatible) only the \
            max_prospects_per_tick most novel prospects (config, default 20). The prospects below \
            the salience threshold get their skip resolutions when the job is submitted; a pool \
            with nothing but skips submits nothing and reports idle. A backfill job in the slot \
            is left alone (exit 0).

            \(ExitStatus.help)
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var curator: CuratorOptions

    @Option(name: .customLong("screen-rank"), help: ScreenRank.help)
    var screenRank: ScreenRank = .auto

    @Flag(help: "Print the outcome as one line of JSON with sorted keys.")
    var json = false

    func run() async throws {
        let config = curator.configured(try store.loadConfig())
        let curationStore = try store.openStore()
        let tick = DaemonTick(store: curationStore, config: config,
                              planner: Planner(settings: Planner.Settings(config), screenRank: screenRank),
                              provider: try curator.makeProvider(store: curationStore, config: config))
        let outcome: TickOutcome
        do {
            outcome = try await tick.step()
        } catch {
            throw ExitStatus.of(error)
        }
        Self.print(outcome, json: json)
    }

    /// Prints `outcome` as one line of JSON, or of text (`describe`).
    static func print(_ outcome: TickOutcome, json: Bool) {
        if json { OutputFile.writeJSON(outcome) } else { OutputFile.writeStandardOutput(describe(outcome) + "\n") }
    }

    /// One line describing `outcome`.
    static func describe(_ outcome: TickOutcome) -> String {
        switch outcome {
        case let .idle(skipped):
            return skipped == 0 ? "tick: nothing to submit"
                : "tick: nothing to submit; \(skipped) prospect\(skipped == 1 ? "" : "s") skipped below the salience threshold"
        case let .submitted(job):
            let batches = job.batchIDs.compactMap { $0 }.count
            return "tick: submitted daemon job \(job.nonce): \(job.plan.pending) prospect(s) in \(job.plan.clusters.count) "
                + "cluster(s), \(job.plan.skipped.count) skipped, \(batches) batch(es)"
        case let .waiting(job, ended, total):
            return "tick: daemon job \(job.nonce) in progress (\(ended)/\(total) batches ended, age \(StoredJob.formatAge(job.age())))"
        case let .collected(job, tally):
            return "tick: collected daemon job \(job.nonce): " + tally.line(pending: job.plan.pending, clusters: job.plan.clusters.count)
        case let .foreign(job):
            return "tick: the slot holds a backfill job (\(job.identification)); left alone"
        }
    }
}
