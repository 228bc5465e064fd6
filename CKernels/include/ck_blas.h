/// Runtime CBLAS loader.
///
/// OpenBLAS chooses its kernels by CPU model when it is loaded. On CPUs it does not recognise
/// (newer Xeons, AMD Zen 4 and 5) the Debian build silently falls back to its SSE3 "Prescott"
/// kernel at a fifth of the speed. So the library is never linked: `ck_blas_load` sets
/// `OPENBLAS_CORETYPE` from cpuid around the `dlopen`: AVX-512 F/BW/DQ/VL → SkylakeX, plus
/// AVX512_BF16 → Cooperlake, AVX2+FMA → Haswell (Zen on AMD), otherwise the library's own
/// choice. An `OPENBLAS_CORETYPE` inherited from the environment (often set for other tools) is
/// overridden and reported (`ck_blas_overridden_core`). `CURATE_BLAS_CORE` changes the policy:
/// `library` leaves the choice to the library (which honours `OPENBLAS_CORETYPE`), any other
/// value except `auto` names the core to request.
///
/// A core the engine chose (from cpuid or `CURATE_BLAS_CORE`) is not trusted blindly: OpenBLAS
/// releases have shipped wrong results on new cores. Once loaded, one small sgemm is compared
/// with the engine's own kernel (`ck_blas_self_check`, bound derived in blas_check.c). On a
/// mismatch the library is closed and opened again with the caller's environment, so OpenBLAS
/// chooses its core itself (it reads `OPENBLAS_CORETYPE` only when it initialises; dlclose really
/// unloads it, which is verified with `RTLD_NOLOAD`); that choice is kept if it passes the same
/// check, else no BLAS is used (`CK_BLAS_WRONG_RESULTS`) and the engine's kernels run instead.
///
/// Integers at this boundary are `ck_blasint` (32-bit, the LP64 interface Debian ships);
/// callers check that dimensions fit before calling.
#ifndef CK_BLAS_H
#define CK_BLAS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t ck_blasint;

/// Outcome of `ck_blas_load`.
typedef enum ck_blas_status {
    CK_BLAS_OK = 0,          ///< a CBLAS with `cblas_sgemm` is loaded
    CK_BLAS_NOT_FOUND = 1,   ///< no candidate library could be opened
    CK_BLAS_NO_SYMBOL = 2,   ///< a library opened but lacks `cblas_sgemm`
    CK_BLAS_WRONG_RESULTS = 3,  ///< a library opened but failed the self-check with the engine's
                                ///< core and with its own choice (or could not be reopened): not used
} ck_blas_status;

/// Outcome of the self-check of a core the engine chose.
typedef enum ck_blas_check {
    CK_BLAS_CHECK_NOT_RUN = 0,  ///< nothing loaded, or the library chose its core (`CURATE_BLAS_CORE=library`, or no rule for this CPU)
    CK_BLAS_CHECK_PASSED = 1,   ///< the engine's core agreed with the engine's own kernel
    CK_BLAS_CHECK_FAILED = 2,   ///< it did not: the library runs its own core choice, or `CK_BLAS_WRONG_RESULTS`
} ck_blas_check;

/// Loads the BLAS once (later calls return the first outcome). Candidates, in order: the path in
/// `CURATE_BLAS_LIBRARY` if set, then `libopenblas.so.0`, `libopenblas.so`, `libblas.so.3`.
ck_blas_status ck_blas_load(void);

/// True once `ck_blas_load` has succeeded.
int ck_blas_available(void);

/// The core type the loader asked for ("SkylakeX", ...), or "" when it left the choice to the
/// library (`CURATE_BLAS_CORE=library`, no rule matched, or the requested core failed the self-check).
const char *ck_blas_requested_core(void);

/// The `OPENBLAS_CORETYPE` of the environment that the requested core replaced, or "" when none
/// was set, it named the requested core, or the choice was left to the library.
const char *ck_blas_overridden_core(void);

/// The core the library reports (`openblas_get_corename`), or "unknown" for a non-OpenBLAS
/// CBLAS, or "none" when nothing is loaded.
const char *ck_blas_core_name(void);

/// The self-check of the core the engine chose. `difference` and `bound` (either may be NULL)
/// receive, for the element furthest outside (or least inside) its bound, |BLAS − engine| and
/// the bound; both 0 when the check did not run, the difference infinite when it was not finite.
ck_blas_check ck_blas_self_check(double *difference, double *bound);

/// The core that failed the self-check (as the library names it), or "" when none did.
const char *ck_blas_failed_core(void);

/// The file that was loaded (or that failed the self-check), or "" when none.
const char *ck_blas_library_path(void);

/// The library's thread count (`openblas_get_num_threads`), 1 when it cannot tell or none loaded.
int ck_blas_threads(void);

/// Sets the library's thread count when it supports that (`openblas_set_num_threads`).
void ck_blas_set_threads(int threads);

/// Row-major C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C, i.e. `cblas_sgemm(RowMajor, NoTrans,
/// Trans, ...)`. Only valid when `ck_blas_available()`.
void ck_sgemm_nt(ck_blasint m, ck_blasint n, ck_blasint k, float alpha,
                 const float *a, ck_blasint lda, const float *b, ck_blasint ldb,
                 float beta, float *c, ck_blasint ldc);

/// Row-major C[m×n] = alpha · A[m×k] · B[k×n] + beta · C (`cblas_sgemm(RowMajor, NoTrans,
/// NoTrans, ...)`), used to measure the sgemm peak on square shapes.
void ck_sgemm_nn(ck_blasint m, ck_blasint n, ck_blasint k, float alpha,
                 const float *a, ck_blasint lda, const float *b, ck_blasint ldb,
                 float beta, float *c, ck_blasint ldc);

#ifdef __cplusplus
}
#endif
#endif
