// The int8 encoder on the AVX2 ("haswell") and AVX-512 ("skylake") tiers: narrow_encode.h's
// vectors of eight doubles compiled once per tier, each enabled per function by its pragma;
// call one only when ck_isa_supported() covers its tier.

#include "ck_narrow.h"

#if defined(__x86_64__)

#pragma clang attribute push(__attribute__((target("avx,avx2,fma"))), apply_to = function)
#define CK_ENCODE_I8_NAME ck_encode_i8_haswell
#include "narrow_encode.h"
#undef CK_ENCODE_I8_NAME
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl"))), apply_to = function)
#define CK_ENCODE_I8_NAME ck_encode_i8_skylake
#include "narrow_encode.h"
#undef CK_ENCODE_I8_NAME
#pragma clang attribute pop

#else  // not x86-64: forward to the serial twin so the link never fails

double ck_encode_i8_haswell(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum) {
    return ck_encode_i8_serial(src, d, max_code, dst, scale, sum);
}

double ck_encode_i8_skylake(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum) {
    return ck_encode_i8_serial(src, d, max_code, dst, scale, sum);
}

#endif
