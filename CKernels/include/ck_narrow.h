/// Screening tiles in narrow types: bfloat16 and int8, each with an AVX-512 kernel (`vdpbf16ps`,
/// AVX512_BF16; `vpdpbusd`, AVX512_VNNI), an AVX2 + FMA kernel for CPUs without those, and a
/// portable serial twin; int8 also with AMX tiles (`tdpbusd`, AMX-INT8).
///
/// The engine never decides with these similarities alone: they screen, and every pair within
/// the proven error bound of a threshold is decided again in float and then in double (see the
/// Swift `ExactnessBand`). So the kernels must keep to the numerics stated here:
///
/// - **bf16 encoding** (`ck_encode_bf16`): each float rounded to nearest even on its top 16 bits;
///   a value whose bf16 would be subnormal (|x| < 2⁻¹²⁶) becomes ±0, as the dot instruction reads
///   subnormal inputs as zero. The function returns ‖x − x̂‖ (in double) for the caller's bound.
/// - **bf16 tile**: c = Σ_k â_k·b̂_k; each product of two bf16 is exact in float, and they are
///   summed in float (the serial and AVX2 kernels in k order, one product per step; `vdpbf16ps`
///   two per step), so |c − â·b̂| ≤ γ_d Σ|â_k b̂_k| plus at most 2⁻¹²⁵ per product for flushed
///   subnormal results.
/// - **int8 encoding** (`ck_encode_i8`): σ = fl(max|x| / m) (0 for a zero row), q_k =
///   round(x_k / σ) in [-m, m], decoded x̂_k = q_k·σ exactly; returns ‖x − x̂‖. m is 127, or 63
///   where the AVX2 kernel runs (`ck_i8_max_code`: it sums pairs of products in int16). A rows
///   are stored as bytes q + 128 (unsigned, as `vpdpbusd` multiplies unsigned by signed).
/// - **int8 tile**: the integer sum Σ q_a·q_b is exact in int32 (|Σ| ≤ d·127², so d < 133,000),
///   then c = fl(fl(fl(Σ)·σ_b)·σ_a): three roundings, |c − â·b̂| ≤ ((1+u)³ − 1)|â·b̂|. Every
///   variant gives the same tiles bit for bit on the codes it takes (the AVX2 one: |q| ≤ 63).
/// - **int8 fixes** (optional, a low-rank screen's exact terms): with `CK_I8_FIXES` floats f per
///   row and g per column, c then takes four more fused multiply-adds, in this order:
///   c = fma(f₀, g₀, c), fma(f₁, g₁, c), fma(f₂, g₂, c), fma(−f₃, g₃, c) (each rounded once).
///
/// Layouts: A rows are row-major, `lda` elements apart, padded with zeros (bf16) or 128 (int8)
/// to a whole number of pairs (bf16) or quads (int8). B rows (the columns of a tile) live in
/// panels of `CK_PANEL` columns: for each pair (quad) of components, the 32 columns' pairs
/// (quads) side by side, so one 64-byte load holds 16 columns' worth; `ck_pack_*` writes one
/// column. Column j of a panel array is column j % 32 of panel j / 32; the int8 column scales
/// are read a whole panel at a time (allocate them for whole panels).
///
/// Names: `ck_tile_<type>` dispatches, through the table of `ck_cpu.h`, to the variant
/// `ck_narrow_kernel` names; `_serial`, `_haswell` (AVX2 + FMA), `_cooperlake` (AVX512_BF16),
/// `_icelake` (AVX512_VNNI) and `_sapphirerapids` (AMX-INT8) are the variants, exported so tests
/// can compare them; call a SIMD variant directly only on a CPU that has its instructions (the
/// AMX one only where `ck_cpu_detect().amx_int8`).
#ifndef CK_NARROW_H
#define CK_NARROW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Columns per panel.
enum { CK_PANEL = 32 };

/// The narrow types.
typedef enum ck_narrow_type {
    CK_NARROW_BF16 = 0,  ///< bfloat16, `vdpbf16ps`
    CK_NARROW_I8 = 1,    ///< int8 with a per-row scale, `vpdpbusd` or `tdpbusd`
} ck_narrow_type;

/// The variants of a narrow tile, slowest first.
typedef enum ck_narrow_kernel_variant {
    CK_NARROW_SERIAL = 0,   ///< the portable twin (no AVX2 tier)
    CK_NARROW_HASWELL = 1,  ///< AVX2 + FMA: bf16 widened to float with FMA, int8 codes ≤ 63 with `vpmaddubsw`
    CK_NARROW_AVX512 = 2,   ///< AVX512_BF16 `vdpbf16ps` (bf16) or AVX512_VNNI `vpdpbusd` (int8)
    CK_NARROW_AMX = 3,      ///< int8 only: AMX-INT8 `tdpbusd` tiles with the AVX-512 epilogue
} ck_narrow_kernel_variant;

/// The variant `ck_tile_<type>` runs: for int8 the AMX one when the active tier of `ck_cpu.h` is
/// AVX-512 and the CPU has AMX-INT8 (`ck_cpu_features.amx_int8`); the AVX-512 one when the tier
/// is AVX-512 and the CPU has the type's instruction, else the AVX2 one when the tier is at least
/// AVX2, else the serial twin.
ck_narrow_kernel_variant ck_narrow_kernel(ck_narrow_type type);

/// Whether `ck_tile_<type>` runs a vectorised variant (`ck_narrow_kernel` is not the serial twin).
int ck_narrow_supported(ck_narrow_type type);

/// Elements per stored row (A rows and panel depth): d rounded up to pairs (bf16) or quads (int8).
size_t ck_narrow_padded(ck_narrow_type type, size_t d);

/// Bytes of one panel of `CK_PANEL` columns of dimension d.
size_t ck_narrow_panel_bytes(ck_narrow_type type, size_t d);

/// Encodes d floats as bf16 into dst (room for `ck_narrow_padded` elements, padding zeroed);
/// returns ‖src − decoded‖.
double ck_encode_bf16(const float *src, size_t d, uint16_t *dst);

/// Encodes d floats as int8 codes |q| ≤ `max_code` (≤ 127) into dst (unsigned bytes q + 128,
/// room for `ck_narrow_padded`, padding 128); writes the scale σ and Σ q_k; returns
/// ‖src − decoded‖. Dispatches to the tier's variant: `_serial` (the twin, eight lanes of
/// partial sums), `_haswell` and `_skylake` (the twin's lanes as one vector), equal bit for bit.
double ck_encode_i8(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum);
double ck_encode_i8_serial(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum);
double ck_encode_i8_haswell(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum);
double ck_encode_i8_skylake(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum);

/// The largest int8 code the active `ck_tile_i8` variant takes: 63 for the AVX2 one (its int16
/// pair sums would saturate above), 127 for the others. The AVX2 variant needs rows encoded so.
int ck_i8_max_code(void);

/// Writes an encoded A row (`ck_encode_*` output) as column `col` (< CK_PANEL) of `panel`.
void ck_pack_column_bf16(const uint16_t *row, size_t d, uint16_t *panel, size_t col);
void ck_pack_column_i8(const uint8_t *row, size_t d, int8_t *panel, size_t col);

/// c[i·ldc + (j − j0)] = Σ_k â_ik·b̂_jk for i < m and j0 ≤ j < j1 (bf16: A rows `lda` elements
/// apart; columns in `panels`). m or j1 − j0 may be 0.
void ck_tile_bf16(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1, size_t d,
                  float *c, size_t ldc);
void ck_tile_bf16_serial(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                         size_t d, float *c, size_t ldc);
void ck_tile_bf16_haswell(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                          size_t d, float *c, size_t ldc);
void ck_tile_bf16_cooperlake(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1,
                             size_t d, float *c, size_t ldc);

/// Fixes per row and per column of an int8 tile with fixes.
enum { CK_I8_FIXES = 4 };

/// The operands of an int8 tile. A rows of unsigned bytes `lda` apart with scales `a_scale`;
/// columns in `panels` with their scales `b_scale` and component sums `b_sum`, indexed by
/// column. Fixes, both or neither (NULL): row i's at `a_fix + CK_I8_FIXES·i`; column j's f-th
/// at `b_fix + (j / CK_PANEL)·CK_I8_FIXES·CK_PANEL + f·CK_PANEL + j % CK_PANEL` (whole panels).
typedef struct ck_i8_operands {
    const uint8_t *a;
    size_t lda;
    const float *a_scale;
    const float *a_fix;
    const int8_t *panels;
    const float *b_scale;
    const int32_t *b_sum;
    const float *b_fix;
} ck_i8_operands;

/// c[i·ldc + (j − j0)] = fl(fl(fl(Σ_k q_ik·q_jk)·σ_j)·σ_i), then the fixes if given, for i < m
/// and j0 ≤ j < j1.
void ck_tile_i8(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc);
void ck_tile_i8_serial(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc);
void ck_tile_i8_haswell(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc);
void ck_tile_i8_icelake(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc);
void ck_tile_i8_sapphirerapids(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c,
                               size_t ldc);

/// The depth an int8 tile of dimension d costs as on the active variant: AMX takes a row in
/// whole steps of a tile's 64 bytes however many it fills (d = 160: four steps of 40 bytes, the
/// cost of 256), the others the padded d (as does AMX where it leaves d to the VNNI kernel).
size_t ck_tile_i8_depth(size_t d);
size_t ck_tile_i8_sapphirerapids_depth(size_t d);

#ifdef __cplusplus
}
#endif
#endif
