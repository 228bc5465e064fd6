// The BLAS self-check (internal to CKernels; see ck_blas.h).
#ifndef CK_BLAS_CHECK_H
#define CK_BLAS_CHECK_H

#include "ck_blas.h"

/// `cblas_sgemm`.
typedef void (*ck_cblas_sgemm_fn)(int order, int trans_a, int trans_b, ck_blasint m, ck_blasint n, ck_blasint k,
                                  float alpha, const float *a, ck_blasint lda, const float *b, ck_blasint ldb,
                                  float beta, float *c, ck_blasint ldc);

/// Runs one deterministic sgemm through `sgemm` and compares it with the engine's own kernel;
/// writes the element furthest outside (or least inside) its bound: |difference| and bound.
/// Returns 1 when every element is within its bound, else 0.
int ck_blas_check_sgemm(ck_cblas_sgemm_fn sgemm, double *difference, double *bound);

#endif
