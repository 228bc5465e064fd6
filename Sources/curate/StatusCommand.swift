import ArgumentParser
import Curation
import CurationStore
import Foundation

/// `curate status`: what the store holds and the job in flight.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the store's counts and the job in flight.",
        discussion: """
            Prints prospects, pending prospects (in and out of the --since/--until window when \
            one is given; a session's latest activity is the newest timestamp of its source rows, \
            or, in a store without source rows, of its prospects: the window is then approximate \
            and a note says so), resolutions by decision, committed rows, sessions, and the job in the \
            slot: owner, nonce (its id), provider, age, clusters, batches and state. Nothing is \
            written and no provider is polled.

            \(ExitStatus.help)
            """
    )

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Count pending prospects of sessions active at or after this UTC day.", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(help: ArgumentHelp("… and before this UTC day (exclusive).", valueName: "YYYY-MM-DD"))
    var until: String?

    @Flag(help: "Print the status as one line of JSON with sorted keys.")
    var json = false

    func run() throws {
        let (sinceDay, untilDay) = try parseDays(since: since, until: until)
        let store = try options.openStore()
        let window = sinceDay == nil && untilDay == nil ? nil : JobWindow(since: sinceDay, until: untilDay)
        let status: CurationStatus
        do {
            status = try CurationStatus.read(store, window: window)
        } catch {
            throw ExitStatus.failure("\(error)")
        }
        if json { return OutputFile.writeJSON(status) }
        if window != nil { noteWindowBasis(status.basis, pendingWithoutActivity: status.pendingWithoutActivity) }
        OutputFile.writeStandardOutput(Self.text(status).joined(separator: "\n") + "\n")
    }

    /// The status as lines of text.
    static func text(_ status: CurationStatus) -> [String] {
        let counts = status.store.counts
        var lines = ["store: \(status.database)"]
        lines.append("prospects: \(counts.prospects) (\(counts.distinctProspects) distinct) from \(counts.sessions) session\(counts.sessions == 1 ? "" : "s")")
        var pending = "pending: \(counts.pending)"
        if let window = status.store.window {
            pending += " (\(status.store.pendingInWindow) in \(window.description), \(status.store.pendingOutsideWindow) outside)"
        }
        lines.append(pending)
        let byDecision = ResolutionDecision.allCases.map { "\(counts.resolutions[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        lines.append("resolutions: \(counts.resolved) (\(byDecision))")
        lines.append("committed: \(counts.committed)")
        if let job = status.store.job {
            var text = "job: \(job.owner.rawValue)\(job.ownerRecorded ? "" : " (no owner recorded)") job \(job.nonce), "
                + "provider \(job.provider), age \(StoredJob.formatAge(job.age())), \(job.state.rawValue), "
                + "\(job.plan.pending) prospects in \(job.plan.clusters.count) clusters, "
                + "\(job.batchIDs.compactMap { $0 }.count)/\(job.plan.batchSizes.count) batches submitted"
            if let ended = status.localBatchesEnded { text += ", \(ended) ended" }
            if let window = job.plan.window { text += ", window \(window.description)" }
            lines.append(text)
        } else if let error = status.store.jobError {
            lines.append("job: unreadable (\(error))")
        } else {
            lines.append("job: none")
        }
        return lines
    }
}
