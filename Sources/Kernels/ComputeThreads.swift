import Dispatch
import Foundation

/// The engine's worker threads: one per core unless `CURATE_THREADS` says otherwise. BLAS
/// runs single-threaded inside each worker (see `BLASLibrary`).
public enum ComputeThreads {
    /// Number of workers the engine splits work over.
    public static var count: Int { testingCount ?? configured }

    /// `CURATE_THREADS`, or the cores; read once per process.
    private static let configured: Int = {
        if let text = ProcessInfo.processInfo.environment["CURATE_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The count `withCount` sets while its body runs.
    nonisolated(unsafe) private static var testingCount: Int?

    /// Runs `body` with `count` set to `workers`, so tests can vary what `CURATE_THREADS` sets
    /// once per process. Not thread-safe: no engine work may run meanwhile.
    package static func withCount<T>(_ workers: Int, _ body: () throws -> T) rethrows -> T {
        precondition(workers > 0, "at least one worker")
        let saved = testingCount
        testingCount = workers
        defer { testingCount = saved }
        return try body()
    }

    /// Runs `body(part)` for `part` in `0..<parts`, concurrently when `parts > 1`. The caller
    /// guarantees that parts touch disjoint memory.
    package static func forEach(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: parts) { body($0) }
        }
    }

    /// Splits `0..<total` into at most `workers` contiguous ranges of at least `minimum` items
    /// each (one range when `total < 2 · minimum`). Each range after the first starts on the
    /// multiple of `multiple` nearest its even share where that keeps every range non-empty, so
    /// that a kernel taking rows in groups of `multiple` sees whole groups in all but the last.
    package static func split(_ total: Int, minimum: Int, workers: Int = count, multiple: Int = 1) -> [Range<Int>] {
        let parts = max(1, min(workers, total / max(minimum, 1)))
        var starts = (0..<parts).map { total * $0 / parts }
        for p in starts.indices.dropFirst() {
            let rounded = (starts[p] + multiple / 2) / multiple * multiple
            if rounded > starts[p - 1], rounded < (p + 1 < parts ? starts[p + 1] : total) { starts[p] = rounded }
        }
        return starts.indices.map { p in starts[p]..<(p + 1 < parts ? starts[p + 1] : total) }
    }
}
