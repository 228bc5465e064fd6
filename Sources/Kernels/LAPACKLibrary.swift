import CKernels

/// The system LAPACKE, loaded at run time over the engine's BLAS (see `ck_lapack.h`); it gives the
/// symmetric eigensolver `PrincipalComponents` uses.
public enum LAPACKLibrary {
    /// Whether a LAPACKE with `LAPACKE_dsyevr` could be loaded.
    public static var isAvailable: Bool { ck_lapack_load() == CK_LAPACK_OK }

    /// The library file that was opened ("" when none).
    public static var libraryPath: String { String(cString: ck_lapack_library_path()) }

    /// Why no LAPACKE is available, or nil when it is.
    public static var unavailableReason: String? {
        switch ck_lapack_load() {
        case CK_LAPACK_OK: nil
        case CK_LAPACK_NO_SYMBOL: "a LAPACKE library was found but it has no LAPACKE_dsyevr"
        default: "no LAPACKE library found (install liblapacke, or set CURATE_LAPACKE_LIBRARY)"
        }
    }
}
