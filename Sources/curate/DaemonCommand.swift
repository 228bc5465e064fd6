import ArgumentParser
import Curation
import CurationStore
import Dispatch
import Foundation
import Kernels

/// `curate daemon`: ticks until SIGINT or SIGTERM.
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run daemon ticks every --interval until SIGINT or SIGTERM.",
        discussion: """
            Each tick is one `curate tick` step; its outcome is printed as one line. After a tick \
            that collected a job, the next tick runs at once (to submit the next job); otherwise \
            the daemon sleeps --interval. A tick failing for a passing reason (busy database, \
            provider error) is reported on standard error and retried at the next tick; a bad \
            configuration or job row stops the daemon. On SIGINT or SIGTERM the step in flight finishes, then \
            the daemon exits 0; a job it submitted stays in the slot for the next tick.

            Example:
              curate daemon --db curate.sqlite --interval 60m

            \(ExitStatus.help)
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var curator: CuratorOptions

    @Option(help: ArgumentHelp("Time between ticks: <n>s, <n>m or <n>h.", valueName: "duration"))
    var interval = "60m"

    @Option(name: .customLong("screen-rank"), help: ScreenRank.help)
    var screenRank: ScreenRank = .auto

    @Flag(help: "Print each tick's outcome as one line of JSON with sorted keys.")
    var json = false

    func run() async throws {
        guard let milliseconds = DurationText.milliseconds(interval, units: [.second, .minute, .hour]) else {
            throw ExitStatus.badInput("invalid --interval \(interval.debugDescription): expected a positive count and a unit, such as 30s, 60m or 1h")
        }
        let config = curator.configured(try store.loadConfig())
        let curationStore = try store.openStore()
        let daemon = Daemon(tick: DaemonTick(store: curationStore, config: config,
                                             planner: Planner(settings: Planner.Settings(config), screenRank: screenRank),
                                             provider: try curator.makeProvider(store: curationStore, config: config)))
        let json = json
        let run = Task { () async -> JobError? in
            do throws(JobError) {
                try await daemon.run(interval: .milliseconds(milliseconds)) { event in
                    switch event {
                    case let .ticked(outcome):
                        TickCommand.print(outcome, json: json)
                    case let .failed(error):
                        standardError("daemon: tick failed: \(error.description)")
                    }
                }
            } catch {
                return error
            }
            return nil
        }
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { run.cancel() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        if let error = await run.value { throw ExitStatus.of(error) }
        standardError("daemon: stopped by signal")
    }
}
