/// Threshold scans over a row of similarities (one row of a tile).
///
/// Comparisons are exact `float` comparisons (`row[j] >= t`), so every variant returns exactly
/// what its serial twin returns. Inputs never contain NaN (the engine rejects it at load time).
/// Naming and dispatch as in `ck_spatial.h`.
#ifndef CK_SCAN_H
#define CK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The first j < n with row[j] >= t, or n when there is none ("first column ≥ t").
size_t ck_first_at_least_f32(const float *row, size_t n, float t);
size_t ck_first_at_least_f32_serial(const float *row, size_t n, float t);
size_t ck_first_at_least_f32_haswell(const float *row, size_t n, float t);
size_t ck_first_at_least_f32_skylake(const float *row, size_t n, float t);

/// Writes, in increasing order, every j < n with row[j] >= t into out (room for n entries) and
/// returns how many. The selection step of top-k: the caller keeps the candidates and raises t.
size_t ck_collect_at_least_f32(const float *row, size_t n, float t, uint32_t *out);
size_t ck_collect_at_least_f32_serial(const float *row, size_t n, float t, uint32_t *out);
size_t ck_collect_at_least_f32_haswell(const float *row, size_t n, float t, uint32_t *out);
size_t ck_collect_at_least_f32_skylake(const float *row, size_t n, float t, uint32_t *out);

#ifdef __cplusplus
}
#endif
#endif
