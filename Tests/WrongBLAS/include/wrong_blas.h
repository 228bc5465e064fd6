// The CBLAS and OpenBLAS entry points the test double exports (see wrong_blas.c).
#ifndef WRONG_BLAS_H
#define WRONG_BLAS_H

char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int count);
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);

#endif
