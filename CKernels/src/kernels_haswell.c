// AVX2 + FMA kernels ("haswell"). The instruction sets are enabled per function by the pragma
// below, never by build flags; call them only when ck_isa_supported() covers CK_ISA_AVX2.
// Tails use masked loads (`vmaskmovps`: masked lanes read as zero and never fault).

#include "ck_spatial.h"
#include "ck_scan.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx,avx2,fma"))), apply_to = function)

#define CK_INLINE static inline __attribute__((always_inline))

/// Lanes [0, r) set (all ones), r ≤ 8.
CK_INLINE __m256i ck_hw_tail_mask(size_t r) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Sum of the 8 lanes.
CK_INLINE float ck_hw_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// MARK: dot

float ck_dot_f32_haswell(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + 32 <= n; k += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(b + k + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 16), _mm256_loadu_ps(b + k + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 24), _mm256_loadu_ps(b + k + 24), s3);
    }
    for (; k + 8 <= n; k += 8) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s0);
    }
    if (k < n) {
        const __m256i t = ck_hw_tail_mask(n - k);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + k, t), _mm256_maskload_ps(b + k, t), s1);
    }
    return ck_hw_hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

// MARK: normalise

void ck_normalise_f32_haswell(const float *src, float *dst, size_t n, double norm) {
    size_t k = 0;
    if (norm == 0.0) {
        const __m256 z = _mm256_setzero_ps();
        for (; k + 8 <= n; k += 8) _mm256_storeu_ps(dst + k, z);
        if (k < n) _mm256_maskstore_ps(dst + k, ck_hw_tail_mask(n - k), z);
        return;
    }
    // Scaled in double, then rounded once: correctly rounded for every finite norm.
    const __m256d s = _mm256_set1_pd(1.0 / norm);
    for (; k + 4 <= n; k += 4) {
        const __m256d x = _mm256_cvtps_pd(_mm_loadu_ps(src + k));
        _mm_storeu_ps(dst + k, _mm256_cvtpd_ps(_mm256_mul_pd(x, s)));
    }
    for (; k < n; k++) dst[k] = (float)((double)src[k] * (1.0 / norm));
}

// MARK: gemm_nt

/// [Σv0, Σv1, Σv2, Σv3].
CK_INLINE __m128 ck_hw_reduce4(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

CK_INLINE void ck_hw_store_row(float *c, __m128 v, int nr) {
    if (nr == 4) {
        _mm_storeu_ps(c, v);
    } else {
        c[0] = _mm_cvtss_f32(v);
        if (nr > 1) c[1] = _mm_cvtss_f32(_mm_movehdup_ps(v));
        if (nr > 2) c[2] = _mm_cvtss_f32(_mm_movehl_ps(v, v));
    }
}

/// C[0..mr)[0..nr) = A[0..mr) · B[0..nr)ᵀ for mr ≤ 3, nr ≤ 4 (constants after inlining): twelve
/// ymm accumulators (all 16 registers with 3 A vectors and one B vector), masked tail.
CK_INLINE void ck_hw_tile(const float *a, const float *b, size_t d, float *c, size_t ldc,
                          const int mr, const int nr, const __m256i tail) {
    __m256 acc[3][4];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = _mm256_setzero_ps();
    const float *ap[3], *bp[4];
    for (int i = 0; i < 3; i++) ap[i] = a + (size_t)(i < mr ? i : 0) * d;
    for (int j = 0; j < 4; j++) bp[j] = b + (size_t)(j < nr ? j : 0) * d;
    size_t k = 0;
    for (; k + 8 <= d; k += 8) {
        __m256 av[3];
        for (int i = 0; i < mr; i++) av[i] = _mm256_loadu_ps(ap[i] + k);
        for (int j = 0; j < nr; j++) {
            const __m256 bv = _mm256_loadu_ps(bp[j] + k);
            for (int i = 0; i < mr; i++) acc[i][j] = _mm256_fmadd_ps(av[i], bv, acc[i][j]);
        }
    }
    if (k < d) {
        __m256 av[3];
        for (int i = 0; i < mr; i++) av[i] = _mm256_maskload_ps(ap[i] + k, tail);
        for (int j = 0; j < nr; j++) {
            const __m256 bv = _mm256_maskload_ps(bp[j] + k, tail);
            for (int i = 0; i < mr; i++) acc[i][j] = _mm256_fmadd_ps(av[i], bv, acc[i][j]);
        }
    }
    for (int i = 0; i < mr; i++) {
        ck_hw_store_row(c + (size_t)i * ldc, ck_hw_reduce4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]), nr);
    }
}

#define CK_HW_TILE_CASE(MR, NR) \
    case (MR) * 8 + (NR): ck_hw_tile(a, b, d, c, ldc, MR, NR, tail); break;

/// An edge tile (mr below 3 or nr below 4).
static void ck_hw_tile_edge(const float *a, const float *b, size_t d, float *c, size_t ldc,
                            int mr, int nr, __m256i tail) {
    switch (mr * 8 + nr) {
        CK_HW_TILE_CASE(1, 1) CK_HW_TILE_CASE(1, 2) CK_HW_TILE_CASE(1, 3) CK_HW_TILE_CASE(1, 4)
        CK_HW_TILE_CASE(2, 1) CK_HW_TILE_CASE(2, 2) CK_HW_TILE_CASE(2, 3) CK_HW_TILE_CASE(2, 4)
        CK_HW_TILE_CASE(3, 1) CK_HW_TILE_CASE(3, 2) CK_HW_TILE_CASE(3, 3) CK_HW_TILE_CASE(3, 4)
    default: break;
    }
}

/// Bytes of B kept hot (in L2) while every row block of A passes over it.
#ifndef CK_HW_B_PANEL_BYTES
#define CK_HW_B_PANEL_BYTES (256u * 1024u)
#endif

void ck_gemm_nt_f32_haswell(const float *a, size_t m, const float *b, size_t n, size_t d,
                            float *c, size_t ldc) {
    if (m == 0 || n == 0) return;
    const __m256i tail = ck_hw_tail_mask(d % 8);
    size_t nb = d == 0 ? n : CK_HW_B_PANEL_BYTES / (d * sizeof(float));
    nb = nb < 4 ? 4 : nb & ~(size_t)3;
    for (size_t j0 = 0; j0 < n; j0 += nb) {
        const size_t j1 = n - j0 < nb ? n : j0 + nb;
        for (size_t i = 0; i < m; i += 3) {
            const int mr = m - i < 3 ? (int)(m - i) : 3;
            const float *ai = a + i * d;
            float *ci = c + i * ldc;
            size_t j = j0;
            if (mr == 3) {
                for (; j + 4 <= j1; j += 4) ck_hw_tile(ai, b + j * d, d, ci + j, ldc, 3, 4, tail);
            }
            for (; j < j1; j += 4) {
                const int nr = j1 - j < 4 ? (int)(j1 - j) : 4;
                ck_hw_tile_edge(ai, b + j * d, d, ci + j, ldc, mr, nr, tail);
            }
        }
    }
}

// MARK: scans

size_t ck_first_at_least_f32_haswell(const float *row, size_t n, float t) {
    const __m256 tv = _mm256_set1_ps(t);
    size_t k = 0;
    for (; k + 32 <= n; k += 32) {
        const __m256 c0 = _mm256_cmp_ps(_mm256_loadu_ps(row + k), tv, _CMP_GE_OQ);
        const __m256 c1 = _mm256_cmp_ps(_mm256_loadu_ps(row + k + 8), tv, _CMP_GE_OQ);
        const __m256 c2 = _mm256_cmp_ps(_mm256_loadu_ps(row + k + 16), tv, _CMP_GE_OQ);
        const __m256 c3 = _mm256_cmp_ps(_mm256_loadu_ps(row + k + 24), tv, _CMP_GE_OQ);
        const __m256 any = _mm256_or_ps(_mm256_or_ps(c0, c1), _mm256_or_ps(c2, c3));
        if (_mm256_testz_ps(any, any)) continue;  // no sign bit set: no hit
        const uint32_t bits = (uint32_t)_mm256_movemask_ps(c0) | ((uint32_t)_mm256_movemask_ps(c1) << 8) |
                              ((uint32_t)_mm256_movemask_ps(c2) << 16) | ((uint32_t)_mm256_movemask_ps(c3) << 24);
        return k + (size_t)__builtin_ctz(bits);
    }
    for (; k + 8 <= n; k += 8) {
        const int bits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + k), tv, _CMP_GE_OQ));
        if (bits != 0) return k + (size_t)__builtin_ctz((unsigned)bits);
    }
    if (k < n) {
        const __m256i tm = ck_hw_tail_mask(n - k);
        const __m256 hit = _mm256_and_ps(_mm256_cmp_ps(_mm256_maskload_ps(row + k, tm), tv, _CMP_GE_OQ),
                                         _mm256_castsi256_ps(tm));
        const int bits = _mm256_movemask_ps(hit);
        if (bits != 0) return k + (size_t)__builtin_ctz((unsigned)bits);
    }
    return n;
}

/// Appends base + b for every set bit b of `bits`, lowest first.
CK_INLINE size_t ck_hw_emit(uint32_t *out, size_t count, uint32_t bits, size_t base) {
    while (bits != 0) {
        out[count++] = (uint32_t)(base + (size_t)__builtin_ctz(bits));
        bits &= bits - 1;
    }
    return count;
}

size_t ck_collect_at_least_f32_haswell(const float *row, size_t n, float t, uint32_t *out) {
    const __m256 tv = _mm256_set1_ps(t);
    size_t count = 0, k = 0;
    for (; k + 32 <= n; k += 32) {
        const __m256 c0 = _mm256_cmp_ps(_mm256_loadu_ps(row + k), tv, _CMP_GE_OQ);
        const __m256 c1 = _mm256_cmp_ps(_mm256_loadu_ps(row + k + 8), tv, _CMP_GE_OQ);
        const __m256 c2 = _mm256_cmp_ps(_mm256_loadu_ps(row + k + 16), tv, _CMP_GE_OQ);
        const __m256 c3 = _mm256_cmp_ps(_mm256_loadu_ps(row + k + 24), tv, _CMP_GE_OQ);
        const __m256 any = _mm256_or_ps(_mm256_or_ps(c0, c1), _mm256_or_ps(c2, c3));
        if (_mm256_testz_ps(any, any)) continue;  // the common case
        const uint32_t bits = (uint32_t)_mm256_movemask_ps(c0) | ((uint32_t)_mm256_movemask_ps(c1) << 8) |
                              ((uint32_t)_mm256_movemask_ps(c2) << 16) | ((uint32_t)_mm256_movemask_ps(c3) << 24);
        count = ck_hw_emit(out, count, bits, k);
    }
    for (; k + 8 <= n; k += 8) {
        const int bits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + k), tv, _CMP_GE_OQ));
        if (bits != 0) count = ck_hw_emit(out, count, (uint32_t)bits, k);
    }
    if (k < n) {
        const __m256i tm = ck_hw_tail_mask(n - k);
        const __m256 hit = _mm256_and_ps(_mm256_cmp_ps(_mm256_maskload_ps(row + k, tm), tv, _CMP_GE_OQ),
                                         _mm256_castsi256_ps(tm));
        const int bits = _mm256_movemask_ps(hit);
        if (bits != 0) count = ck_hw_emit(out, count, (uint32_t)bits, k);
    }
    return count;
}

#pragma clang attribute pop

#else  // not x86-64: forward to the serial twins so the link never fails

float ck_dot_f32_haswell(const float *a, const float *b, size_t n) { return ck_dot_f32_serial(a, b, n); }
void ck_normalise_f32_haswell(const float *src, float *dst, size_t n, double norm) {
    ck_normalise_f32_serial(src, dst, n, norm);
}
void ck_gemm_nt_f32_haswell(const float *a, size_t m, const float *b, size_t n, size_t d,
                            float *c, size_t ldc) {
    ck_gemm_nt_f32_serial(a, m, b, n, d, c, ldc);
}
size_t ck_first_at_least_f32_haswell(const float *row, size_t n, float t) {
    return ck_first_at_least_f32_serial(row, n, t);
}
size_t ck_collect_at_least_f32_haswell(const float *row, size_t n, float t, uint32_t *out) {
    return ck_collect_at_least_f32_serial(row, n, t, out);
}

#endif
