import Foundation
import Synchronization

/// A fact about this process's compute environment that changes what runs: a BLAS that is
/// missing or failed its self-check, a serial twin on a CPU without AVX2, int8 screening
/// replaced by bf16. Kernels never writes to the terminal: each warning is reported once per
/// process, when it first matters, to the handler installed with `setHandler(_:)` (none by
/// default: it is dropped). The `curate` command prints each as a `warning: …` line.
///
/// ```swift
/// KernelsWarning.setHandler { warning in log("warning: \(warning)") }
/// ```
public enum KernelsWarning: Equatable, Sendable, CustomStringConvertible {
    /// No usable BLAS (`reason` says why): the engine's own SIMD kernels run instead.
    case blasUnavailable(reason: String)
    /// The engine's sgemm core failed the BLAS self-check and the library's own core choice
    /// runs; `message` says which core failed and which runs.
    case blasLibraryCore(message: String)
    /// A CPU without AVX2 (or with it turned off): `backend` (bf16 or int8) runs its portable
    /// serial twin, exact but about `slowdown` times slower than `auto`, which resolves to `auto`.
    case serialTwin(backend: Backend, slowdown: Double, auto: Backend)
    /// int8 was asked for at a dimension where its sums would overflow: bf16 screens instead.
    case int8Overflow

    /// The warning in one line, without a `warning: ` prefix.
    public var description: String {
        switch self {
        case let .blasUnavailable(reason):
            "\(reason); using the engine's own SIMD kernels"
        case let .blasLibraryCore(message):
            message
        case let .serialTwin(backend, slowdown, auto):
            "this CPU has no AVX2 (or it is turned off): \(backend) runs its portable serial twin, exact but about "
                + "\(slowdown >= 10 ? String(Int(slowdown.rounded())) : String(format: "%.1f", slowdown))× slower than auto (\(auto)) here"
        case .int8Overflow:
            "int8 sums would overflow at this dimension: screening in bf16 instead"
        }
    }

    /// The process-wide handler (nil: warnings are dropped).
    private static let handler = Mutex<(@Sendable (KernelsWarning) -> Void)?>(nil)

    /// Sends the warnings reported from now on to `handler` (nil: drops them). Install it before
    /// the first backend resolves: a warning reported while no handler is installed is lost.
    public static func setHandler(_ handler: (@Sendable (KernelsWarning) -> Void)?) {
        self.handler.withLock { $0 = handler }
    }

    /// Hands `warning` to the handler, if one is installed (called outside the lock).
    static func report(_ warning: KernelsWarning) {
        handler.withLock { $0 }?(warning)
    }
}
