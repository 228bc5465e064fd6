// A deliberately wrong CBLAS, for the BLAS self-check tests (loaded through CURATE_BLAS_LIBRARY).
//
// It exports what the engine's loader looks up (`cblas_sgemm`, `openblas_get_corename`,
// `openblas_get_num_threads`, `openblas_set_num_threads`) and, like OpenBLAS, reads
// OPENBLAS_CORETYPE once when it is loaded, reporting that core (or "LibraryChoice" when none was
// set). Its sgemm computes the row-major product and then, when wrong, adds 0.5 to every element.
// WRONG_BLAS_MODE chooses when: "always" (the default), or "requested-core" (only when loaded
// with OPENBLAS_CORETYPE set, so the library's own choice is right).
#include "wrong_blas.h"

#include <stdlib.h>
#include <string.h>

static char core[64];
static int wrong = 1;
static int threads = 1;

__attribute__((constructor)) static void wrong_blas_load(void) {
    const char *requested = getenv("OPENBLAS_CORETYPE");
    strncpy(core, requested && *requested ? requested : "LibraryChoice", sizeof core - 1);
    const char *mode = getenv("WRONG_BLAS_MODE");
    if (mode && strcmp(mode, "requested-core") == 0) wrong = requested && *requested;
}

char *openblas_get_corename(void) { return core; }

int openblas_get_num_threads(void) { return threads; }

void openblas_set_num_threads(int count) { threads = count; }

void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    if (order != 101) return;  // row-major only: all the engine uses
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int p = 0; p < k; p++) {
                const float x = trans_a == 111 ? a[(size_t)i * lda + p] : a[(size_t)p * lda + i];
                const float y = trans_b == 111 ? b[(size_t)p * ldb + j] : b[(size_t)j * ldb + p];
                sum += x * y;
            }
            float *out = c + (size_t)i * ldc + j;
            *out = alpha * sum + (beta == 0 ? 0 : beta * *out) + (wrong ? 0.5f : 0);
        }
    }
}
