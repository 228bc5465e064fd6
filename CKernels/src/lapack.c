// Runtime LAPACKE loader: see ck_lapack.h.
#include "ck_lapack.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { lapack_row_major = 101 };

typedef ck_blasint (*dsyevr_fn)(int layout, char jobz, char range, char uplo, ck_blasint n, double *a,
                                ck_blasint lda, double vl, double vu, ck_blasint il, ck_blasint iu,
                                double abstol, ck_blasint *m, double *w, double *z, ck_blasint ldz,
                                ck_blasint *isuppz);

typedef ck_blasint (*ssyevr_fn)(int layout, char jobz, char range, char uplo, ck_blasint n, float *a,
                                ck_blasint lda, float vl, float vu, ck_blasint il, ck_blasint iu,
                                float abstol, ck_blasint *m, float *w, float *z, ck_blasint ldz,
                                ck_blasint *isuppz);

static struct {
    pthread_once_t once;
    ck_lapack_status status;
    dsyevr_fn dsyevr;
    ssyevr_fn ssyevr;
    char path[512];
} lapack = { .once = PTHREAD_ONCE_INIT, .status = CK_LAPACK_NOT_FOUND };

static int try_open(const char *name) {
    void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return 0;
    dsyevr_fn dsyevr = (dsyevr_fn)dlsym(handle, "LAPACKE_dsyevr");
    if (!dsyevr) {
        dlclose(handle);
        lapack.status = CK_LAPACK_NO_SYMBOL;
        return 0;
    }
    lapack.dsyevr = dsyevr;
    lapack.ssyevr = (ssyevr_fn)dlsym(handle, "LAPACKE_ssyevr");
    lapack.status = CK_LAPACK_OK;
    strncpy(lapack.path, name, sizeof lapack.path - 1);
    return 1;
}

static void load_once(void) {
    ck_blas_load();  // the same OpenBLAS, with the engine's core and thread choice
    const char *user = getenv("CURATE_LAPACKE_LIBRARY");
    if (user && *user) {
        try_open(user);
        return;
    }
    static const char *const candidates[] = { "liblapacke.so.3", "liblapacke.so" };
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates && !lapack.dsyevr; i++) {
        try_open(candidates[i]);
    }
}

ck_lapack_status ck_lapack_load(void) {
    pthread_once(&lapack.once, load_once);
    return lapack.status;
}

const char *ck_lapack_library_path(void) {
    ck_lapack_load();
    return lapack.path;
}

int ck_dsyevr_range(ck_blasint n, double *a, ck_blasint il, ck_blasint iu, ck_blasint *found,
                    double *w, double *z) {
    if (ck_lapack_load() != CK_LAPACK_OK) return -1000;
    ck_blasint *support = malloc(sizeof(ck_blasint) * 2 * (size_t)(n > 0 ? n : 1));
    if (!support) return -1001;
    const ck_blasint info = lapack.dsyevr(lapack_row_major, 'V', 'I', 'U', n, a, n, 0.0, 0.0, il, iu, 0.0,
                                          found, w, z, iu - il + 1, support);
    free(support);
    return (int)info;
}

int ck_ssyevr_range(ck_blasint n, float *a, ck_blasint il, ck_blasint iu, ck_blasint *found, float *w, float *z) {
    if (ck_lapack_load() != CK_LAPACK_OK) return -1000;
    if (!lapack.ssyevr) return -1002;
    ck_blasint *support = malloc(sizeof(ck_blasint) * 2 * (size_t)(n > 0 ? n : 1));
    if (!support) return -1001;
    const ck_blasint info = lapack.ssyevr(lapack_row_major, 'V', 'I', 'U', n, a, n, 0.0f, 0.0f, il, iu, 0.0f,
                                          found, w, z, iu - il + 1, support);
    free(support);
    return (int)info;
}
