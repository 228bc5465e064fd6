// int8 tiles with AVX512_VNNI (`vpdpbusd`, "icelake"). Enabled per function by the pragma below;
// call only when the CPU has AVX512_VNNI (`ck_cpu_detect().avx512_vnni`).
//
// The blocking and panel walk of the bf16 kernel (narrow_cooperlake.c) with quads instead of pairs: each step
// broadcasts four unsigned bytes (q + 128) of an A row and multiplies them into two 16-column
// halves of the panel (signed bytes). The int32 sums wrap, and the offset 128·Σq_b is taken off
// at the end, so the result is the exact Σ q_a·q_b whenever it fits in int32 (d < 133,000);
// then fl(fl(fl(Σ)·σ_b)·σ_a), in the serial twin's order.

#include "ck_narrow.h"

#if defined(__x86_64__)

#include "narrow_walk.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni"))), apply_to = function)

#include "narrow_i8_epilogue.h"

#define CK_INLINE static inline __attribute__((always_inline))

/// c[r·ldc + 0..31] = rows r < mr of A times the 32 columns of `panel` (columns `first`...).
CK_INLINE void ck_il_block(const uint8_t *a, size_t lda, const float *a_scale, const float *a_fix, const int8_t *panel,
                           size_t quads, const float *b_scale, const int32_t *b_sum, const float *b_fix, float *c, size_t ldc,
                           const int mr) {
    __m512i acc[8][2];
    const uint32_t *rows[8];
    for (int r = 0; r < 8; r++) {
        acc[r][0] = _mm512_setzero_si512();
        acc[r][1] = _mm512_setzero_si512();
        rows[r] = (const uint32_t *)(const void *)(a + (size_t)(r < mr ? r : 0) * lda);
    }
    for (size_t q = 0; q < quads; q++) {
        const __m512i b0 = _mm512_loadu_si512(panel + q * 4 * CK_PANEL);
        const __m512i b1 = _mm512_loadu_si512(panel + q * 4 * CK_PANEL + 2 * CK_PANEL);
        for (int r = 0; r < mr; r++) {
            const __m512i quad = _mm512_set1_epi32((int)rows[r][q]);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], quad, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], quad, b1);
        }
    }
    const ck_i8_panel_terms terms = ck_i8_panel_load(b_scale, b_sum, b_fix);
    for (int r = 0; r < mr; r++) {
        ck_i8_row_epilogue(acc[r][0], acc[r][1], &terms, a_scale[r], a_fix ? a_fix + (size_t)r * CK_I8_FIXES : NULL,
                           c + (size_t)r * ldc);
    }
}

#define CK_IL_CASE(MR)                                                                                        \
    case MR:                                                                                                  \
        ck_il_block(a, x->lda, x->a_scale + i, a_fix, panel, t->quads, x->b_scale + first, x->b_sum + first, b_fix, c, \
                    ldc, MR);                                                                                 \
        break;

/// The operands of one tile and its quads per row.
typedef struct ck_il_tile {
    const ck_i8_operands *x;
    size_t quads;
} ck_il_tile;

/// Rows [i, i + mr) against the panel at column `first` (`ck_narrow_block`); mr is a constant in
/// each case, so the loops unroll.
static void ck_il_rows(const void *context, size_t i, size_t first, int mr, float *c, size_t ldc) {
    const ck_il_tile *t = context;
    const ck_i8_operands *x = t->x;
    const uint8_t *a = x->a + i * x->lda;
    const int8_t *panel = x->panels + (first / CK_PANEL) * t->quads * 4 * CK_PANEL;
    const float *a_fix = x->a_fix ? x->a_fix + i * CK_I8_FIXES : NULL;
    const float *b_fix = x->a_fix ? x->b_fix + first * CK_I8_FIXES : NULL;
    switch (mr) {
        CK_IL_CASE(1) CK_IL_CASE(2) CK_IL_CASE(3) CK_IL_CASE(4) CK_IL_CASE(5) CK_IL_CASE(6) CK_IL_CASE(7) CK_IL_CASE(8)
    default: break;
    }
}

void ck_tile_i8_icelake(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    if (m == 0 || j1 <= j0) return;
    const ck_il_tile tile = { x, ck_narrow_padded(CK_NARROW_I8, d) / 4 };
    ck_narrow_walk(m, j0, j1, c, ldc, &tile, ck_il_rows, 8);
}

#pragma clang attribute pop

#else  // not x86-64: the serial twin

void ck_tile_i8_icelake(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    ck_tile_i8_serial(x, m, j0, j1, d, c, ldc);
}

#endif
