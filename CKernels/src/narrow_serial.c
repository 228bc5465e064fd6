// Narrow screening types: layout, encodings, packing and the serial twins of the tiles (see
// ck_narrow.h for the numerics every variant keeps to; cpu.c's table dispatches the tiles).
//
// The twins are deliberately plain: one accumulator per output, components in order, no
// contraction. The int8 twin computes exactly what the AMX, VNNI and AVX2 kernels compute (an exact
// integer sum, then the same three float roundings), so they agree bit for bit; the AVX2 bf16
// kernel sums in the twin's order.

#include "ck_narrow.h"

#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

// MARK: - Layout

size_t ck_narrow_padded(ck_narrow_type type, size_t d) {
    const size_t group = type == CK_NARROW_BF16 ? 2 : 4;
    return (d + group - 1) / group * group;
}

size_t ck_narrow_panel_bytes(ck_narrow_type type, size_t d) {
    // One row of a panel per pair (quad): CK_PANEL columns × 4 bytes.
    const size_t groups = ck_narrow_padded(type, d) / (type == CK_NARROW_BF16 ? 2 : 4);
    return groups * CK_PANEL * 4;
}

// MARK: - Encodings

/// bf16 bits of x, rounded to nearest even; ±0 when |x| < 2⁻¹²⁶ (subnormal inputs read as zero).
static uint16_t ck_bf16_round(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) < 0x00800000u) return (uint16_t)((u >> 16) & 0x8000u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

static float ck_bf16_value(uint16_t bits) {
    const uint32_t u = (uint32_t)bits << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

double ck_encode_bf16(const float *src, size_t d, uint16_t *dst) {
    double error = 0;
    for (size_t k = 0; k < d; k++) {
        dst[k] = ck_bf16_round(src[k]);
        const double delta = (double)src[k] - (double)ck_bf16_value(dst[k]);
        error += delta * delta;
    }
    for (size_t k = d; k < ck_narrow_padded(CK_NARROW_BF16, d); k++) dst[k] = 0;
    return sqrt(error);
}

/// Lanes of the encoder's reductions: independent partial maxima and sums (a maximum is exact in
/// any order; a sum of squares errs by rounding only), which narrow_encode.h keeps as one vector.
enum { CK_ENCODE_LANES = 8 };

double ck_encode_i8_serial(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum) {
    double peaks[CK_ENCODE_LANES] = { 0 };
    size_t k = 0;
    for (; k + CK_ENCODE_LANES <= d; k += CK_ENCODE_LANES) {
        for (int l = 0; l < CK_ENCODE_LANES; l++) {
            const double x = fabs((double)src[k + l]);
            peaks[l] = x > peaks[l] ? x : peaks[l];
        }
    }
    for (; k < d; k++) {
        const double x = fabs((double)src[k]);
        peaks[0] = x > peaks[0] ? x : peaks[0];
    }
    double peak = 0;
    for (int l = 0; l < CK_ENCODE_LANES; l++) peak = peaks[l] > peak ? peaks[l] : peak;
    const size_t padded = ck_narrow_padded(CK_NARROW_I8, d);
    *sum = 0;
    const double codes = max_code;
    *scale = peak == 0 ? 0.0f : (float)(peak / codes);
    if (*scale == 0.0f) {  // a zero row (or one too small to scale): decoded as zeros
        memset(dst, 128, padded);
        double error = 0;
        for (k = 0; k < d; k++) error += (double)src[k] * (double)src[k];
        return sqrt(error);
    }
    // q = x/σ rounded to nearest even by the 1.5·2⁵² trick (|x/σ| ≤ max_code + ½, far below 2⁵¹), then
    // clamped; any integer q is sound, as the error it leaves is measured.
    const double s = (double)*scale, inverse = 1.0 / s, round = 6755399441055744.0;
    double errors[CK_ENCODE_LANES] = { 0 };
    int32_t totals[CK_ENCODE_LANES] = { 0 };
    for (k = 0; k < d; k += CK_ENCODE_LANES) {
        const int lanes = d - k < CK_ENCODE_LANES ? (int)(d - k) : CK_ENCODE_LANES;
        for (int l = 0; l < lanes; l++) {
            double q = ((double)src[k + l] * inverse + round) - round;
            q = q > codes ? codes : q < -codes ? -codes : q;
            dst[k + l] = (uint8_t)((int)q + 128);
            totals[l] += (int32_t)q;
            const double delta = (double)src[k + l] - q * s;  // q·σ is exact in double
            errors[l] += delta * delta;
        }
    }
    double error = 0;
    int32_t total = 0;
    for (int l = 0; l < CK_ENCODE_LANES; l++) {
        error += errors[l];
        total += totals[l];
    }
    *sum = total;
    for (k = d; k < padded; k++) dst[k] = 128;
    return sqrt(error);
}

// MARK: - Packing

void ck_pack_column_bf16(const uint16_t *row, size_t d, uint16_t *panel, size_t col) {
    const size_t pairs = ck_narrow_padded(CK_NARROW_BF16, d) / 2;
    for (size_t p = 0; p < pairs; p++) {
        panel[p * 2 * CK_PANEL + 2 * col] = row[2 * p];
        panel[p * 2 * CK_PANEL + 2 * col + 1] = row[2 * p + 1];
    }
}

void ck_pack_column_i8(const uint8_t *row, size_t d, int8_t *panel, size_t col) {
    // A quad at a time: q + 128 → q flips each byte's top bit.
    const size_t quads = ck_narrow_padded(CK_NARROW_I8, d) / 4;
    for (size_t q = 0; q < quads; q++) {
        uint32_t quad;
        memcpy(&quad, row + 4 * q, sizeof quad);
        quad ^= 0x80808080u;
        memcpy(panel + q * 4 * CK_PANEL + 4 * col, &quad, sizeof quad);
    }
}

// MARK: - Serial tiles

void ck_tile_bf16_serial(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                         size_t d, float *c, size_t ldc) {
    const size_t pairs = ck_narrow_padded(CK_NARROW_BF16, d) / 2;
    const size_t panel_elements = pairs * 2 * CK_PANEL;
    for (size_t i = 0; i < m; i++) {
        const uint16_t *row = a + i * lda;
        for (size_t j = j0; j < j1; j++) {
            const uint16_t *panel = panels + (j / CK_PANEL) * panel_elements;
            const size_t col = j % CK_PANEL;
            float s = 0.0f;
            for (size_t p = 0; p < pairs; p++) {
                s += ck_bf16_value(row[2 * p]) * ck_bf16_value(panel[p * 2 * CK_PANEL + 2 * col]);
                s += ck_bf16_value(row[2 * p + 1]) * ck_bf16_value(panel[p * 2 * CK_PANEL + 2 * col + 1]);
            }
            c[i * ldc + (j - j0)] = s;
        }
    }
}

void ck_tile_i8_serial(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    // The twin subtracts the offset per product instead of using x->b_sum.
    const size_t quads = ck_narrow_padded(CK_NARROW_I8, d) / 4;
    const size_t panel_bytes = quads * 4 * CK_PANEL;
    for (size_t i = 0; i < m; i++) {
        const uint8_t *row = x->a + i * x->lda;
        for (size_t j = j0; j < j1; j++) {
            const int8_t *panel = x->panels + (j / CK_PANEL) * panel_bytes;
            const size_t col = j % CK_PANEL;
            int32_t s = 0;
            for (size_t q = 0; q < quads; q++) {
                for (size_t r = 0; r < 4; r++) s += ((int32_t)row[4 * q + r] - 128) * (int32_t)panel[q * 4 * CK_PANEL + 4 * col + r];
            }
            float v = (float)s;
            v = v * x->b_scale[j];
            v = v * x->a_scale[i];
            if (x->a_fix) {
                const float *f = x->a_fix + i * CK_I8_FIXES, *g = x->b_fix + (j / CK_PANEL) * CK_I8_FIXES * CK_PANEL + col;
                v = fmaf(f[0], g[0], v);
                v = fmaf(f[1], g[CK_PANEL], v);
                v = fmaf(f[2], g[2 * CK_PANEL], v);
                v = fmaf(-f[3], g[3 * CK_PANEL], v);
            }
            c[i * ldc + (j - j0)] = v;
        }
    }
}
