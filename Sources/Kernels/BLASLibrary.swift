import CKernels

/// The system CBLAS, loaded at run time with the OpenBLAS core chosen from cpuid and checked
/// against the engine's own kernel before it is trusted (see `ck_blas.h` and `selfCheck`). The
/// engine runs its own worker threads, so the library is set to one thread once loaded: the two
/// never oversubscribe the cores.
public enum BLASLibrary {
    /// Whether a CBLAS with `sgemm` could be loaded.
    public static var isAvailable: Bool { loaded }

    /// The core the library runs (`openblas_get_corename`), e.g. "Cooperlake"; "none" when
    /// nothing could be loaded.
    public static var coreName: String { _ = loaded; return String(cString: ck_blas_core_name()) }

    /// The core type the loader requested (from cpuid, or `CURATE_BLAS_CORE`), or nil when it
    /// left the choice to the library (`CURATE_BLAS_CORE=library`, or no rule for this CPU).
    public static var requestedCore: String? {
        _ = loaded
        let core = String(cString: ck_blas_requested_core())
        return core.isEmpty ? nil : core
    }

    /// The `OPENBLAS_CORETYPE` of the environment that `requestedCore` replaced, if any.
    public static var overriddenCore: String? {
        _ = loaded
        let core = String(cString: ck_blas_overridden_core())
        return core.isEmpty ? nil : core
    }

    /// The library file that was opened ("" when none).
    public static var libraryPath: String { _ = loaded; return String(cString: ck_blas_library_path()) }

    /// Threads the library itself uses per call.
    public static var threads: Int { _ = loaded; return Int(ck_blas_threads()) }

    /// Sets the library's own thread count (used to measure its multi-threaded sgemm peak).
    public static func setThreads(_ count: Int) { _ = loaded; ck_blas_set_threads(Int32(count)) }

    /// Why no BLAS is available, or nil when it is.
    public static var unavailableReason: String? {
        guard !loaded else { return nil }
        switch ck_blas_load() {
        case CK_BLAS_NO_SYMBOL: return "a BLAS library was found but it has no cblas_sgemm"
        case CK_BLAS_WRONG_RESULTS:
            return "\(selfCheck.failure ?? "the BLAS failed its self-check"), and so did the library's own core choice (or it could not be reloaded)"
        default: return "no BLAS library found (install libopenblas0, or set CURATE_BLAS_LIBRARY)"
        }
    }

    private static let loaded: Bool = {
        guard ck_blas_load() == CK_BLAS_OK else { return false }
        ck_blas_set_threads(1)
        return true
    }()
}
