import Dispatch
import Foundation

/// The clock, and the process facts timings are read against (repetitions: `QuietGuard`).
enum Timing {
    /// Seconds since an arbitrary monotonic origin.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The median of `values` (the mean of the two middle ones for an even count).
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Peak resident set size of this process so far, in MiB: `VmHWM` of `/proc/self/status`
    /// where it exists, else `getrusage` `ru_maxrss`.
    ///
    /// On Linux `ru_maxrss` is not enough for a child started by `Process`: it is spawned with a
    /// `vfork`-style clone, and the exec folds the parent's high-water mark into the child's
    /// `ru_maxrss`, so every child would report at least the parent's peak. `VmHWM` belongs to
    /// the child's own address space.
    static func peakRssMebibytes() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) {
            return kib / 1024
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// The 1, 5 and 15 minute load averages from `/proc/loadavg` (empty where it does not exist).
    static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}
