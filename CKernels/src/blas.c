// Runtime CBLAS loader: see ck_blas.h for why the library is opened with dlopen and how its
// sgemm is checked before it is trusted.
#include "ck_blas.h"
#include "blas_check.h"
#include "ck_cpu.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { cblas_row_major = 101, cblas_no_trans = 111, cblas_trans = 112 };

typedef ck_cblas_sgemm_fn sgemm_fn;
typedef char *(*corename_fn)(void);
typedef int (*get_threads_fn)(void);
typedef void (*set_threads_fn)(int);

static struct {
    pthread_once_t once;
    ck_blas_status status;
    void *handle;
    sgemm_fn sgemm;
    corename_fn corename;
    get_threads_fn get_threads;
    set_threads_fn set_threads;
    const char *requested_core;
    const char *overridden_core;
    char path[512];
    ck_blas_check check;
    double check_difference, check_bound;
    char failed_core[64];
} blas = { .once = PTHREAD_ONCE_INIT, .status = CK_BLAS_NOT_FOUND, .requested_core = "", .overridden_core = "" };

/// The OpenBLAS core type for this CPU, or NULL to leave the choice to the library.
static const char *core_for_cpu(void) {
    ck_cpu_features f = ck_cpu_detect();
    if (f.avx512 && f.avx512_bf16) return "Cooperlake";
    if (f.avx512) return "SkylakeX";
    if (f.avx2_fma) return f.amd ? "Zen" : "Haswell";
    return NULL;
}

static int try_open(const char *name) {
    void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return 0;
    sgemm_fn sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    if (!sgemm) {
        dlclose(handle);
        blas.status = CK_BLAS_NO_SYMBOL;
        return 0;
    }
    blas.handle = handle;
    blas.sgemm = sgemm;
    blas.corename = (corename_fn)dlsym(handle, "openblas_get_corename");
    blas.get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    blas.set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    blas.status = CK_BLAS_OK;
    strncpy(blas.path, name, sizeof blas.path - 1);
    return 1;
}

/// Copies `text` into `buffer` (truncated, always terminated) and returns the buffer.
static const char *keep(char *buffer, size_t size, const char *text) {
    strncpy(buffer, text, size - 1);
    buffer[size - 1] = 0;
    return buffer;
}

/// Closes the loaded library.
static void close_library(void) {
    dlclose(blas.handle);
    blas.handle = NULL;
    blas.sgemm = NULL;
    blas.corename = NULL;
    blas.get_threads = NULL;
    blas.set_threads = NULL;
}

/// After the engine's core failed the self-check: opens the library again with the caller's
/// environment (OpenBLAS then picks its core itself, or honours OPENBLAS_CORETYPE) and keeps it
/// if its sgemm passes. Returns 0 (nothing loaded) when it fails again, or when the library stays
/// mapped after dlclose (another handle holds it, so it would keep its core).
static int reopen_with_library_core(void) {
    char path[sizeof blas.path];
    keep(path, sizeof path, blas.path);
    close_library();
    void *still = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (still) {
        dlclose(still);
        return 0;
    }
    if (!try_open(path)) return 0;
    double difference, bound;
    if (ck_blas_check_sgemm(blas.sgemm, &difference, &bound)) return 1;
    close_library();
    return 0;
}

/// The self-check of a core the engine chose; on a mismatch the library's own choice, if it
/// passes, else no BLAS.
static void check_chosen_core(void) {
    if (ck_blas_check_sgemm(blas.sgemm, &blas.check_difference, &blas.check_bound)) {
        blas.check = CK_BLAS_CHECK_PASSED;
        return;
    }
    blas.check = CK_BLAS_CHECK_FAILED;
    keep(blas.failed_core, sizeof blas.failed_core, blas.corename ? blas.corename() : blas.requested_core);
    blas.requested_core = "";
    blas.overridden_core = "";
    if (!reopen_with_library_core()) blas.status = CK_BLAS_WRONG_RESULTS;
}

static void load_once(void) {
    // OpenBLAS reads OPENBLAS_CORETYPE in its load-time constructor, so it is set only around
    // dlopen and restored afterwards: child processes (peer benchmarks, say) see the user's
    // environment. The engine chooses the core itself (CURATE_BLAS_CORE unset or "auto"), also
    // over an OPENBLAS_CORETYPE inherited from the environment (reported as overridden);
    // CURATE_BLAS_CORE=library leaves the choice to the library (which reads OPENBLAS_CORETYPE),
    // any other value names the core to request.
    static char requested[64], inherited[64];
    const char *policy = getenv("CURATE_BLAS_CORE");
    const char *environment = getenv("OPENBLAS_CORETYPE");
    const int has_inherited = environment != NULL;
    if (has_inherited) keep(inherited, sizeof inherited, environment);
    const char *core = NULL;
    if (policy && strcmp(policy, "library") == 0) {
        core = NULL;
    } else if (policy && *policy && strcmp(policy, "auto") != 0) {
        core = keep(requested, sizeof requested, policy);
    } else {
        core = core_for_cpu();
    }
    if (core) {
        if (has_inherited && strcmp(inherited, core) != 0) blas.overridden_core = inherited;
        setenv("OPENBLAS_CORETYPE", core, 1);
        blas.requested_core = core;
    }
    const char *user = getenv("CURATE_BLAS_LIBRARY");
    if (user && *user) {
        try_open(user);
    } else {
        static const char *const candidates[] = { "libopenblas.so.0", "libopenblas.so", "libblas.so.3" };
        for (size_t i = 0; i < sizeof candidates / sizeof *candidates && !blas.sgemm; i++) {
            try_open(candidates[i]);
        }
    }
    if (core) {
        if (has_inherited) setenv("OPENBLAS_CORETYPE", inherited, 1);
        else unsetenv("OPENBLAS_CORETYPE");
        if (blas.status == CK_BLAS_OK) check_chosen_core();
    }
}

ck_blas_status ck_blas_load(void) {
    pthread_once(&blas.once, load_once);
    return blas.status;
}

int ck_blas_available(void) { return ck_blas_load() == CK_BLAS_OK; }

const char *ck_blas_requested_core(void) {
    ck_blas_load();
    return blas.requested_core;
}

const char *ck_blas_overridden_core(void) {
    ck_blas_load();
    return blas.overridden_core;
}

ck_blas_check ck_blas_self_check(double *difference, double *bound) {
    ck_blas_load();
    if (difference) *difference = blas.check_difference;
    if (bound) *bound = blas.check_bound;
    return blas.check;
}

const char *ck_blas_failed_core(void) {
    ck_blas_load();
    return blas.failed_core;
}

const char *ck_blas_core_name(void) {
    if (!ck_blas_available()) return "none";
    return blas.corename ? blas.corename() : "unknown";
}

const char *ck_blas_library_path(void) {
    ck_blas_load();
    return blas.path;
}

int ck_blas_threads(void) {
    if (!ck_blas_available() || !blas.get_threads) return 1;
    return blas.get_threads();
}

void ck_blas_set_threads(int threads) {
    if (ck_blas_available() && blas.set_threads && threads > 0) blas.set_threads(threads);
}

void ck_sgemm_nt(ck_blasint m, ck_blasint n, ck_blasint k, float alpha, const float *a,
                 ck_blasint lda, const float *b, ck_blasint ldb, float beta, float *c,
                 ck_blasint ldc) {
    blas.sgemm(cblas_row_major, cblas_no_trans, cblas_trans, m, n, k, alpha, a, lda, b, ldb,
               beta, c, ldc);
}

void ck_sgemm_nn(ck_blasint m, ck_blasint n, ck_blasint k, float alpha, const float *a,
                 ck_blasint lda, const float *b, ck_blasint ldb, float beta, float *c,
                 ck_blasint ldc) {
    blas.sgemm(cblas_row_major, cblas_no_trans, cblas_no_trans, m, n, k, alpha, a, lda, b, ldb,
               beta, c, ldc);
}
