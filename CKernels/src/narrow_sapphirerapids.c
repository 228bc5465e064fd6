// int8 tiles with AMX (`tdpbusd`, "sapphirerapids"). Enabled per function by the pragma below;
// call only when `ck_cpu_detect().amx_int8`. The first call asks Linux for the tile state
// (`ck_amx_enable`); where it is refused every tile runs on the VNNI kernel.
//
// Rows go in groups of 32 against one 32-column panel at a time: four 16 × 16 int32 accumulator
// tiles (0-3), two A tiles of 16 rows (4, 5) and two B tiles of 16 columns (6, 7). The panel
// layout is already AMX's B layout (for each quad, the columns' four bytes side by side), so a B
// tile is read straight from the panel with a stride of one panel row. A tiles hold unsigned
// bytes q + 128 and B tiles signed codes, as in the VNNI kernel; the int32 sums wrap, and the
// shared AVX-512 epilogue takes the offset off, so the tiles equal the VNNI kernel's and the
// serial twin's bit for bit. Rows left over after the groups of 32 run as one group padded with
// zero codes (or, when only a few, on the VNNI kernel), and tiles of a dimension without a long
// enough step (`CK_AMX_MIN_STEP`) run on the VNNI kernel. The panels and row groups are walked
// as in the other narrow kernels (`ck_narrow_walk`).

#include "ck_narrow.h"
#include "amx_state.h"
#include "narrow_walk.h"

#if defined(__x86_64__) && defined(__linux__)

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,amx-tile,amx-int8"))), apply_to = function)

#include "narrow_i8_epilogue.h"

/// Rows per group: two A tiles of 16. Dimensions whose quads split only into steps shorter than
/// `CK_AMX_MIN_STEP` (a prime number of quads above 16, say) run the VNNI kernel.
enum { CK_AMX_ROWS = 32, CK_AMX_MIN_STEP = 8 };

/// Rows left over after the groups of 32 run as one padded group when there are at least
/// `CK_AMX_MIN_SHORT` of them and a row takes at most `CK_AMX_PAD_BYTES` (the padded copy lives
/// on the stack); fewer, or longer, run on the VNNI kernel. (d = 384 on a Xeon model 207: a
/// padded group of 11 or more rows beats the VNNI kernel per entry, of 4 or fewer loses 2-4×.)
enum { CK_AMX_MIN_SHORT = 12, CK_AMX_PAD_BYTES = 1536 };

/// The 64-byte tile configuration of `ldtilecfg` (palette 1).
typedef struct ck_amx_config {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} ck_amx_config;

/// Quads per step along a row of `quads` quads: the largest divisor of `quads` that is at most
/// 16 (an A tile row holds 64 bytes), so every step loads whole tiles and no byte past a row's
/// end; 0 where that is shorter than `CK_AMX_MIN_STEP` (or the row empty) and the VNNI kernel
/// takes the dimension.
static size_t ck_amx_step(size_t quads) {
    size_t step = 16;
    while (quads % step != 0) step--;
    return quads == 0 || step < CK_AMX_MIN_STEP ? 0 : step;
}

/// Accumulators 0-3 as 16 × 16 each, A tiles 4-5 as 16 rows of `step` quads, B tiles 6-7 as
/// `step` quads of 16 columns.
static void ck_amx_configure(size_t step) {
    ck_amx_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.rows[t] = t >= 6 ? (uint8_t)step : 16;
        config.bytes_per_row[t] = t >= 4 && t < 6 ? (uint16_t)(4 * step) : 64;
    }
    _tile_loadconfig(&config);
}

/// sums[r·32 + j] = Σ_k (q_rk + 128)·q_jk for the 32 rows at `a` and the 32 columns of `panel`.
static inline __attribute__((always_inline)) void ck_amx_group(const uint8_t *a, size_t lda, const int8_t *panel,
                                                               size_t quads, size_t step, int32_t *sums) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (size_t q = 0; q < quads; q += step) {
        _tile_loadd(4, a + 4 * q, lda);
        _tile_loadd(5, a + 16 * lda + 4 * q, lda);
        _tile_loadd(6, panel + q * 4 * CK_PANEL, 4 * CK_PANEL);
        _tile_loadd(7, panel + q * 4 * CK_PANEL + 64, 4 * CK_PANEL);
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(1, 4, 7);
        _tile_dpbusd(2, 5, 6);
        _tile_dpbusd(3, 5, 7);
    }
    _tile_stored(0, sums, CK_PANEL * 4);
    _tile_stored(1, sums + 16, CK_PANEL * 4);
    _tile_stored(2, sums + 16 * CK_PANEL, CK_PANEL * 4);
    _tile_stored(3, sums + 16 * CK_PANEL + 16, CK_PANEL * 4);
}

/// The operands of one tile, its quads per row and per step.
typedef struct ck_amx_tile {
    const ck_i8_operands *x;
    size_t quads, step;
} ck_amx_tile;

/// Rows [i, i + 32) against the panel at column `first` (`ck_narrow_block`): all 32 rows are
/// computed, the first mr kept (a short group's A rows are padded, `ck_amx_short_group`).
static void ck_amx_rows(const void *context, size_t i, size_t first, int mr, float *c, size_t ldc) {
    const ck_amx_tile *t = context;
    const ck_i8_operands *x = t->x;
    int32_t sums[CK_AMX_ROWS * CK_PANEL] __attribute__((aligned(64)));
    ck_amx_group(x->a + i * x->lda, x->lda, x->panels + (first / CK_PANEL) * t->quads * 4 * CK_PANEL, t->quads, t->step, sums);
    const float *b_fix = x->a_fix ? x->b_fix + first * CK_I8_FIXES : NULL;
    const ck_i8_panel_terms terms = ck_i8_panel_load(x->b_scale + first, x->b_sum + first, b_fix);
    for (int r = 0; r < mr; r++) {
        const int32_t *row = sums + r * CK_PANEL;
        ck_i8_row_epilogue(_mm512_load_si512(row), _mm512_load_si512(row + 16), &terms, x->a_scale[i + r],
                           x->a_fix ? x->a_fix + (i + r) * CK_I8_FIXES : NULL, c + (size_t)r * ldc);
    }
}

/// Rows [0, mr) of `x` (mr < 32, `x->lda` ≤ CK_AMX_PAD_BYTES) as one padded group: the rows
/// copied into 32 rows on the stack, the rest zero codes, and only mr rows kept.
static void ck_amx_short_group(const ck_i8_operands *x, size_t mr, size_t j0, size_t j1, float *c, size_t ldc,
                               size_t quads, size_t step) {
    uint8_t padded[CK_AMX_ROWS * CK_AMX_PAD_BYTES] __attribute__((aligned(64)));
    memcpy(padded, x->a, mr * x->lda);
    memset(padded + mr * x->lda, 128, (CK_AMX_ROWS - mr) * x->lda);
    ck_i8_operands rows = *x;
    rows.a = padded;
    const ck_amx_tile tile = { &rows, quads, step };
    ck_narrow_walk(mr, j0, j1, c, ldc, &tile, ck_amx_rows, CK_AMX_ROWS);
}

void ck_tile_i8_sapphirerapids(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    if (m == 0 || j1 <= j0) return;
    const size_t quads = ck_narrow_padded(CK_NARROW_I8, d) / 4;
    const size_t step = ck_amx_step(quads);
    const int amx = step > 0 && ck_amx_enable();
    const size_t grouped = amx ? m / CK_AMX_ROWS * CK_AMX_ROWS : 0, left = m - grouped;
    // Left-over rows: a padded group where enough of them share it and they fit on the stack.
    const int pad = amx && left >= CK_AMX_MIN_SHORT && x->lda <= CK_AMX_PAD_BYTES;
    if (grouped == 0 && !pad) {
        ck_tile_i8_icelake(x, m, j0, j1, d, c, ldc);
        return;
    }
    ck_amx_configure(step);
    const ck_amx_tile tile = { x, quads, step };
    ck_narrow_walk(grouped, j0, j1, c, ldc, &tile, ck_amx_rows, CK_AMX_ROWS);
    ck_i8_operands rest = *x;
    rest.a += grouped * x->lda;
    rest.a_scale += grouped;
    if (rest.a_fix) rest.a_fix += grouped * CK_I8_FIXES;
    if (pad) ck_amx_short_group(&rest, left, j0, j1, c + grouped * ldc, ldc, quads, step);
    _tile_release();
    if (left > 0 && !pad) ck_tile_i8_icelake(&rest, left, j0, j1, d, c + grouped * ldc, ldc);
}

#pragma clang attribute pop

size_t ck_tile_i8_sapphirerapids_depth(size_t d) {
    const size_t quads = ck_narrow_padded(CK_NARROW_I8, d) / 4;
    const size_t step = ck_amx_step(quads);
    return step == 0 ? 4 * quads : quads / step * 64;
}

/// Linux's `arch_prctl` request for permission to use an extended state component, and AMX's
/// tile data component.
enum { CK_ARCH_REQ_XCOMP_PERM = 0x1023, CK_XFEATURE_XTILEDATA = 18 };

/// 0 before the request, then 1 (granted) or -1 (refused). Two first callers may both ask: the
/// answers agree.
static _Atomic int ck_amx_answer = 0;

int ck_amx_enable(void) {
    int answer = atomic_load_explicit(&ck_amx_answer, memory_order_acquire);
    if (answer == 0) {
        answer = syscall(SYS_arch_prctl, CK_ARCH_REQ_XCOMP_PERM, CK_XFEATURE_XTILEDATA) == 0 ? 1 : -1;
        atomic_store_explicit(&ck_amx_answer, answer, memory_order_release);
    }
    return answer == 1;
}

#else  // no AMX: the VNNI kernel

void ck_tile_i8_sapphirerapids(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    ck_tile_i8_icelake(x, m, j0, j1, d, c, ldc);
}

int ck_amx_enable(void) { return 0; }

size_t ck_tile_i8_sapphirerapids_depth(size_t d) { return ck_narrow_padded(CK_NARROW_I8, d); }

#endif
