/// CKernels: the engine's C layer. No stable API: the Swift module `Kernels` is the interface.
///
/// - `ck_cpu.h`: ISA detection (cpuid + XGETBV) and the dispatch table, chosen once.
/// - `ck_blas.h`: runtime CBLAS loader that picks the OpenBLAS core type from cpuid.
/// - `ck_lapack.h`: runtime LAPACKE loader (the symmetric eigensolver of the PCA map).
/// - `ck_spatial.h`: dot products, normalisation and similarity tiles.
/// - `ck_scan.h`: threshold scans over similarity rows.
/// - `ck_narrow.h`: screening tiles in bfloat16 and int8, their encodings and panel packing.
#ifndef CKERNELS_H
#define CKERNELS_H
#include "ck_cpu.h"
#include "ck_blas.h"
#include "ck_lapack.h"
#include "ck_spatial.h"
#include "ck_scan.h"
#include "ck_narrow.h"
#endif
