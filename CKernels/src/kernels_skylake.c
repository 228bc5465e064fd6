// AVX-512 (F/BW/DQ/VL) + FMA kernels ("skylake"). The instruction sets are enabled per function
// by the pragma below, never by build flags; call them only when ck_isa_supported() covers
// CK_ISA_AVX512. Tails use masked loads (zero-filled lanes add exact zeros).

#include "ck_spatial.h"
#include "ck_scan.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl"))), apply_to = function)

#define CK_INLINE static inline __attribute__((always_inline))

/// Lanes [0, r) set, r ≤ 16.
CK_INLINE __mmask16 ck_sk_tail_mask(size_t r) { return (__mmask16)((1u << r) - 1u); }

// MARK: dot

float ck_dot_f32_skylake(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + 64 <= n; k += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k + 16), _mm512_loadu_ps(b + k + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k + 32), _mm512_loadu_ps(b + k + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k + 48), _mm512_loadu_ps(b + k + 48), s3);
    }
    for (; k + 16 <= n; k += 16) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k), s0);
    }
    if (k < n) {
        const __mmask16 t = ck_sk_tail_mask(n - k);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, a + k), _mm512_maskz_loadu_ps(t, b + k), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// MARK: normalise

void ck_normalise_f32_skylake(const float *src, float *dst, size_t n, double norm) {
    size_t k = 0;
    if (norm == 0.0) {
        const __m512 z = _mm512_setzero_ps();
        for (; k + 16 <= n; k += 16) _mm512_storeu_ps(dst + k, z);
        if (k < n) _mm512_mask_storeu_ps(dst + k, ck_sk_tail_mask(n - k), z);
        return;
    }
    // Scaled in double, then rounded once: correctly rounded for every finite norm.
    const __m512d s = _mm512_set1_pd(1.0 / norm);
    for (; k + 8 <= n; k += 8) {
        const __m512d x = _mm512_cvtps_pd(_mm256_loadu_ps(src + k));
        _mm256_storeu_ps(dst + k, _mm512_cvtpd_ps(_mm512_mul_pd(x, s)));
    }
    if (k < n) {
        const __mmask8 t = (__mmask8)((1u << (n - k)) - 1u);
        const __m512d x = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(t, src + k));
        _mm256_mask_storeu_ps(dst + k, t, _mm512_cvtpd_ps(_mm512_mul_pd(x, s)));
    }
}

// MARK: gemm_nt

/// Sums each of 16 vectors: lane q of the result is the sum of the lanes of v[q].
CK_INLINE __m512 ck_sk_reduce16(const __m512 v[16]) {
    __m512 x[8], w[4];
    for (int i = 0; i < 8; i++) {  // [a0+a2, b0+b2, a1+a3, b1+b3] per 128-bit lane
        const __m512 p = v[2 * i], q = v[2 * i + 1];
        x[i] = _mm512_add_ps(_mm512_unpacklo_ps(p, q), _mm512_unpackhi_ps(p, q));
    }
    for (int i = 0; i < 4; i++) {  // [a, b, c, d] partials per 128-bit lane
        const __m512d p = _mm512_castps_pd(x[2 * i]), q = _mm512_castps_pd(x[2 * i + 1]);
        w[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(p, q)),
                             _mm512_castpd_ps(_mm512_unpackhi_pd(p, q)));
    }
    // Fold the four 128-bit lanes: block q of the result is w[q]'s lanes summed.
    const __m512 p01 = _mm512_add_ps(_mm512_shuffle_f32x4(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                     _mm512_shuffle_f32x4(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
    const __m512 p23 = _mm512_add_ps(_mm512_shuffle_f32x4(w[2], w[3], _MM_SHUFFLE(2, 0, 2, 0)),
                                     _mm512_shuffle_f32x4(w[2], w[3], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(p01, p23, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(p01, p23, _MM_SHUFFLE(3, 1, 3, 1)));
}

CK_INLINE void ck_sk_store_row(float *c, __m128 v, int nr) {
    if (nr == 4) _mm_storeu_ps(c, v);
    else _mm_mask_storeu_ps(c, (__mmask8)((1u << nr) - 1u), v);
}

/// C[0..mr)[0..nr) = A[0..mr) · B[0..nr)ᵀ for mr, nr ≤ 4 (constants after inlining): one zmm
/// accumulator per output, streaming over d in steps of 16 with a masked tail.
CK_INLINE void ck_sk_tile(const float *a, const float *b, size_t d, float *c, size_t ldc,
                          const int mr, const int nr, const __mmask16 tail) {
    __m512 acc[16];
    for (int q = 0; q < 16; q++) acc[q] = _mm512_setzero_ps();
    const float *ap[4], *bp[4];
    for (int i = 0; i < 4; i++) ap[i] = a + (size_t)(i < mr ? i : 0) * d;
    for (int j = 0; j < 4; j++) bp[j] = b + (size_t)(j < nr ? j : 0) * d;
    size_t k = 0;
    for (; k + 16 <= d; k += 16) {
        __m512 bv[4];
        for (int j = 0; j < nr; j++) bv[j] = _mm512_loadu_ps(bp[j] + k);
        for (int i = 0; i < mr; i++) {
            const __m512 av = _mm512_loadu_ps(ap[i] + k);
            for (int j = 0; j < nr; j++) acc[4 * i + j] = _mm512_fmadd_ps(av, bv[j], acc[4 * i + j]);
        }
    }
    if (k < d) {
        __m512 bv[4];
        for (int j = 0; j < nr; j++) bv[j] = _mm512_maskz_loadu_ps(tail, bp[j] + k);
        for (int i = 0; i < mr; i++) {
            const __m512 av = _mm512_maskz_loadu_ps(tail, ap[i] + k);
            for (int j = 0; j < nr; j++) acc[4 * i + j] = _mm512_fmadd_ps(av, bv[j], acc[4 * i + j]);
        }
    }
    const __m512 r = ck_sk_reduce16(acc);
    ck_sk_store_row(c, _mm512_castps512_ps128(r), nr);
    if (mr > 1) ck_sk_store_row(c + ldc, _mm512_extractf32x4_ps(r, 1), nr);
    if (mr > 2) ck_sk_store_row(c + 2 * ldc, _mm512_extractf32x4_ps(r, 2), nr);
    if (mr > 3) ck_sk_store_row(c + 3 * ldc, _mm512_extractf32x4_ps(r, 3), nr);
}

#define CK_SK_TILE_CASE(MR, NR) \
    case (MR) * 8 + (NR): ck_sk_tile(a, b, d, c, ldc, MR, NR, tail); break;

/// An edge tile (mr or nr below 4).
static void ck_sk_tile_edge(const float *a, const float *b, size_t d, float *c, size_t ldc,
                            int mr, int nr, __mmask16 tail) {
    switch (mr * 8 + nr) {
        CK_SK_TILE_CASE(1, 1) CK_SK_TILE_CASE(1, 2) CK_SK_TILE_CASE(1, 3) CK_SK_TILE_CASE(1, 4)
        CK_SK_TILE_CASE(2, 1) CK_SK_TILE_CASE(2, 2) CK_SK_TILE_CASE(2, 3) CK_SK_TILE_CASE(2, 4)
        CK_SK_TILE_CASE(3, 1) CK_SK_TILE_CASE(3, 2) CK_SK_TILE_CASE(3, 3) CK_SK_TILE_CASE(3, 4)
        CK_SK_TILE_CASE(4, 1) CK_SK_TILE_CASE(4, 2) CK_SK_TILE_CASE(4, 3) CK_SK_TILE_CASE(4, 4)
    default: break;
    }
}

/// Bytes of B kept hot (in L2) while every row block of A passes over it.
#ifndef CK_SK_B_PANEL_BYTES
#define CK_SK_B_PANEL_BYTES (256u * 1024u)
#endif

void ck_gemm_nt_f32_skylake(const float *a, size_t m, const float *b, size_t n, size_t d,
                            float *c, size_t ldc) {
    if (m == 0 || n == 0) return;
    const __mmask16 tail = ck_sk_tail_mask(d % 16);
    size_t nb = d == 0 ? n : CK_SK_B_PANEL_BYTES / (d * sizeof(float));
    nb = nb < 4 ? 4 : nb & ~(size_t)3;
    for (size_t j0 = 0; j0 < n; j0 += nb) {
        const size_t j1 = n - j0 < nb ? n : j0 + nb;
        for (size_t i = 0; i < m; i += 4) {
            const int mr = m - i < 4 ? (int)(m - i) : 4;
            const float *ai = a + i * d;
            float *ci = c + i * ldc;
            size_t j = j0;
            if (mr == 4) {
                for (; j + 4 <= j1; j += 4) ck_sk_tile(ai, b + j * d, d, ci + j, ldc, 4, 4, tail);
            }
            for (; j < j1; j += 4) {
                const int nr = j1 - j < 4 ? (int)(j1 - j) : 4;
                ck_sk_tile_edge(ai, b + j * d, d, ci + j, ldc, mr, nr, tail);
            }
        }
    }
}

// MARK: scans

size_t ck_first_at_least_f32_skylake(const float *row, size_t n, float t) {
    const __m512 tv = _mm512_set1_ps(t);
    size_t k = 0;
    for (; k + 64 <= n; k += 64) {
        const __mmask16 m0 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k), tv, _CMP_GE_OQ);
        const __mmask16 m1 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k + 16), tv, _CMP_GE_OQ);
        const __mmask16 m2 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k + 32), tv, _CMP_GE_OQ);
        const __mmask16 m3 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k + 48), tv, _CMP_GE_OQ);
        const uint64_t all = (uint64_t)m0 | ((uint64_t)m1 << 16) | ((uint64_t)m2 << 32) | ((uint64_t)m3 << 48);
        if (all != 0) return k + (size_t)__builtin_ctzll(all);
    }
    for (; k + 16 <= n; k += 16) {
        const __mmask16 m0 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k), tv, _CMP_GE_OQ);
        if (m0 != 0) return k + (size_t)__builtin_ctz(m0);
    }
    if (k < n) {
        const __mmask16 t16 = ck_sk_tail_mask(n - k);
        const __mmask16 m0 = _mm512_mask_cmp_ps_mask(t16, _mm512_maskz_loadu_ps(t16, row + k), tv, _CMP_GE_OQ);
        if (m0 != 0) return k + (size_t)__builtin_ctz(m0);
    }
    return n;
}

/// Appends the indices base + lane for the set lanes of `hits` (in lane order) at out + count;
/// writes only those entries (a masked store of the compressed vector).
CK_INLINE size_t ck_sk_emit(uint32_t *out, size_t count, __mmask16 hits, size_t base, __m512i iota) {
    const __m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)base), iota);
    const __m512i packed = _mm512_maskz_compress_epi32(hits, idx);
    const unsigned h = (unsigned)__builtin_popcount((unsigned)hits);
    _mm512_mask_storeu_epi32(out + count, (__mmask16)((1u << h) - 1u), packed);
    return count + h;
}

size_t ck_collect_at_least_f32_skylake(const float *row, size_t n, float t, uint32_t *out) {
    const __m512 tv = _mm512_set1_ps(t);
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t count = 0, k = 0;
    for (; k + 64 <= n; k += 64) {
        const __mmask16 m0 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k), tv, _CMP_GE_OQ);
        const __mmask16 m1 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k + 16), tv, _CMP_GE_OQ);
        const __mmask16 m2 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k + 32), tv, _CMP_GE_OQ);
        const __mmask16 m3 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k + 48), tv, _CMP_GE_OQ);
        if ((m0 | m1 | m2 | m3) == 0) continue;  // the common case
        if (m0) count = ck_sk_emit(out, count, m0, k, iota);
        if (m1) count = ck_sk_emit(out, count, m1, k + 16, iota);
        if (m2) count = ck_sk_emit(out, count, m2, k + 32, iota);
        if (m3) count = ck_sk_emit(out, count, m3, k + 48, iota);
    }
    for (; k + 16 <= n; k += 16) {
        const __mmask16 m0 = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + k), tv, _CMP_GE_OQ);
        if (m0) count = ck_sk_emit(out, count, m0, k, iota);
    }
    if (k < n) {
        const __mmask16 t16 = ck_sk_tail_mask(n - k);
        const __mmask16 m0 = _mm512_mask_cmp_ps_mask(t16, _mm512_maskz_loadu_ps(t16, row + k), tv, _CMP_GE_OQ);
        if (m0) count = ck_sk_emit(out, count, m0, k, iota);
    }
    return count;
}

#pragma clang attribute pop

#else  // not x86-64: forward to the serial twins so the link never fails

float ck_dot_f32_skylake(const float *a, const float *b, size_t n) { return ck_dot_f32_serial(a, b, n); }
void ck_normalise_f32_skylake(const float *src, float *dst, size_t n, double norm) {
    ck_normalise_f32_serial(src, dst, n, norm);
}
void ck_gemm_nt_f32_skylake(const float *a, size_t m, const float *b, size_t n, size_t d,
                            float *c, size_t ldc) {
    ck_gemm_nt_f32_serial(a, m, b, n, d, c, ldc);
}
size_t ck_first_at_least_f32_skylake(const float *row, size_t n, float t) {
    return ck_first_at_least_f32_serial(row, n, t);
}
size_t ck_collect_at_least_f32_skylake(const float *row, size_t n, float t, uint32_t *out) {
    return ck_collect_at_least_f32_serial(row, n, t, out);
}

#endif
