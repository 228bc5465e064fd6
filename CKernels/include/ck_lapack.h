/// Runtime LAPACKE loader: the symmetric eigensolvers behind the report's PCA map (`dsyevr`) and
/// the low-rank screen's basis (`ssyevr`, when the library has it).
///
/// Like the BLAS, LAPACKE is never linked: `ck_lapack_load` first loads the BLAS (`ck_blas.h`,
/// so the OpenBLAS core is chosen and its threads set before LAPACK can start the library), then
/// `dlopen`s `liblapacke.so.3` (Debian's liblapacke, over the same OpenBLAS). `CURATE_LAPACKE_LIBRARY`
/// names another file. Integers are `ck_blasint` (32-bit LP64 LAPACK).
#ifndef CK_LAPACK_H
#define CK_LAPACK_H

#include "ck_blas.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of `ck_lapack_load`.
typedef enum ck_lapack_status {
    CK_LAPACK_OK = 0,         ///< `LAPACKE_dsyevr` is loaded
    CK_LAPACK_NOT_FOUND = 1,  ///< no candidate library could be opened
    CK_LAPACK_NO_SYMBOL = 2,  ///< a library opened but lacks `LAPACKE_dsyevr`
} ck_lapack_status;

/// Loads LAPACKE once (later calls return the first outcome). Candidates, in order: the path in
/// `CURATE_LAPACKE_LIBRARY` if set, then `liblapacke.so.3`, `liblapacke.so`.
ck_lapack_status ck_lapack_load(void);

/// The file that was loaded, or "" when none.
const char *ck_lapack_library_path(void);

/// Eigenvalues il..iu (1-based, ascending order) and their eigenvectors of the symmetric n×n
/// row-major matrix `a` (upper triangle read, destroyed): `LAPACKE_dsyevr(ROW_MAJOR, 'V', 'I',
/// 'U', ...)`. Writes `*found` values to `w` and the eigenvectors as the columns of the row-major
/// n×(iu-il+1) matrix `z`. Returns LAPACK's info (0 on success), or -1000 when LAPACKE is not
/// loaded.
int ck_dsyevr_range(ck_blasint n, double *a, ck_blasint il, ck_blasint iu, ck_blasint *found,
                    double *w, double *z);
/// `ck_dsyevr_range` in single precision (`LAPACKE_ssyevr`, about twice as fast); -1002 when the
/// loaded library lacks it.
int ck_ssyevr_range(ck_blasint n, float *a, ck_blasint il, ck_blasint iu, ck_blasint *found, float *w, float *z);

#ifdef __cplusplus
}
#endif
#endif
