import ArgumentParser
import Curation
import CurationProviders
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
        let db = options.db
        let window = sinceDay == nil && untilDay == nil ? nil : JobWindow(since: sinceDay, until: untilDay)
        let status: StoreStatus
        do {
            status = try StoreStatus.read(store, window: window)
        } catch {
            throw ExitStatus.failure("\(error)")
        }
        let counts = status.counts
        let basis = (try? store.activityBasis()) ?? .prospects
        let withoutActivity = (try? store.pendingWithoutActivity()) ?? 0
        let ended = status.localBatches.filter { $0.state == CuratorBatchStatus.ended.rawValue }.count
        if json {
            let resolutions: [(key: String, value: JSONValue)] = ResolutionDecision.allCases.map { decision in
                (key: decision.rawValue, value: JSONValue.integer(counts.resolutions[decision] ?? 0))
            }
            var job = JSONValue.null
            if let stored = status.job {
                let localEnded = stored.provider == LocalCurator.providerName ? JSONValue.integer(ended) : JSONValue.null
                job = stored.jsonWith([(key: "local_batches_ended", value: localEnded)])
            }
            OutputFile.writeStandardOutput(JSONValue.object(JSONObject([
                ("db", .string(db)), ("prospects", .integer(counts.prospects)),
                ("distinct_prospects", .integer(counts.distinctProspects)), ("pending", .integer(counts.pending)),
                ("pending_in_window", .integer(status.pendingInWindow)),
                ("pending_outside_window", .integer(status.pendingOutsideWindow)),
                ("window", window?.json ?? .null), ("window_basis", .string(basis.rawValue)),
                ("pending_without_activity", .integer(withoutActivity)), ("resolutions", .object(JSONObject(resolutions))), ("resolved", .integer(counts.resolved)),
                ("committed", .integer(counts.committed)), ("sessions", .integer(counts.sessions)), ("job", job),
                ("job_error", status.jobError.map(JSONValue.string) ?? .null),
            ])).serialized() + "\n")
            return
        }
        var lines = ["store: \(db)"]
        lines.append("prospects: \(counts.prospects) (\(counts.distinctProspects) distinct) from \(counts.sessions) session\(counts.sessions == 1 ? "" : "s")")
        var pending = "pending: \(counts.pending)"
        if let window {
            pending += " (\(status.pendingInWindow) in \(window.description), \(status.pendingOutsideWindow) outside)"
        }
        lines.append(pending)
        if window != nil { noteWindowBasis(store, windowed: true) }
        let byDecision = ResolutionDecision.allCases.map { "\(counts.resolutions[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        lines.append("resolutions: \(counts.resolved) (\(byDecision))")
        lines.append("committed: \(counts.committed)")
        if let job = status.job {
            var text = "job: \(job.owner.rawValue)\(job.ownerRecorded ? "" : " (no owner recorded)") job \(job.nonce), "
                + "provider \(job.provider), age \(StoredJob.formatAge(job.age())), \(job.state.rawValue), "
                + "\(job.plan.pending) prospects in \(job.plan.clusters.count) clusters, "
                + "\(job.batchIDs.compactMap { $0 }.count)/\(job.plan.batchSizes.count) batches submitted"
            if job.provider == LocalCurator.providerName { text += ", \(ended) ended" }
            if let window = job.plan.window { text += ", window \(window.description)" }
            lines.append(text)
        } else if let error = status.jobError {
            lines.append("job: unreadable (\(error))")
        } else {
            lines.append("job: none")
        }
        OutputFile.writeStandardOutput(lines.joined(separator: "\n") + "\n")
    }
}
