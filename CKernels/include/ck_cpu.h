/// ISA detection and dispatch.
///
/// The level is detected once from cpuid, and only counts as usable when the OS saves the wide
/// registers (XGETBV: XCR0 bits 1-2 for AVX, bits 5-7 as well for AVX-512). The environment
/// variable `CURATE_ISA` (`scalar`, `avx2`, `avx512`) lowers it; `ck_isa_force` does the same
/// for tests. AMX counts when XCR0 bits 17-18 show the tile state and `CURATE_AMX` is not `off`
/// (or `0`); Linux is asked for that state (`arch_prctl`) when an AMX tile is first chosen or
/// called, and where it refuses, the AMX tile runs the VNNI kernel. Every dispatched kernel
/// (`ck_dot_f32`, ..., and the narrow tiles `ck_tile_bf16`, `ck_tile_i8`) calls through a table
/// filled for the active level; on the AVX-512 level the table also follows AVX512_BF16,
/// AVX512_VNNI and AMX-INT8 (see `ck_narrow_kernel`).
#ifndef CK_CPU_H
#define CK_CPU_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set tiers, lowest first.
typedef enum ck_isa {
    CK_ISA_SCALAR = 0,  ///< portable C, the reference twin of every SIMD kernel
    CK_ISA_AVX2 = 1,    ///< AVX2 + FMA ("haswell" kernels)
    CK_ISA_AVX512 = 2,  ///< AVX-512 F/BW/DQ/VL ("skylake" kernels)
} ck_isa;

/// CPU features relevant to kernel and BLAS-core choice (OS register support included).
typedef struct ck_cpu_features {
    bool avx2_fma;       ///< AVX2 and FMA, with YMM state enabled by the OS
    bool avx512;         ///< AVX-512 F, BW, DQ and VL, with ZMM state enabled by the OS
    bool avx512_bf16;    ///< AVX512_BF16 (`vdpbf16ps`)
    bool avx512_vnni;    ///< AVX512_VNNI (`vpdpbusd`)
    bool amx_int8;       ///< AMX-TILE and AMX-INT8 (`tdpbusd`) with AVX512_VNNI, tile state in XCR0;
                         ///< false under `CURATE_AMX=off`
    bool intel;          ///< vendor string "GenuineIntel"
    bool amd;            ///< vendor string "AuthenticAMD"
} ck_cpu_features;

/// The features of this CPU (detected once, cached).
ck_cpu_features ck_cpu_detect(void);

/// The best tier this CPU and OS support.
ck_isa ck_isa_supported(void);

/// The tier the dispatched kernels use now.
ck_isa ck_isa_active(void);

/// Switches the dispatched kernels to `isa`. Returns 0, or -1 (and changes nothing) when the
/// CPU does not support it. Not thread-safe: call before starting work.
int ck_isa_force(ck_isa isa);

/// "scalar", "avx2" or "avx512".
const char *ck_isa_name(ck_isa isa);

#ifdef __cplusplus
}
#endif
#endif
