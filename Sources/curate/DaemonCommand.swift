import ArgumentParser
import Curation
import CurationStore
import Dispatch
import Foundation
import Kernels

/// `curate daemon`: ticks until SIGINT or SIGTERM.
struct DaemonCommand: ParsableCommand {
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

            \(JobExit.exitStatusHelp)
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

    func run() throws {
        guard let seconds = Self.parseInterval(interval) else {
            throw JobExit.badInput("invalid --interval \(interval.debugDescription): expected a positive count and a unit, such as 30s, 60m or 1h")
        }
        let config = curator.configured(try store.loadConfig())
        let curationStore = try store.openStore()
        let tick = DaemonTick(store: curationStore, config: config,
                              planner: Planner(settings: Planner.Settings(config), screenRank: screenRank),
                              provider: try curator.makeProvider(store: curationStore, config: config))

        let stop = StopFlag()
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.set() }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }

        while !stop.isSet {
            do {
                let outcome = try runBlocking { () async throws(JobError) in try await tick.step() }
                OutputFile.writeStandardOutput((json ? TickCommand.json(outcome).serialized() : TickCommand.describe(outcome)) + "\n")
                if case .collected = outcome { continue }
            } catch {
                switch error {
                case .provider, .store, .jobVanished, .slotTaken, .interrupted:
                    // Transient: the store was busy, the provider unreachable…; the next tick retries.
                    standardError("daemon: tick failed: \(error.description)")
                default:
                    throw JobExit.failure(error)
                }
            }
            // Sleep in small slices so a signal is noticed promptly.
            let deadline = Date().addingTimeInterval(seconds)
            while !stop.isSet && Date() < deadline {
                usleep(useconds_t(min(0.1, max(0.001, deadline.timeIntervalSinceNow)) * 1_000_000))
            }
        }
        standardError("daemon: stopped by signal")
    }

    /// `<n>s`, `<n>m` or `<n>h` in seconds.
    static func parseInterval(_ text: String) -> Double? {
        guard let unit = text.last, let count = Double(text.dropLast()), count.isFinite, count > 0 else { return nil }
        switch unit {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3600
        default: return nil
        }
    }
}

/// A flag set from a signal handler's queue and read by the loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
