import CKernels
import Foundation

extension BLASLibrary {
    /// The outcome of the sgemm self-check the loader runs on a core it chose (from cpuid or
    /// `CURATE_BLAS_CORE`): one 64 × 48 × 67 product compared with the engine's own kernel, each
    /// element allowed 2·γ_k·Σ|a_i·b_i| (`ck_blas.h`, `blas_check.c`).
    public enum SelfCheck: Sendable, Equatable {
        /// Not run: no BLAS was loaded, or the library chose its own core (`CURATE_BLAS_CORE=library`,
        /// or no core rule for this CPU).
        case notRun
        /// Every element within its bound; `difference` and `bound` are those of the element
        /// closest to its bound.
        case passed(difference: Double, bound: Double)
        /// Core `core` gave an element off by `difference`, beyond its `bound` (infinite when not
        /// finite). The library then runs its own core choice if that passes, else is not used.
        case failed(core: String, difference: Double, bound: Double)

        /// "passed", "failed" or "not_run".
        public var status: String {
            switch self {
            case .notRun: "not_run"
            case .passed: "passed"
            case .failed: "failed"
            }
        }

        /// The core that failed, or nil.
        public var failedCore: String? {
            if case let .failed(core, _, _) = self { return core }
            return nil
        }

        /// The difference and bound of the element closest to (or furthest beyond) its bound.
        public var measured: (difference: Double, bound: Double)? {
            switch self {
            case .notRun: nil
            case let .passed(difference, bound), let .failed(_, difference, bound): (difference, bound)
            }
        }

        /// What failed, for warnings: "the BLAS self-check failed: core … of … computed …".
        var failure: String? {
            guard case let .failed(core, difference, bound) = self else { return nil }
            return "the BLAS self-check failed: core \(core) of \(BLASLibrary.libraryPath) computed an sgemm element "
                + "off by \(Self.format(difference)) where \(Self.format(bound)) is the most rounding allows"
        }

        /// A number for messages: 3 significant digits.
        static func format(_ value: Double) -> String {
            value.isFinite ? String(format: "%.3g", value) : "a non-finite value"
        }
    }

    /// The self-check of the core the loader chose.
    public static var selfCheck: SelfCheck {
        var difference = 0.0, bound = 0.0
        switch ck_blas_self_check(&difference, &bound) {
        case CK_BLAS_CHECK_PASSED: return .passed(difference: difference, bound: bound)
        case CK_BLAS_CHECK_FAILED:
            return .failed(core: String(cString: ck_blas_failed_core()), difference: difference, bound: bound)
        default: return .notRun
        }
    }

    /// The one-line warning of a failed self-check when the library's own core choice runs
    /// instead; nil when the check did not fail or no BLAS is used (`unavailableReason` says why).
    package static var selfCheckWarning: String? {
        guard isAvailable, let failure = selfCheck.failure else { return nil }
        return "\(failure): running the library's own core choice (\(coreName)) instead"
    }
}
