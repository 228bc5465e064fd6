// The float epilogue of the AVX-512 int8 tiles (internal to CKernels): one tile row of a
// 32-column panel from its two vectors of int32 sums. Include it after the file's AVX-512
// `#pragma clang attribute push`, so the function takes that target.
#ifndef CK_NARROW_I8_EPILOGUE_H
#define CK_NARROW_I8_EPILOGUE_H

#include "ck_narrow.h"

#include <immintrin.h>

/// One panel's column terms, loaded once for all its rows: the offsets 128·Σq_b that unsigned A
/// bytes add, the column scales and (when the tile has fixes) the columns' fixes.
typedef struct ck_i8_panel_terms {
    __m512i offset[2];
    __m512 scale[2];
    __m512 fix[CK_I8_FIXES][2];
} ck_i8_panel_terms;

/// The terms of the 32 columns from `first`: scales and sums indexed by column from `b_scale`
/// and `b_sum` (already offset to `first`), fixes from `b_fix` (the panel's, or NULL).
static inline __attribute__((always_inline)) ck_i8_panel_terms ck_i8_panel_load(const float *b_scale, const int32_t *b_sum,
                                                                                const float *b_fix) {
    ck_i8_panel_terms t;
    for (int h = 0; h < 2; h++) {
        t.offset[h] = _mm512_slli_epi32(_mm512_loadu_si512(b_sum + 16 * h), 7);
        t.scale[h] = _mm512_loadu_ps(b_scale + 16 * h);
        for (int k = 0; k < CK_I8_FIXES; k++) {
            t.fix[k][h] = b_fix ? _mm512_loadu_ps(b_fix + k * CK_PANEL + 16 * h) : _mm512_setzero_ps();
        }
    }
    return t;
}

/// c[0..31] = fl(fl(fl(Σ)·σ_b)·σ_a) for the biased sums `sum0`, `sum1` (columns 0-15, 16-31),
/// then the row's fixes `a_fix` (or none when NULL), in the serial twin's order.
static inline __attribute__((always_inline)) void ck_i8_row_epilogue(__m512i sum0, __m512i sum1, const ck_i8_panel_terms *t,
                                                                     float a_scale, const float *a_fix, float *c) {
    const __m512 row_scale = _mm512_set1_ps(a_scale);
    const __m512 v0 = _mm512_cvtepi32_ps(_mm512_sub_epi32(sum0, t->offset[0]));
    const __m512 v1 = _mm512_cvtepi32_ps(_mm512_sub_epi32(sum1, t->offset[1]));
    __m512 c0 = _mm512_mul_ps(_mm512_mul_ps(v0, t->scale[0]), row_scale);
    __m512 c1 = _mm512_mul_ps(_mm512_mul_ps(v1, t->scale[1]), row_scale);
    if (a_fix) {
        for (int k = 0; k < CK_I8_FIXES; k++) {
            const __m512 fk = _mm512_set1_ps(k == CK_I8_FIXES - 1 ? -a_fix[k] : a_fix[k]);
            c0 = _mm512_fmadd_ps(fk, t->fix[k][0], c0);
            c1 = _mm512_fmadd_ps(fk, t->fix[k][1], c1);
        }
    }
    _mm512_storeu_ps(c, c0);
    _mm512_storeu_ps(c + 16, c1);
}

#endif
