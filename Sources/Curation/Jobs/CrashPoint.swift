import CurationStore
import Foundation
import Synchronization

/// Named places along a job's submit and collect where a driver can be stopped as if its
/// process had died, to prove that resuming loses nothing and bills nothing twice.
///
/// Two ways to trigger one (package API: tests, `make chaos`):
/// - in process, `JobRunner.interruption`: the runner throws `JobError.interrupted` there (no
///   cleanup runs after it, and a throw inside the collect transaction rolls it back);
/// - in a real process, the environment variable `CURATE_CRASH_AT=<point>[:<n>]`: the process
///   sends itself `SIGKILL` the n-th time (default the first) it reaches the point.
package enum CrashPoint: String, CaseIterable, Sendable {
    /// The slot is claimed (state `submitting`), nothing submitted yet.
    case slotClaimed = "slot-claimed"
    /// The provider accepted a batch; its id is not stored yet.
    case providerAccepted = "provider-accepted"
    /// A batch id is stored (before the next batch, the poll and the collect).
    case batchRecorded = "batch-recorded"
    /// After a poll round, before the batches have all ended or been collected.
    case midPoll = "mid-poll"
    /// The results are read; nothing is written yet.
    case resultsFetched = "results-fetched"
    /// Inside the collect transaction: decisions written, slot not cleared, not committed.
    case insideCollectTransaction = "inside-collect-transaction"
    /// The collect transaction committed; the driver has not reported it yet.
    case collected

    /// The environment variable naming the point a process kills itself at.
    package static let environmentVariable = "CURATE_CRASH_AT"

    /// The value of `CURATE_CRASH_AT` in this process, when set and not empty.
    private static let setting = ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }

    /// The point and arrival `CURATE_CRASH_AT` arms in this process, if any.
    private static let armed: (point: CrashPoint, arrival: Int)? = setting.flatMap { text in
        let parts = text.split(separator: ":", maxSplits: 1)
        guard let point = parts.first.flatMap({ CrashPoint(rawValue: String($0)) }) else { return nil }
        let arrival = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return (point, max(1, arrival))
    }

    /// `CURATE_CRASH_AT` when it names no crash point, so arms nothing (the `curate` command
    /// says it ignores it).
    package static var unknownSetting: String? { armed == nil ? setting : nil }

    private static let arrivals = Mutex(0)

    /// Kills this process with `SIGKILL` when `CURATE_CRASH_AT` names this point and this is
    /// the arrival it names.
    package func killProcessIfArmed() {
        guard let armed = Self.armed, armed.point == self else { return }
        let count = Self.arrivals.withLock { count in
            count += 1
            return count
        }
        if count == armed.arrival { kill(getpid(), SIGKILL) }
    }
}
