/// Dot products, normalisation and similarity tiles in `float`.
///
/// Numerics: each kernel accumulates in `float` in an order of its own (lanes, then a tree), so
/// results differ from the serial twin by rounding only. For any order, |fl(a·b) − a·b| ≤
/// γ_n · Σ|a_k b_k| with γ_n = n·u/(1 − n·u), u = 2⁻²⁴; the engine's exact re-check band is built
/// on that bound, so no kernel may do worse (no reduced precision, no approximate reciprocals).
///
/// Names: `ck_<op>_f32` dispatches through the table for the active ISA; `_serial`, `_haswell`
/// (AVX2+FMA) and `_skylake` (AVX-512) are the variants, exported so tests can compare them.
/// Call a SIMD variant directly only when `ck_isa_supported()` covers it.
#ifndef CK_SPATIAL_H
#define CK_SPATIAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Σ a[k]·b[k] over n floats. n may be 0 (returns 0).
float ck_dot_f32(const float *a, const float *b, size_t n);
float ck_dot_f32_serial(const float *a, const float *b, size_t n);
float ck_dot_f32_haswell(const float *a, const float *b, size_t n);
float ck_dot_f32_skylake(const float *a, const float *b, size_t n);

/// dst[k] = (float)((double)src[k] · (1 / norm)) for the given L2 norm (computed by the caller in
/// double); all zeros (+0) when norm == 0. The scaling is done in double and rounded once, so the
/// relative error per element is ≤ u(1 + 2⁻²⁸) for every finite norm (no overflow of 1/norm in
/// float for tiny norms). src and dst may be the same pointer (in place); partially overlapping
/// buffers are not supported. Every variant computes the same single rounded product, so the
/// variants agree bit for bit.
void ck_normalise_f32(const float *src, float *dst, size_t n, double norm);
void ck_normalise_f32_serial(const float *src, float *dst, size_t n, double norm);
void ck_normalise_f32_haswell(const float *src, float *dst, size_t n, double norm);
void ck_normalise_f32_skylake(const float *src, float *dst, size_t n, double norm);

/// Similarity tile without BLAS: c[i·ldc + j] = Σ_k a[i·d + k] · b[j·d + k] for i < m, j < n
/// (row-major A[m×d], B[n×d], C[m×ldc], ldc ≥ n). Register-blocked over rows and columns
/// (AVX-512: 4×4 outputs per block; AVX2: 3×4), with B in panels that stay in L2. Columns j ≥ n
/// of C are never written; m or n may be 0 (nothing is written), d may be 0 (zeros).
void ck_gemm_nt_f32(const float *a, size_t m, const float *b, size_t n, size_t d,
                    float *c, size_t ldc);
void ck_gemm_nt_f32_serial(const float *a, size_t m, const float *b, size_t n, size_t d,
                           float *c, size_t ldc);
void ck_gemm_nt_f32_haswell(const float *a, size_t m, const float *b, size_t n, size_t d,
                            float *c, size_t ldc);
void ck_gemm_nt_f32_skylake(const float *a, size_t m, const float *b, size_t n, size_t d,
                            float *c, size_t ldc);

#ifdef __cplusplus
}
#endif
#endif
