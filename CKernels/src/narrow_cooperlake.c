// bf16 tiles with AVX512_BF16 (`vdpbf16ps`, "cooperlake"). Enabled per function by the pragma
// below; call only when the CPU has AVX512_BF16 (`ck_cpu_detect().avx512_bf16`).
//
// Outer-product register blocking: 8 A rows × one panel of 32 columns in 16 accumulators; each
// step broadcasts one pair of an A row and multiplies it into two 16-column halves of the panel
// (one 64-byte load each). Panels are the outer loop, so a panel stays in L1 while every row
// group of A passes over it (`ck_narrow_walk`).

#include "ck_narrow.h"

#if defined(__x86_64__)

#include "narrow_walk.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl,avx512bf16"))), apply_to = function)

#define CK_INLINE static inline __attribute__((always_inline))

/// c[r·ldc + 0..31] = rows r < mr of A times the 32 columns of `panel`.
CK_INLINE void ck_cl_block(const uint16_t *a, size_t lda, const uint16_t *panel, size_t pairs, float *c, size_t ldc,
                           const int mr) {
    __m512 acc[8][2];
    const uint32_t *rows[8];
    for (int r = 0; r < 8; r++) {
        acc[r][0] = _mm512_setzero_ps();
        acc[r][1] = _mm512_setzero_ps();
        rows[r] = (const uint32_t *)(const void *)(a + (size_t)(r < mr ? r : 0) * lda);
    }
    for (size_t p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(panel + p * 2 * CK_PANEL);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(panel + p * 2 * CK_PANEL + CK_PANEL);
        for (int r = 0; r < mr; r++) {
            const __m512bh pair = (__m512bh)_mm512_set1_epi32((int)rows[r][p]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], pair, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], pair, b1);
        }
    }
    for (int r = 0; r < mr; r++) {
        _mm512_storeu_ps(c + (size_t)r * ldc, acc[r][0]);
        _mm512_storeu_ps(c + (size_t)r * ldc + 16, acc[r][1]);
    }
}

#define CK_CL_CASE(MR) \
    case MR: ck_cl_block(a, t->lda, panel, t->pairs, c, ldc, MR); break;

/// The operands of one tile.
typedef struct ck_cl_tile {
    const uint16_t *a;
    size_t lda, pairs;
    const uint16_t *panels;
} ck_cl_tile;

/// Rows [i, i + mr) against the panel at column `first` (`ck_narrow_block`); mr is a constant in
/// each case, so the loops unroll.
static void ck_cl_rows(const void *context, size_t i, size_t first, int mr, float *c, size_t ldc) {
    const ck_cl_tile *t = context;
    const uint16_t *a = t->a + i * t->lda, *panel = t->panels + (first / CK_PANEL) * t->pairs * 2 * CK_PANEL;
    switch (mr) {
        CK_CL_CASE(1) CK_CL_CASE(2) CK_CL_CASE(3) CK_CL_CASE(4) CK_CL_CASE(5) CK_CL_CASE(6) CK_CL_CASE(7) CK_CL_CASE(8)
    default: break;
    }
}

void ck_tile_bf16_cooperlake(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                             size_t d, float *c, size_t ldc) {
    if (m == 0 || j1 <= j0) return;
    const ck_cl_tile tile = { a, lda, ck_narrow_padded(CK_NARROW_BF16, d) / 2, panels };
    ck_narrow_walk(m, j0, j1, c, ldc, &tile, ck_cl_rows, 8);
}

#pragma clang attribute pop

#else  // not x86-64: the serial twin

void ck_tile_bf16_cooperlake(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                             size_t d, float *c, size_t ldc) {
    ck_tile_bf16_serial(a, lda, m, panels, j0, j1, d, c, ldc);
}

#endif
