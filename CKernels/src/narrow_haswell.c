// bf16 and int8 tiles with AVX2 + FMA ("haswell"), for CPUs without AVX512_BF16 / AVX512_VNNI.
// Enabled per function by the pragma below; call only when ck_isa_supported() covers CK_ISA_AVX2.
//
// The panel layout and walk are those of the AVX-512 kernels (`ck_narrow_walk`). A block of up to
// 8 rows × one panel widens the rows' components, a chunk at a time, into a stack buffer, then
// runs 4-row × 16-column micro-kernels over the chunk: per pair (quad) of components, two 32-byte
// panel loads hold 8 columns each, split in registers into their even and odd components.
//
// - bf16: a bf16 value is the top half of a float, so a shift (even components) or a mask (odd
//   ones) widens it exactly; c += â_k·b̂_k by FMA, one accumulator per output, k in order. A
//   product of two bf16 has at most 16 significant bits, so it is exact in float (normal inputs,
//   subnormals are flushed by the encoding) and fl(â_k·b̂_k + c) = fl(fl(â_k·b̂_k) + c): the sum
//   is the serial twin's, bit for bit, unless a product underflows below 2⁻¹²⁶, and in any case
//   a float sum of exact products, which is what `ExactnessBand`'s bf16 term bounds (γ_n·Σ|â_k b̂_k|
//   plus 2⁻¹²⁵ per product).
// - int8: bytes sign-extended to int16 (a shift pair for even bytes, an arithmetic shift for odd
//   ones) and `vpmaddwd` (two int16 products summed exactly into int32: |q| ≤ 127, so no
//   saturation, unlike `vpmaddubsw`), added in int32. Integer sums are exact in any order, so
//   Σ q_a·q_b is the serial and VNNI kernels' whenever it fits in int32 (d < 133,000); then
//   fl(fl(fl(Σ)·σ_b)·σ_a) in the same order: bit for bit the same tiles.

#include "ck_narrow.h"

#if defined(__x86_64__)

#include "narrow_walk.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx,avx2,fma"))), apply_to = function)

#define CK_INLINE static inline __attribute__((always_inline))

/// Components of A widened per chunk (a multiple of 8).
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
    ck_narrow_walk(m, j0, j1, c, ldc, &tile, ck_hw_bf16_rows);
}

// MARK: - int8

/// sums[r·CK_PANEL + 0..15] (+)= Σ_k q_rk·q_k over the `quads` quads of a chunk, for rows r < mr
/// of `wide` (int16, each quad stored as q0 q2 q1 q3) and the 16 columns at `panel` (signed
/// bytes, `4·CK_PANEL` per quad); `fresh` starts from zero.
CK_INLINE void ck_hw_i8_micro(const int16_t *wide, const int8_t *panel, size_t quads, int32_t *sums, int fresh,
                              const int mr) {
    __m256i acc[4][2];
    for (int r = 0; r < mr; r++) {
        acc[r][0] = fresh ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(const void *)(sums + r * CK_PANEL));
        acc[r][1] = fresh ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(const void *)(sums + r * CK_PANEL + 8));
    }
    for (size_t q = 0; q < quads; q++) {
        const __m256i raw0 = _mm256_loadu_si256((const __m256i *)(const void *)(panel + q * 4 * CK_PANEL));
        const __m256i raw1 = _mm256_loadu_si256((const __m256i *)(const void *)(panel + q * 4 * CK_PANEL + 32));
        // Per column (one int32 lane): q0 and q2 as int16 in `even`, q1 and q3 in `odd`.
        const __m256i even0 = _mm256_srai_epi16(_mm256_slli_epi16(raw0, 8), 8);
        const __m256i even1 = _mm256_srai_epi16(_mm256_slli_epi16(raw1, 8), 8);
        const __m256i odd0 = _mm256_srai_epi16(raw0, 8), odd1 = _mm256_srai_epi16(raw1, 8);
        for (int r = 0; r < mr; r++) {
            int32_t pairs[2];
            __builtin_memcpy(pairs, wide + (size_t)r * CK_HW_CHUNK + 4 * q, sizeof pairs);
            const __m256i e = _mm256_set1_epi32(pairs[0]), o = _mm256_set1_epi32(pairs[1]);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(e, even0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(e, even1));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(o, odd0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(o, odd1));
        }
    }
    for (int r = 0; r < mr; r++) {
        _mm256_storeu_si256((__m256i *)(void *)(sums + r * CK_PANEL), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(void *)(sums + r * CK_PANEL + 8), acc[r][1]);
    }
}

#define CK_HW_I8_CASE(MR) \
    case MR: ck_hw_i8_micro(wide, panel, quads, sums, fresh, MR); break;

/// Rows r < mr (≤ 4) of `wide` against the 16 columns at `panel`.
static void ck_hw_i8_quad(const int16_t *wide, const int8_t *panel, size_t quads, int32_t *sums, int fresh, int mr) {
    switch (mr) {
        CK_HW_I8_CASE(1) CK_HW_I8_CASE(2) CK_HW_I8_CASE(3) CK_HW_I8_CASE(4)
    default: break;
    }
}

/// The operands of one int8 tile.
typedef struct ck_hw_i8_tile {
    const uint8_t *a;
    size_t lda, quads;
    const float *a_scale;
    const int8_t *panels;
    const float *b_scale;
} ck_hw_i8_tile;

/// Rows [i, i + mr) against the panel at column `first` (`ck_narrow_block`).
static void ck_hw_i8_rows(const void *context, size_t i, size_t first, int mr, float *c, size_t ldc) {
    const ck_hw_i8_tile *t = context;
    const int8_t *panel = t->panels + (first / CK_PANEL) * t->quads * 4 * CK_PANEL;
    int16_t wide[8 * CK_HW_CHUNK];
    int32_t sums[8 * CK_PANEL];
    // Within each quad: bytes 0 2 1 3, so q0 q2 and q1 q3 are one int32 each.
    const __m128i order = _mm_setr_epi8(0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15);
    const __m256i offset = _mm256_set1_epi16(128);
    for (size_t k0 = 0; k0 < 4 * t->quads; k0 += CK_HW_CHUNK) {
        const size_t n = 4 * t->quads - k0 < CK_HW_CHUNK ? 4 * t->quads - k0 : CK_HW_CHUNK;
        for (int r = 0; r < mr; r++) {
            const uint8_t *src = t->a + (i + (size_t)r) * t->lda + k0;
            int16_t *dst = wide + (size_t)r * CK_HW_CHUNK;
            size_t k = 0;
            for (; k + 16 <= n; k += 16) {
                const __m128i bytes = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(src + k)), order);
                _mm256_storeu_si256((__m256i *)(void *)(dst + k), _mm256_sub_epi16(_mm256_cvtepu8_epi16(bytes), offset));
            }
            for (; k < n; k += 4) {
                dst[k] = (int16_t)(src[k] - 128);
                dst[k + 1] = (int16_t)(src[k + 2] - 128);
                dst[k + 2] = (int16_t)(src[k + 1] - 128);
                dst[k + 3] = (int16_t)(src[k + 3] - 128);
            }
        }
        for (int r = 0; r < mr; r += 4) {
            const int rows = mr - r < 4 ? mr - r : 4;
            for (size_t half = 0; half < 2; half++) {
                ck_hw_i8_quad(wide + (size_t)r * CK_HW_CHUNK, panel + (k0 / 4) * 4 * CK_PANEL + half * 2 * CK_PANEL, n / 4,
                              sums + (size_t)r * CK_PANEL + half * 16, k0 == 0, rows);
            }
        }
    }
    for (int r = 0; r < mr; r++) {
        const __m256 row_scale = _mm256_set1_ps(t->a_scale[i + (size_t)r]);
        for (size_t j = 0; j < CK_PANEL; j += 8) {
            const __m256 v = _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(const void *)(sums + r * CK_PANEL + j)));
            const __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(v, _mm256_loadu_ps(t->b_scale + first + j)), row_scale);
            _mm256_storeu_ps(c + (size_t)r * ldc + j, scaled);
        }
    }
}

void ck_tile_i8_haswell(const uint8_t *a, size_t lda, const float *a_scale, size_t m, const int8_t *panels,
                        const float *b_scale, const int32_t *b_sum, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    (void)b_sum;  // the rows are widened as q, not q + 128: no offset to take off
    if (m == 0 || j1 <= j0) return;
    const ck_hw_i8_tile tile = { a, lda, ck_narrow_padded(CK_NARROW_I8, d) / 4, a_scale, panels, b_scale };
    ck_narrow_walk(m, j0, j1, c, ldc, &tile, ck_hw_i8_rows);
}

#pragma clang attribute pop

#else  // not x86-64: the serial twins

void ck_tile_bf16_haswell(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                          size_t d, float *c, size_t ldc) {
    ck_tile_bf16_serial(a, lda, m, panels, j0, j1, d, c, ldc);
}

void ck_tile_i8_haswell(const uint8_t *a, size_t lda, const float *a_scale, size_t m, const int8_t *panels,
                        const float *b_scale, const int32_t *b_sum, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    ck_tile_i8_serial(a, lda, a_scale, m, panels, b_scale, b_sum, j0, j1, d, c, ldc);
}

#endif
