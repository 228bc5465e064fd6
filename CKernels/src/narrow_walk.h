// The panel walk shared by the narrow SIMD tiles (internal to CKernels).
#ifndef CK_NARROW_WALK_H
#define CK_NARROW_WALK_H

#include "ck_narrow.h"

#include <string.h>

/// The most rows a walk's block takes at once.
enum { CK_NARROW_MAX_GROUP = 32 };

/// Computes rows [i, i + mr) (mr ≤ the walk's group) of A against the 32 columns of the panel
/// that starts at column `first`, into `c` (row stride `ldc`).
typedef void (*ck_narrow_block)(const void *context, size_t i, size_t first, int mr, float *c, size_t ldc);

/// Fills c[i·ldc + (j − j0)] for i < m, j0 ≤ j < j1 by panels (outer) and groups of `group` rows
/// (inner, group ≤ CK_NARROW_MAX_GROUP), so a panel stays in L1 while every row group passes
/// over it; the columns of a panel that fall outside [j0, j1) are computed into a scratch tile
/// and only the rest copied.
static inline void ck_narrow_walk(size_t m, size_t j0, size_t j1, float *c, size_t ldc, const void *context,
                                  ck_narrow_block block, int group) {
    float scratch[CK_NARROW_MAX_GROUP * CK_PANEL];
    for (size_t first = j0 / CK_PANEL * CK_PANEL; first < j1; first += CK_PANEL) {
        const size_t lo = first < j0 ? j0 : first, hi = first + CK_PANEL < j1 ? first + CK_PANEL : j1;
        const int whole = lo == first && hi == first + CK_PANEL;
        for (size_t i = 0; i < m; i += (size_t)group) {
            const int mr = m - i < (size_t)group ? (int)(m - i) : group;
            if (whole) {
                block(context, i, first, mr, c + i * ldc + (first - j0), ldc);
                continue;
            }
            block(context, i, first, mr, scratch, CK_PANEL);
            for (int r = 0; r < mr; r++) {
                memcpy(c + (i + (size_t)r) * ldc + (lo - j0), scratch + (size_t)r * CK_PANEL + (lo - first), (hi - lo) * sizeof(float));
            }
        }
    }
}

#endif
