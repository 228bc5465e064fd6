import CKernels
import Dispatch

/// Measures the BLAS sgemm rate on this machine, the yardstick for the engine's own speed.
public enum SgemmPeak {
    /// GFLOP/s of the best of `reps` square `size`³ products run as the engine runs them: one
    /// single-threaded sgemm per worker, all workers at once. Nil without a BLAS.
    public static func perWorker(size: Int = 2048, reps: Int = 3, workers: Int = ComputeThreads.count) -> Double? {
        guard BLASLibrary.isAvailable else { return nil }
        let buffers = (0..<workers).map { _ in SquareProblem(size: size) }
        defer { buffers.forEach { $0.free() } }
        var best = Double.infinity
        for _ in 0...reps {  // the first round warms up
            let start = DispatchTime.now().uptimeNanoseconds
            ComputeThreads.forEach(parts: workers) { buffers[$0].multiply() }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(size * size * size) * Double(workers) / best / 1e9
    }

    /// GFLOP/s of the best of `reps` square products with the library's own threading over
    /// `threads` threads. Nil without a BLAS.
    public static func libraryThreaded(size: Int = 4096, reps: Int = 3, threads: Int = ComputeThreads.count) -> Double? {
        guard BLASLibrary.isAvailable else { return nil }
        let problem = SquareProblem(size: size)
        defer { problem.free() }
        let before = BLASLibrary.threads
        BLASLibrary.setThreads(threads)
        defer { BLASLibrary.setThreads(before) }
        var best = Double.infinity
        for _ in 0...reps {
            let start = DispatchTime.now().uptimeNanoseconds
            problem.multiply()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(size * size * size) / best / 1e9
    }

    private struct SquareProblem: @unchecked Sendable {
        let size: Int
        let a, b, c: UnsafeMutablePointer<Float>

        init(size: Int) {
            self.size = size
            a = .allocate(capacity: size * size)
            b = .allocate(capacity: size * size)
            c = .allocate(capacity: size * size)
            for i in 0..<size * size {
                a[i] = Float(i % 7) * 0.1
                b[i] = Float(i % 5) * 0.2
            }
        }

        func multiply() {
            let n = Int32(size)
            ck_sgemm_nn(n, n, n, 1, a, n, b, n, 0, c, n)
        }

        func free() {
            a.deallocate()
            b.deallocate()
            c.deallocate()
        }
    }
}
