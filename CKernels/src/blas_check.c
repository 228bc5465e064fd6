// The BLAS self-check: one small sgemm, C = A·Bᵀ with awkward sizes (64 × 48 × 67, odd k, a
// row stride of C wider than its rows, C filled with NaN beforehand as beta = 0 must not read
// it), compared element by element with the engine's own kernel (`ck_gemm_nt_f32`).
//
// The bound: a float dot product of k terms, in any summation order, with or without FMA, errs
// by at most γ_k·Σ|a_i·b_i| (γ_k = k·u/(1 − k·u), u = 2⁻²⁴; alpha = 1 and beta = 0 add no
// rounding). Both results are such sums, so a correct sgemm lies within 2·γ_k·Σ|a_i·b_i| of the
// engine's; Σ|a_i·b_i| is taken in double (exact products, relative error below k·2⁻⁵³, covered
// by the 1 % margin). Anything further off, or not finite, is a wrong result.

#include "blas_check.h"
#include "ck_spatial.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

enum { CHECK_M = 64, CHECK_N = 48, CHECK_K = 67, CHECK_LDC = 51 };
enum { cblas_row_major = 101, cblas_no_trans = 111, cblas_trans = 112 };

/// Values in [-1, 1) on a grid of 2⁻¹² (exact in float), from a 64-bit LCG.
static void fill(float *x, size_t n, uint64_t seed) {
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        x[i] = (float)((int64_t)(seed >> 51) - 4096) / 4096.0f;
    }
}

int ck_blas_check_sgemm(ck_cblas_sgemm_fn sgemm, double *difference, double *bound) {
    float *a = malloc(sizeof(float) * CHECK_M * CHECK_K), *b = malloc(sizeof(float) * CHECK_N * CHECK_K);
    float *blas = malloc(sizeof(float) * CHECK_M * CHECK_LDC), *engine = malloc(sizeof(float) * CHECK_M * CHECK_LDC);
    int passed = 0;
    *difference = INFINITY;
    *bound = 0;
    if (a && b && blas && engine) {
        fill(a, CHECK_M * CHECK_K, 0x5E1FC4EC);
        fill(b, CHECK_N * CHECK_K, 0xB1A5);
        for (size_t i = 0; i < CHECK_M * CHECK_LDC; i++) blas[i] = NAN;
        sgemm(cblas_row_major, cblas_no_trans, cblas_trans, CHECK_M, CHECK_N, CHECK_K, 1.0f, a, CHECK_K, b, CHECK_K,
              0.0f, blas, CHECK_LDC);
        ck_gemm_nt_f32(a, CHECK_M, b, CHECK_N, CHECK_K, engine, CHECK_LDC);
        const double u = 0x1p-24, gamma = CHECK_K * u / (1 - CHECK_K * u);
        double worst = -1;
        passed = 1;
        for (size_t i = 0; i < CHECK_M; i++) {
            for (size_t j = 0; j < CHECK_N; j++) {
                double magnitude = 0;
                for (size_t k = 0; k < CHECK_K; k++) magnitude += fabs((double)a[i * CHECK_K + k] * (double)b[j * CHECK_K + k]);
                const double allowed = 2 * gamma * magnitude * 1.01 + 0x1p-60;
                const double off = fabs((double)blas[i * CHECK_LDC + j] - (double)engine[i * CHECK_LDC + j]);
                const double ratio = isfinite(off) ? off / allowed : INFINITY;
                if (ratio > worst) {
                    worst = ratio;
                    *difference = isfinite(off) ? off : INFINITY;
                    *bound = allowed;
                }
                if (!(off <= allowed)) passed = 0;
            }
        }
    }
    free(a);
    free(b);
    free(blas);
    free(engine);
    return passed;
}
