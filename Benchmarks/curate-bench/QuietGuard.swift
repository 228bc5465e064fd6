import Foundation

/// Guards measurements against other processes on the machine (on a shared 2-core box a
/// compile elsewhere halves a timing).
///
/// For each repetition it measures the share of the machine's CPU capacity that other processes
/// (and the hypervisor, as steal time) used while it ran: busy time of all CPUs from
/// `/proc/stat`, less this process's own CPU time (`getrusage`, self and reaped children),
/// over wall time × cores. A repetition of at least `minimumSeconds` during which others took
/// more than `threshold` is thrown away and run again once the machine is quiet, while the
/// run's waiting budget lasts. Every kept repetition carries its share, so tables can say how
/// clean each number is.
final class QuietGuard {
    let threshold: Double
    /// Repetitions shorter than this are not judged (the tick is 10 ms; min over reps covers them).
    let minimumSeconds = 0.2
    private(set) var waitBudget: Double
    private(set) var waited = 0.0
    private(set) var retried = 0
    private let log: (String) -> Void

    init(threshold: Double, waitBudget: Double, log: @escaping (String) -> Void) {
        self.threshold = threshold
        self.waitBudget = waitBudget
        self.log = log
    }

    struct Sample {
        var wall: Double
        /// Seconds of CPU time all CPUs spent busy (user, nice, system, irq, softirq, steal).
        var busy: Double
        /// CPU seconds of this process and its reaped children.
        var own: Double
    }

    static func sample() -> Sample {
        Sample(wall: Timing.now(), busy: machineBusySeconds(), own: ownCPUSeconds())
    }

    /// Share of the machine's capacity others used between two samples (0 when unknown).
    static func othersShare(_ a: Sample, _ b: Sample) -> Double {
        let wall = b.wall - a.wall
        guard wall > 0, a.busy >= 0, b.busy >= 0 else { return 0 }
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        return min(1, max(0, (b.busy - a.busy) - (b.own - a.own)) / (wall * cores))
    }

    /// Runs `body` at least once and at most `reps` times (another repetition only while the
    /// kept ones took less than `budget` seconds), re-running contended repetitions as described
    /// above. Returns the kept repetitions' seconds and others' shares, and the last result.
    func repeated<T>(reps: Int, budget: Double, _ body: () throws -> T) rethrows -> (seconds: [Double], others: [Double], result: T) {
        var seconds: [Double] = [], others: [Double] = []
        var result: T
        var retries = 0
        repeat {
            let before = Self.sample()
            result = try body()
            let after = Self.sample()
            let elapsed = after.wall - before.wall
            let share = Self.othersShare(before, after)
            if elapsed >= minimumSeconds, share > threshold, retries < 2, waitBudget > 0 {
                retries += 1
                retried += 1
                log(String(format: "  (others took %.0f %% of the CPUs during that %.2f s: waiting for a quiet machine, then again)",
                           100 * share, elapsed))
                waitForQuiet(maximum: min(30, waitBudget))
                continue
            }
            seconds.append(elapsed)
            others.append(share)
        } while seconds.count < reps && seconds.reduce(0, +) < budget
        return (seconds, others, result)
    }

    /// Counts a measurement (outside `repeated`) thrown away for contention.
    func countRetry() { retried += 1 }

    /// Counts the waiting and re-runs of another process (a peer).
    func charge(waited seconds: Double, retried count: Int) {
        waited += seconds
        waitBudget -= seconds
        retried += count
    }

    /// Waits (one-second samples) until others use less than half the threshold, or `maximum`
    /// seconds have passed; charges the wait to the budget.
    func waitForQuiet(maximum: Double) {
        let start = Timing.now()
        while Timing.now() - start < maximum {
            let a = Self.sample()
            Thread.sleep(forTimeInterval: 1)
            if Self.othersShare(a, Self.sample()) < threshold / 2 { break }
        }
        let spent = Timing.now() - start
        waited += spent
        waitBudget -= spent
    }

    private static func machineBusySeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return -1 }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return -1 }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func ownCPUSeconds() -> Double {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(who), &usage)
            return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        }
        return seconds(RUSAGE_SELF.rawValue) + seconds(RUSAGE_CHILDREN.rawValue)
    }
}
