// Serial (portable C) kernels: the reference twins of every SIMD variant.
//
// Kept deliberately plain: one accumulator, increasing index order, no contraction (so the
// result is the same on every platform and compiler, FMA hardware or not).

#include "ck_spatial.h"
#include "ck_scan.h"

#pragma STDC FP_CONTRACT OFF

float ck_dot_f32_serial(const float *a, const float *b, size_t n) {
    float s = 0.0f;
    for (size_t k = 0; k < n; k++) {
        s += a[k] * b[k];
    }
    return s;
}

void ck_normalise_f32_serial(const float *src, float *dst, size_t n, double norm) {
    if (norm == 0.0) {
        for (size_t k = 0; k < n; k++) dst[k] = 0.0f;
        return;
    }
    const double scale = 1.0 / norm;
    for (size_t k = 0; k < n; k++) dst[k] = (float)((double)src[k] * scale);
}

void ck_gemm_nt_f32_serial(const float *a, size_t m, const float *b, size_t n, size_t d,
                           float *c, size_t ldc) {
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            c[i * ldc + j] = ck_dot_f32_serial(a + i * d, b + j * d, d);
        }
    }
}

size_t ck_first_at_least_f32_serial(const float *row, size_t n, float t) {
    for (size_t j = 0; j < n; j++) {
        if (row[j] >= t) return j;
    }
    return n;
}

size_t ck_collect_at_least_f32_serial(const float *row, size_t n, float t, uint32_t *out) {
    size_t count = 0;
    for (size_t j = 0; j < n; j++) {
        if (row[j] >= t) out[count++] = (uint32_t)j;
    }
    return count;
}
