// The int8 encoder of ck_narrow.h on vectors: the serial twin's eight lanes (CK_ENCODE_LANES) as
// one vector of eight doubles, so each lane does what the twin's lane does, in the same order.
// Element-wise IEEE operations, no contraction, and the lane sums added up as the twin adds them:
// codes, scale, Σq and the returned error are the twin's bit for bit. Each inclusion, inside a
// target pragma (the vectors become two ymm or one zmm registers), defines the function
// `CK_ENCODE_I8_NAME` (narrow_encode.c); the helpers are defined once and inlined into each.

#ifndef CK_NARROW_ENCODE_H
#define CK_NARROW_ENCODE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define CK_ENC_INLINE static inline __attribute__((always_inline))

typedef float ck_enc_f8 __attribute__((ext_vector_type(8)));
typedef double ck_enc_d8 __attribute__((ext_vector_type(8)));
typedef int32_t ck_enc_i8 __attribute__((ext_vector_type(8)));
typedef uint8_t ck_enc_u8 __attribute__((ext_vector_type(8)));

/// The encoder's constants: σ (as a double), 1/σ, the rounding constant and the code range.
typedef struct ck_enc_scale {
    double sigma, inverse;
    ck_enc_d8 round, low, high;
} ck_enc_scale;

/// Encodes eight components `*x` into bytes q + 128, adding each lane's q and (x − qσ)² to its
/// sums. q = x/σ rounded to nearest even by the 1.5·2⁵² trick, then clamped, as in the twin.
/// (Vectors go by pointer: a 512-bit vector argument would have two ABIs.)
CK_ENC_INLINE ck_enc_u8 ck_enc_step(const ck_enc_d8 *components, const ck_enc_scale *s, ck_enc_d8 *errors, ck_enc_i8 *totals) {
#pragma STDC FP_CONTRACT OFF
    const ck_enc_d8 x = *components;
    ck_enc_d8 q = (x * s->inverse + s->round) - s->round;
    q = q > s->high ? s->high : q;
    q = q < s->low ? s->low : q;
    const ck_enc_i8 whole = __builtin_convertvector(q, ck_enc_i8);
    *totals += whole;
    const ck_enc_d8 delta = x - q * s->sigma;
    *errors += delta * delta;
    return __builtin_convertvector(whole + 128, ck_enc_u8);
}

/// The `n` < 8 components from src as doubles, zeros past them (a zero encodes as q = 0 with no
/// error, so the zero lanes leave every sum as it was).
CK_ENC_INLINE void ck_enc_tail(const float *src, size_t n, ck_enc_d8 *x) {
    ck_enc_f8 v = 0;
    memcpy(&v, src, n * sizeof(float));
    *x = __builtin_convertvector(v, ck_enc_d8);
}

/// Eight components from src as doubles.
CK_ENC_INLINE void ck_enc_load(const float *src, ck_enc_d8 *x) {
    ck_enc_f8 v;
    memcpy(&v, src, sizeof v);
    *x = __builtin_convertvector(v, ck_enc_d8);
}

#endif

double CK_ENCODE_I8_NAME(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum) {
    enum { lanes = 8 };
    const size_t whole = d / lanes * lanes, rest = d - whole;
    ck_enc_d8 peaks = 0, x;
    for (size_t k = 0; k < whole; k += lanes) {
        ck_enc_load(src + k, &x);
        peaks = __builtin_elementwise_max(peaks, __builtin_elementwise_abs(x));
    }
    if (rest) {
        ck_enc_tail(src + whole, rest, &x);
        peaks = __builtin_elementwise_max(peaks, __builtin_elementwise_abs(x));
    }
    double peak = 0;
    for (int l = 0; l < lanes; l++) peak = peaks[l] > peak ? peaks[l] : peak;
    const double codes = max_code;
    const float sigma = peak == 0 ? 0.0f : (float)(peak / codes);
    // A zero row (or one too small to scale) is rare: the twin handles it.
    if (sigma == 0.0f) return ck_encode_i8_serial(src, d, max_code, dst, scale, sum);
    const ck_enc_scale s = { sigma, 1.0 / (double)sigma, 6755399441055744.0, -codes, codes };
    ck_enc_d8 errors = 0;
    ck_enc_i8 totals = 0;
    for (size_t k = 0; k < whole; k += lanes) {
        ck_enc_load(src + k, &x);
        const ck_enc_u8 bytes = ck_enc_step(&x, &s, &errors, &totals);
        memcpy(dst + k, &bytes, lanes);
    }
    if (rest) {
        ck_enc_tail(src + whole, rest, &x);
        const ck_enc_u8 bytes = ck_enc_step(&x, &s, &errors, &totals);
        memcpy(dst + whole, &bytes, rest);
    }
    double error = 0;
    int32_t total = 0;
    for (int l = 0; l < lanes; l++) {
        error += errors[l];
        total += totals[l];
    }
    *scale = sigma;
    *sum = total;
    for (size_t k = d; k < ck_narrow_padded(CK_NARROW_I8, d); k++) dst[k] = 128;
    return sqrt(error);
}
