import CKernels
import Kernels

/// The concrete backend a request must report on this run, written from the documented rules
/// rather than from `Backend.resolved`, so that a silent fallback fails the exactness tests.
enum ExpectedBackend {
    /// `backend` as it must run on `matrices` (a clustering's rows, or a recall's queries and
    /// database; none when no tile runs), at the dimensions of these tests: itself, but `blas`
    /// without a loadable BLAS falls back (`testBLASRunsWhereALibraryLoads` then skips), and
    /// `auto` is int8 with AVX512_VNNI or AMX-INT8 (bf16, with AVX512_BF16, on rows whose int8
    /// band exceeds `Backend.int8BandLimit`), int8 on its AVX2 kernel (the same bf16 fallback) when the kernels'
    /// tier is AVX2, else bf16 with AVX512_BF16, else blas, else simd.
    /// With a low-rank screen (`screened`) no full-dimension tile runs, so `auto` does not give
    /// way to bf16 on coarse int8 rows: the screen picks its own encoding.
    static func of(_ backend: Backend, on matrices: [EmbeddingMatrix], screened: Bool = false) -> Backend {
        switch backend {
        case .blas:
            return BLASLibrary.isAvailable ? .blas : withoutBLAS
        case .auto:
            if ["amx_int8", "avx512_vnni"].contains(ComputeEnvironment.int8Kernel) || ComputeEnvironment.isa == "avx2" {
                return ComputeEnvironment.bf16Kernel != "serial" && !screened && int8TooCoarse(matrices) ? .bf16 : .int8
            }
            if ComputeEnvironment.bf16Kernel == "avx512_bf16" { return .bf16 }
            return of(.blas, on: matrices)
        default:
            return backend
        }
    }

    /// The engine's C kernels, or Swift SIMD on a CPU without a SIMD tier.
    private static var withoutBLAS: Backend { ck_isa_supported() == CK_ISA_SCALAR ? .swiftSIMD : .simd }

    /// Whether the int8 error band of the first and last matrix's rows exceeds `int8BandLimit`.
    private static func int8TooCoarse(_ matrices: [EmbeddingMatrix]) -> Bool {
        guard let first = matrices.first, let last = matrices.last else { return false }
        let rowError = EncodedRows(first, encoding: .int8).maxError, columnError = EncodedRows(last, encoding: .int8).maxError
        return ExactnessBand.band(for: first.dimension, encoding: .int8, rowError: rowError, columnError: columnError)
            > Backend.int8BandLimit
    }
}
