// ISA detection (cpuid + XGETBV) and the dispatch table.
//
// Detection runs once and is cached in an atomic word. The active table is an atomic pointer,
// filled lazily on the first dispatched call (or by `ck_isa_force`) from the supported tier,
// lowered by the environment variable CURATE_ISA (and without AMX when CURATE_AMX is off).
// Every `ck_<op>_f32` and both narrow tiles (`ck_tile_bf16`, `ck_tile_i8`) call through it, and
// `ck_narrow_kernel` reads it.

#include "ck_cpu.h"
#include "ck_spatial.h"
#include "ck_scan.h"
#include "ck_narrow.h"
#include "amx_state.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__)
#include <cpuid.h>
#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#endif

// MARK: - Detection

enum {
    CK_F_VALID = 1u << 0,  // the word below has been filled
    CK_F_AVX2_FMA = 1u << 1,
    CK_F_AVX512 = 1u << 2,
    CK_F_AVX512_BF16 = 1u << 3,
    CK_F_AVX512_VNNI = 1u << 4,
    CK_F_INTEL = 1u << 5,
    CK_F_AMD = 1u << 6,
    CK_F_AMX_INT8 = 1u << 7,
};

static _Atomic uint32_t ck_feature_bits = 0;

#if defined(__x86_64__)
/// XCR0, read with the `xgetbv` instruction (only valid when CPUID.1:ECX.OSXSAVE is set).
static uint64_t ck_read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

#if defined(__APPLE__)
/// macOS enables the AVX-512 state lazily (on first use), so XCR0 may not show it yet; the
/// kernel reports the capability through sysctl instead.
static int ck_apple_sysctl_flag(const char *name) {
    int value = 0;
    size_t size = sizeof value;
    if (sysctlbyname(name, &value, &size, NULL, 0) != 0) return 0;
    return value != 0;
}
#endif

/// Whether CURATE_AMX turns AMX off ("0" or "off", any case).
static int ck_amx_refused(void) {
    const char *env = getenv("CURATE_AMX");
    return env != NULL && (strcmp(env, "0") == 0 || strcasecmp(env, "off") == 0);
}

static uint32_t ck_detect_bits(void) {
    uint32_t bits = CK_F_VALID;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(0, 0, &eax, &ebx, &ecx, &edx)) return bits;
    const unsigned max_leaf = eax;
    // Vendor string is EBX, EDX, ECX.
    if (ebx == 0x756e6547u && edx == 0x49656e69u && ecx == 0x6c65746eu) bits |= CK_F_INTEL;  // GenuineIntel
    if (ebx == 0x68747541u && edx == 0x69746e65u && ecx == 0x444d4163u) bits |= CK_F_AMD;    // AuthenticAMD
    if (max_leaf < 1) return bits;

    __get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx);
    const int osxsave = (ecx >> 27) & 1;
    const int avx = (ecx >> 28) & 1;
    const int fma = (ecx >> 12) & 1;
    if (!osxsave || !avx) return bits;
    const uint64_t xcr0 = ck_read_xcr0();
    const int os_ymm = (xcr0 & 0x6) == 0x6;    // SSE + AVX (upper YMM) state
    const int os_zmm = (xcr0 & 0xE6) == 0xE6;  // plus opmask, ZMM_Hi256, Hi16_ZMM
    if (!os_ymm || max_leaf < 7) return bits;

    __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
    const unsigned max_subleaf7 = eax;
    const int avx2 = (ebx >> 5) & 1;
    const int avx512f = (ebx >> 16) & 1;
    const int avx512dq = (ebx >> 17) & 1;
    const int avx512bw = (ebx >> 30) & 1;
    const int avx512vl = (ebx >> 31) & 1;
    const int avx512vnni = (ecx >> 11) & 1;
    const int amx = ((edx >> 24) & 1) && ((edx >> 25) & 1);  // AMX-TILE, AMX-INT8
    const int os_tiles = ((xcr0 >> 17) & 3) == 3;           // XTILECFG, XTILEDATA
    int avx512bf16 = 0;
    if (max_subleaf7 >= 1) {
        unsigned a1, b1, c1, d1;
        __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);
        avx512bf16 = (a1 >> 5) & 1;
    }

    if (avx2 && fma) bits |= CK_F_AVX2_FMA;
    int zmm_ok = os_zmm;
#if defined(__APPLE__)
    if (!zmm_ok) zmm_ok = ck_apple_sysctl_flag("hw.optional.avx512f");
#endif
    if (zmm_ok && (bits & CK_F_AVX2_FMA) && avx512f && avx512dq && avx512bw && avx512vl) {
        bits |= CK_F_AVX512;
        if (avx512bf16) bits |= CK_F_AVX512_BF16;
        if (avx512vnni) bits |= CK_F_AVX512_VNNI;
        if (avx512vnni && amx && os_tiles && !ck_amx_refused()) bits |= CK_F_AMX_INT8;
    }
    return bits;
}
#else
static uint32_t ck_detect_bits(void) { return CK_F_VALID; }
#endif

/// Detection is idempotent, so a race between first callers only repeats the work.
static uint32_t ck_features_bits(void) {
    uint32_t bits = atomic_load_explicit(&ck_feature_bits, memory_order_relaxed);
    if (bits & CK_F_VALID) return bits;
    bits = ck_detect_bits();
    atomic_store_explicit(&ck_feature_bits, bits, memory_order_relaxed);
    return bits;
}

ck_cpu_features ck_cpu_detect(void) {
    const uint32_t bits = ck_features_bits();
    ck_cpu_features f;
    f.avx2_fma = (bits & CK_F_AVX2_FMA) != 0;
    f.avx512 = (bits & CK_F_AVX512) != 0;
    f.avx512_bf16 = (bits & CK_F_AVX512_BF16) != 0;
    f.avx512_vnni = (bits & CK_F_AVX512_VNNI) != 0;
    f.intel = (bits & CK_F_INTEL) != 0;
    f.amd = (bits & CK_F_AMD) != 0;
    f.amx_int8 = (bits & CK_F_AMX_INT8) != 0;
    return f;
}

ck_isa ck_isa_supported(void) {
    const uint32_t bits = ck_features_bits();
    if (bits & CK_F_AVX512) return CK_ISA_AVX512;
    if (bits & CK_F_AVX2_FMA) return CK_ISA_AVX2;
    return CK_ISA_SCALAR;
}

const char *ck_isa_name(ck_isa isa) {
    switch (isa) {
    case CK_ISA_SCALAR: return "scalar";
    case CK_ISA_AVX2: return "avx2";
    case CK_ISA_AVX512: return "avx512";
    }
    return "unknown";
}

// MARK: - Dispatch table

/// The float kernels of one tier (`ck_spatial.h`, `ck_scan.h`) and its int8 encoder of floats
/// (`ck_narrow.h`).
typedef struct ck_float_kernels {
    float (*dot)(const float *, const float *, size_t);
    void (*normalise)(const float *, float *, size_t, double);
    void (*gemm_nt)(const float *, size_t, const float *, size_t, size_t, float *, size_t);
    size_t (*first_at_least)(const float *, size_t, float);
    size_t (*collect_at_least)(const float *, size_t, float, uint32_t *);
    double (*encode_i8)(const float *, size_t, int, uint8_t *, float *, int32_t *);
} ck_float_kernels;

/// The bf16 tile of one table and the variant it is (`ck_narrow.h`).
typedef struct ck_bf16_kernel {
    ck_narrow_kernel_variant variant;
    void (*tile)(const uint16_t *, size_t, size_t, const uint16_t *, size_t, size_t, size_t, float *, size_t);
} ck_bf16_kernel;

/// The int8 tile of one table and the variant it is (`ck_narrow.h`).
typedef struct ck_i8_kernel {
    ck_narrow_kernel_variant variant;
    void (*tile)(const ck_i8_operands *, size_t, size_t, size_t, size_t, float *, size_t);
} ck_i8_kernel;

/// Every dispatched kernel of one tier. The narrow tiles are chosen more finely than the float
/// kernels: on the AVX-512 tier each takes its AVX-512 variant only when the CPU has its
/// instruction (AVX512_BF16, AVX512_VNNI), else its AVX2 one, so that tier has a table for each
/// combination of the two, and int8 takes its AMX variant where AMX-INT8 runs (two more tables).
typedef struct ck_kernel_table {
    ck_isa isa;
    ck_float_kernels f32;
    ck_bf16_kernel bf16;
    ck_i8_kernel i8;
} ck_kernel_table;

/// The float kernels with suffix `variant` (serial, haswell, skylake).
#define CK_FLOAT_KERNELS(variant)                                                                \
    { ck_dot_f32_##variant, ck_normalise_f32_##variant, ck_gemm_nt_f32_##variant,                \
      ck_first_at_least_f32_##variant, ck_collect_at_least_f32_##variant, ck_encode_i8_##variant }

static const ck_kernel_table ck_table_scalar = {
    CK_ISA_SCALAR,
    CK_FLOAT_KERNELS(serial),
    { CK_NARROW_SERIAL, ck_tile_bf16_serial },
    { CK_NARROW_SERIAL, ck_tile_i8_serial },
};

static const ck_kernel_table ck_table_avx2 = {
    CK_ISA_AVX2,
    CK_FLOAT_KERNELS(haswell),
    { CK_NARROW_HASWELL, ck_tile_bf16_haswell },
    { CK_NARROW_HASWELL, ck_tile_i8_haswell },
};

/// Indexed by the narrow instructions: bit 0 AVX512_BF16, bit 1 AVX512_VNNI.
static const ck_kernel_table ck_table_avx512[4] = {
    {
        CK_ISA_AVX512,
        CK_FLOAT_KERNELS(skylake),
        { CK_NARROW_HASWELL, ck_tile_bf16_haswell },
        { CK_NARROW_HASWELL, ck_tile_i8_haswell },
    },
    {
        CK_ISA_AVX512,
        CK_FLOAT_KERNELS(skylake),
        { CK_NARROW_AVX512, ck_tile_bf16_cooperlake },
        { CK_NARROW_HASWELL, ck_tile_i8_haswell },
    },
    {
        CK_ISA_AVX512,
        CK_FLOAT_KERNELS(skylake),
        { CK_NARROW_HASWELL, ck_tile_bf16_haswell },
        { CK_NARROW_AVX512, ck_tile_i8_icelake },
    },
    {
        CK_ISA_AVX512,
        CK_FLOAT_KERNELS(skylake),
        { CK_NARROW_AVX512, ck_tile_bf16_cooperlake },
        { CK_NARROW_AVX512, ck_tile_i8_icelake },
    },
};

/// The AVX-512 tables of a CPU with AMX-INT8 (which has AVX512_VNNI too), indexed by AVX512_BF16.
static const ck_kernel_table ck_table_avx512_amx[2] = {
    {
        CK_ISA_AVX512,
        CK_FLOAT_KERNELS(skylake),
        { CK_NARROW_HASWELL, ck_tile_bf16_haswell },
        { CK_NARROW_AMX, ck_tile_i8_sapphirerapids },
    },
    {
        CK_ISA_AVX512,
        CK_FLOAT_KERNELS(skylake),
        { CK_NARROW_AVX512, ck_tile_bf16_cooperlake },
        { CK_NARROW_AMX, ck_tile_i8_sapphirerapids },
    },
};

/// The AVX-512 table for this CPU's narrow instructions.
static const ck_kernel_table *ck_table_avx512_detected(void) {
    const uint32_t bits = ck_features_bits();
    const int bf16 = (bits & CK_F_AVX512_BF16) ? 1 : 0;
    if ((bits & CK_F_AMX_INT8) && ck_amx_enable()) return &ck_table_avx512_amx[bf16];
    return &ck_table_avx512[bf16 | ((bits & CK_F_AVX512_VNNI) ? 2 : 0)];
}

static const ck_kernel_table *ck_table_for(ck_isa isa) {
    switch (isa) {
    case CK_ISA_AVX512: return ck_table_avx512_detected();
    case CK_ISA_AVX2: return &ck_table_avx2;
    case CK_ISA_SCALAR: break;
    }
    return &ck_table_scalar;
}

static _Atomic(const ck_kernel_table *) ck_active_table = NULL;

/// ASCII case-insensitive equality.
static int ck_name_equals(const char *s, const char *lower) {
    for (; *s && *lower; s++, lower++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch != *lower) return 0;
    }
    return *s == 0 && *lower == 0;
}

/// The supported tier lowered by CURATE_ISA (scalar | avx2 | avx512); other values are ignored.
static ck_isa ck_isa_default(void) {
    ck_isa isa = ck_isa_supported();
    const char *env = getenv("CURATE_ISA");
    if (env != NULL) {
        ck_isa want = isa;
        if (ck_name_equals(env, "scalar")) want = CK_ISA_SCALAR;
        else if (ck_name_equals(env, "avx2")) want = CK_ISA_AVX2;
        else if (ck_name_equals(env, "avx512")) want = CK_ISA_AVX512;
        if (want < isa) isa = want;
    }
    return isa;
}

/// The active table; the first call installs the default one unless `ck_isa_force` got there
/// first (compare-and-swap, so a forced choice is never overwritten).
static inline const ck_kernel_table *ck_active(void) {
    const ck_kernel_table *t = atomic_load_explicit(&ck_active_table, memory_order_acquire);
    if (__builtin_expect(t != NULL, 1)) return t;
    const ck_kernel_table *fresh = ck_table_for(ck_isa_default());
    const ck_kernel_table *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(&ck_active_table, &expected, fresh,
                                                memory_order_acq_rel, memory_order_acquire)) {
        return fresh;
    }
    return expected;
}

ck_isa ck_isa_active(void) { return ck_active()->isa; }

int ck_isa_force(ck_isa isa) {
    if (isa != CK_ISA_SCALAR && isa != CK_ISA_AVX2 && isa != CK_ISA_AVX512) return -1;
    if (isa > ck_isa_supported()) return -1;
    atomic_store_explicit(&ck_active_table, ck_table_for(isa), memory_order_release);
    return 0;
}

// MARK: - Dispatched kernels

float ck_dot_f32(const float *a, const float *b, size_t n) {
    return ck_active()->f32.dot(a, b, n);
}

void ck_normalise_f32(const float *src, float *dst, size_t n, double norm) {
    ck_active()->f32.normalise(src, dst, n, norm);
}

void ck_gemm_nt_f32(const float *a, size_t m, const float *b, size_t n, size_t d,
                    float *c, size_t ldc) {
    ck_active()->f32.gemm_nt(a, m, b, n, d, c, ldc);
}

size_t ck_first_at_least_f32(const float *row, size_t n, float t) {
    return ck_active()->f32.first_at_least(row, n, t);
}

size_t ck_collect_at_least_f32(const float *row, size_t n, float t, uint32_t *out) {
    return ck_active()->f32.collect_at_least(row, n, t, out);
}

double ck_encode_i8(const float *src, size_t d, int max_code, uint8_t *dst, float *scale, int32_t *sum) {
    return ck_active()->f32.encode_i8(src, d, max_code, dst, scale, sum);
}

size_t ck_tile_i8_depth(size_t d) {
    return ck_active()->i8.variant == CK_NARROW_AMX ? ck_tile_i8_sapphirerapids_depth(d) : ck_narrow_padded(CK_NARROW_I8, d);
}

int ck_i8_max_code(void) {
    return ck_active()->i8.variant == CK_NARROW_HASWELL ? 63 : 127;
}

ck_narrow_kernel_variant ck_narrow_kernel(ck_narrow_type type) {
    const ck_kernel_table *t = ck_active();
    return type == CK_NARROW_BF16 ? t->bf16.variant : t->i8.variant;
}

int ck_narrow_supported(ck_narrow_type type) { return ck_narrow_kernel(type) != CK_NARROW_SERIAL; }

void ck_tile_bf16(const uint16_t *a, size_t lda, size_t m, const uint16_t *panels, size_t j0, size_t j1, size_t d,
                  float *c, size_t ldc) {
    ck_active()->bf16.tile(a, lda, m, panels, j0, j1, d, c, ldc);
}

void ck_tile_i8(const ck_i8_operands *x, size_t m, size_t j0, size_t j1, size_t d, float *c, size_t ldc) {
    ck_active()->i8.tile(x, m, j0, j1, d, c, ldc);
}
