// bf16 and int8 tiles with AVX2 + FMA ("haswell"), for CPUs without AVX512_BF16 / AVX512_VNNI.
// Enabled per function by the pragma below; call only when ck_isa_supported() covers CK_ISA_AVX2.
//
// The panel layout and walk are those of the AVX-512 kernels (`ck_narrow_walk`). A block of up to
// 8 rows × one panel stages the rows' components, a chunk at a time, in a stack buffer (bf16
// widened to float, int8 bytes shifted to 1..127), then runs 4-row × 16-column micro-kernels over
// the chunk: per pair (quad) of components, two 32-byte panel loads hold 8 columns each (bf16:
// split in registers into their even and odd components).
//
// - bf16: a bf16 value is the top half of a float, so a shift (even components) or a mask (odd
//   ones) widens it exactly; c += â_k·b̂_k by FMA, one accumulator per output, k in order. A
//   product of two bf16 has at most 16 significant bits, so it is exact in float (normal inputs,
//   subnormals are flushed by the encoding) and fl(â_k·b̂_k + c) = fl(fl(â_k·b̂_k) + c): the sum
//   is the serial twin's, bit for bit, unless a product underflows below 2⁻¹²⁶, and in any case
//   a float sum of exact products, which is what `ExactnessBand`'s bf16 term bounds (γ_n·Σ|â_k b̂_k|
//   plus 2⁻¹²⁵ per product).
// - int8: the rows' codes are at most 63 in magnitude (`ck_i8_max_code`), so a row byte less 64
//   is an unsigned 1..127 and `vpmaddubsw` (unsigned × signed bytes, pairs summed in int16)
//   cannot saturate: two pairs are at most 2·127·63 = 16,002, two such sums 32,004 < 32,767. Two
//   quads' `vpmaddubsw` are added in int16, widened by `vpmaddwd` against ones and added in int32:
//   Σ (q_a + 64)·q_b, less 64·Σ q_b, is Σ q_a·q_b exactly. Integer sums are exact in any order,
//   so Σ q_a·q_b is the serial and VNNI kernels' whenever it fits in int32 (d < 133,000); then
//   fl(fl(fl(Σ)·σ_b)·σ_a) in the same order: bit for bit the same tiles.

#include "ck_narrow.h"

#if defined(__x86_64__)

#include "narrow_walk.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx,avx2,fma"))), apply_to = function)

#define CK_INLINE static inline __attribute__((always_inline))

/// Components of A staged per chunk (a multiple of 8).
enum { CK_HW_CHUNK = 256 };

// MARK: - bf16

/// c[r·ldc + 0..15] (+)= Σ_k a_rk·b_k over the `pairs` pairs of a chunk, for rows r < mr of
/// `wide` (floats) and the 16 columns at `panel` (bf16 pairs, `2·CK_PANEL` elements per pair);
/// `fresh` starts from zero instead of c.
CK_INLINE void ck_hw_bf16_micro(const float *wide, const uint16_t *panel, size_t pairs, float *c, size_t ldc,
                                int fresh, const int mr) {
    __m256 acc[4][2];
    for (int r = 0; r < mr; r++) {
        acc[r][0] = fresh ? _mm256_setzero_ps() : _mm256_loadu_ps(c + (size_t)r * ldc);
        acc[r][1] = fresh ? _mm256_setzero_ps() : _mm256_loadu_ps(c + (size_t)r * ldc + 8);
    }
    const __m256i high = _mm256_set1_epi32((int)0xFFFF0000u);
    for (size_t p = 0; p < pairs; p++) {
        const __m256i raw0 = _mm256_loadu_si256((const __m256i *)(const void *)(panel + p * 2 * CK_PANEL));
        const __m256i raw1 = _mm256_loadu_si256((const __m256i *)(const void *)(panel + p * 2 * CK_PANEL + 16));
        const __m256 even0 = _mm256_castsi256_ps(_mm256_slli_epi32(raw0, 16));
        const __m256 even1 = _mm256_castsi256_ps(_mm256_slli_epi32(raw1, 16));
        const __m256 odd0 = _mm256_castsi256_ps(_mm256_and_si256(raw0, high));
        const __m256 odd1 = _mm256_castsi256_ps(_mm256_and_si256(raw1, high));
        for (int r = 0; r < mr; r++) {
            const __m256 e = _mm256_broadcast_ss(wide + (size_t)r * CK_HW_CHUNK + 2 * p);
            acc[r][0] = _mm256_fmadd_ps(e, even0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(e, even1, acc[r][1]);
            const __m256 o = _mm256_broadcast_ss(wide + (size_t)r * CK_HW_CHUNK + 2 * p + 1);
            acc[r][0] = _mm256_fmadd_ps(o, odd0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(o, odd1, acc[r][1]);
        }
    }
    for (int r = 0; r < mr; r++) {
        _mm256_storeu_ps(c + (size_t)r * ldc, acc[r][0]);
        _mm256_storeu_ps(c + (size_t)r * ldc + 8, acc[r][1]);
    }
}

#define CK_HW_BF16_CASE(MR) \
    case MR: ck_hw_bf16_micro(wide, panel, pairs, c, ldc, fresh, MR); break;

/// Rows r < mr (≤ 4) of `wide` against the 16 columns at `panel`.
static void ck_hw_bf16_quad(const float *wide, const uint16_t *panel, size_t pairs, float *c, size_t ldc, int fresh,
                            int mr) {
    switch (mr) {
        CK_HW_BF16_CASE(1) CK_HW_BF16_CASE(2) CK_HW_BF16_CASE(3) CK_HW_BF16_CASE(4)
    default: break;
    }
}

/// The operands of one bf16 tile.
typedef struct ck_hw_bf16_tile {
    const uint16_t *a;
    size_t lda, pairs;
    const uint16_t *panels;
} ck_hw_bf16_tile;

/// Rows [i, i + mr) against the panel at column `first` (`ck_narrow_block`).
static void ck_hw_bf16_rows(const void *context, size_t i, size_t first, int mr, float *c, size_t ldc) {
    const ck_hw_bf16_tile *t = context;
    const uint16_t *panel = t->panels + (first / CK_PANEL) * t->pairs * 2 * CK_PANEL;
    float wide[8 * CK_HW_CHUNK];
    for (size_t k0 = 0; k0 < 2 * t->pairs; k0 += CK_HW_CHUNK) {
        const size_t n = 2 * t->pairs - k0 < CK_HW_CHUNK ? 2 * t->pairs - k0 : CK_HW_CHUNK;
        for (int r = 0; r < mr; r++) {
            const uint16_t *src = t->a + (i + (size_t)r) * t->lda + k0;
            float *dst = wide + (size_t)r * CK_HW_CHUNK;
            size_t k = 0;
            for (; k + 8 <= n; k += 8) {
                const __m256i bits = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(src + k)));
                _mm256_storeu_ps(dst + k, _mm256_castsi256_ps(_mm256_slli_epi32(bits, 16)));
            }
            for (; k < n; k++) {
                const uint32_t bits = (uint32_t)src[k] << 16;
                __builtin_memcpy(dst + k, &bits, sizeof bits);
            }
        }
        for (int r = 0; r < mr; r += 4) {
            const int rows = mr - r < 4 ? mr - r : 4;
            for (size_t half = 0; half < 2; half++) {
                ck_hw_bf16_quad(wide + (size_t)r * CK_HW_CHUNK, panel + (k0 / 2) * 2 * CK_PANEL + half * CK_PANEL, n / 2,
                                c + (size_t)r * ldc + half * 16, ldc, k0 == 0, rows);
            }
        }
    }
}

void ck_tile_bf16_haswell(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                          size_t d, float *c, size_t ldc) {
    if (m == 0 || j1 <= j0) return;
    const ck_hw_bf16_tile tile = { a, lda, ck_narrow_padded(CK_NARROW_BF16, d) / 2, panels };
    ck_narrow_walk(m, j0, j1, c, ldc, &tile, ck_hw_bf16_rows, 8);
}

// MARK: - int8

/// sums[r·CK_PANEL + 0..15] (+)= Σ_k a_rk·q_k over the `quads` quads of a chunk, for rows r < mr
/// of `staged` (bytes q + 64, `CK_HW_CHUNK` apart) and the 16 columns at `panel` (signed bytes,
/// `4·CK_PANEL` per quad); `fresh` starts from zero.
CK_INLINE void ck_hw_i8_micro(const uint8_t *staged, const int8_t *panel, size_t quads, int32_t *sums, int fresh,
                              const int mr) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[4][2];
    for (int r = 0; r < mr; r++) {
        acc[r][0] = fresh ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(const void *)(sums + r * CK_PANEL));
        acc[r][1] = fresh ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(const void *)(sums + r * CK_PANEL + 8));
    }
    size_t q = 0;
    for (; q + 2 <= quads; q += 2) {
        const int8_t *first = panel + q * 4 * CK_PANEL, *second = first + 4 * CK_PANEL;
        const __m256i p00 = _mm256_loadu_si256((const __m256i *)(const void *)first);
        const __m256i p01 = _mm256_loadu_si256((const __m256i *)(const void *)(first + 32));
        const __m256i p10 = _mm256_loadu_si256((const __m256i *)(const void *)second);
        const __m256i p11 = _mm256_loadu_si256((const __m256i *)(const void *)(second + 32));
        for (int r = 0; r < mr; r++) {
            int32_t quad[2];
            __builtin_memcpy(quad, staged + (size_t)r * CK_HW_CHUNK + 4 * q, sizeof quad);
            const __m256i a0 = _mm256_set1_epi32(quad[0]), a1 = _mm256_set1_epi32(quad[1]);
            const __m256i s0 = _mm256_add_epi16(_mm256_maddubs_epi16(a0, p00), _mm256_maddubs_epi16(a1, p10));
            const __m256i s1 = _mm256_add_epi16(_mm256_maddubs_epi16(a0, p01), _mm256_maddubs_epi16(a1, p11));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(s0, ones));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(s1, ones));
        }
    }
    if (q < quads) {
        const int8_t *last = panel + q * 4 * CK_PANEL;
        const __m256i p0 = _mm256_loadu_si256((const __m256i *)(const void *)last);
        const __m256i p1 = _mm256_loadu_si256((const __m256i *)(const void *)(last + 32));
        for (int r = 0; r < mr; r++) {
            int32_t quad;
            __builtin_memcpy(&quad, staged + (size_t)r * CK_HW_CHUNK + 4 * q, sizeof quad);
            const __m256i a = _mm256_set1_epi32(quad);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(a, p0), ones));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(a, p1), ones));
        }
    }
    for (int r = 0; r < mr; r++) {
        _mm256_storeu_si256((__m256i *)(void *)(sums + r * CK_PANEL), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(void *)(sums + r * CK_PANEL + 8), acc[r][1]);
    }
}

#define CK_HW_I8_CASE(MR) \
    case MR: ck_hw_i8_micro(staged, panel, quads, sums, fresh, MR); break;

/// Rows r < mr (≤ 4) of `staged` against the 16 columns at `panel`.
static void ck_hw_i8_quad(const uint8_t *staged, const int8_t *panel, size_t quads, int32_t *sums, int fresh, int mr) {
    switch (mr) {
        CK_HW_I8_CASE(1) CK_HW_I8_CASE(2) CK_HW_I8_CASE(3) CK_HW_I8_CASE(4)
    default: break;
    }
}

/// The operands of one int8 tile and its quads per row.
typedef struct ck_hw_i8_tile {
    const ck_i8_operands *x;
    size_t quads;
} ck_hw_i8_tile;

/// Rows [i, i + mr) against the panel at column `first` (`ck_narrow_block`).
static void ck_hw_i8_rows(const void *context, size_t i, size_t first, int mr, float *c, size_t ldc) {
    const ck_hw_i8_tile *t = context;
    const ck_i8_operands *x = t->x;
    const int8_t *panel = x->panels + (first / CK_PANEL) * t->quads * 4 * CK_PANEL;
    uint8_t staged[8 * CK_HW_CHUNK];
    int32_t sums[8 * CK_PANEL];
    const __m256i shift = _mm256_set1_epi8(64);
    for (size_t k0 = 0; k0 < 4 * t->quads; k0 += CK_HW_CHUNK) {
        const size_t n = 4 * t->quads - k0 < CK_HW_CHUNK ? 4 * t->quads - k0 : CK_HW_CHUNK;
        for (int r = 0; r < mr; r++) {
            const uint8_t *src = x->a + (i + (size_t)r) * x->lda + k0;
            uint8_t *dst = staged + (size_t)r * CK_HW_CHUNK;
            size_t k = 0;
            for (; k + 32 <= n; k += 32) {
                const __m256i bytes = _mm256_loadu_si256((const __m256i *)(const void *)(src + k));
                _mm256_storeu_si256((__m256i *)(void *)(dst + k), _mm256_sub_epi8(bytes, shift));
            }
            for (; k < n; k++) dst[k] = (uint8_t)(src[k] - 64);
        }
        for (int r = 0; r < mr; r += 4) {
            const int rows = mr - r < 4 ? mr - r : 4;
            for (size_t half = 0; half < 2; half++) {
                ck_hw_i8_quad(staged + (size_t)r * CK_HW_CHUNK, panel + (k0 / 4) * 4 * CK_PANEL + half * 2 * CK_PANEL, n / 4,
                              sums + (size_t)r * CK_PANEL + half * 16, k0 == 0, rows);
            }
        }
    }
    const float *b_fix = x->a_fix ? x->b_fix + first * CK_I8_FIXES : NULL;
    for (int r = 0; r < mr; r++) {
        const __m256 row_scale = _mm256_set1_ps(x->a_scale[i + (size_t)r]);
        const float *a_fix = x->a_fix ? x->a_fix + (i + (size_t)r) * CK_I8_FIXES : NULL;
        for (size_t j = 0; j < CK_PANEL; j += 8) {
            const __m256i bias = _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(x->b_sum + first + j)), 6);
            const __m256i sum = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(sums + r * CK_PANEL + j)), bias);
            __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(sum), _mm256_loadu_ps(x->b_scale + first + j)), row_scale);
            if (a_fix) {
                for (int k = 0; k < CK_I8_FIXES; k++) {
                    const __m256 fk = _mm256_set1_ps(k == CK_I8_FIXES - 1 ? -a_fix[k] : a_fix[k]);
                    scaled = _mm256_fmadd_ps(fk, _mm256_loadu_ps(b_fix + k * CK_PANEL + j), scaled);
                }
            }
            _mm256_storeu_ps(c + (size_t)r * ldc + j, scaled);
        }
    }
}

void ck_tile_i8_haswell(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    if (m == 0 || j1 <= j0) return;
    const ck_hw_i8_tile tile = { x, ck_narrow_padded(CK_NARROW_I8, d) / 4 };
    ck_narrow_walk(m, j0, j1, c, ldc, &tile, ck_hw_i8_rows, 8);
}

#pragma clang attribute pop

#else  // not x86-64: the serial twins

void ck_tile_bf16_haswell(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                          size_t d, float *c, size_t ldc) {
    ck_tile_bf16_serial(a, lda, m, panels, j0, j1, d, c, ldc);
}

void ck_tile_i8_haswell(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    ck_tile_i8_serial(x, m, j0, j1, d, c, ldc);
}

#endif
