import CKernels

/// How similarities are computed. Every backend gives the same clusters and recall as `scalar`.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The fastest exact backend this CPU supports (see `resolved`).
    case auto
    /// Similarity tiles from the system BLAS `sgemm`, scans in C SIMD.
    case blas
    /// Similarity tiles and scans from the engine's own C kernels (AVX-512, AVX2 or scalar C).
    case simd
    /// Everything in portable Swift on `SIMD16<Float>`.
    case swiftSIMD = "swift-simd"
    /// Screening tiles in bfloat16 (AVX512_BF16 `vdpbf16ps`), pairs near a threshold decided in
    /// float and then double.
    case bf16
    /// Screening tiles in int8 with a scale per row (AVX512_VNNI `vpdpbusd`), pairs near a
    /// threshold decided in float and then double.
    case int8
    /// The plain double-precision reference loop.
    case scalar

    public var description: String { rawValue }

    /// The concrete backend `self` runs on this machine.
    ///
    /// `auto` is `int8` when the CPU has AVX512_VNNI, else `bf16` with AVX512_BF16 (both measured
    /// fastest wherever they run), else `blas` when a BLAS loads, else `simd` when the CPU has
    /// AVX2 or AVX-512, else `swift-simd`. `blas` without a loadable
    /// BLAS falls back to `simd`; `bf16` and `int8` on a CPU without their instructions run their
    /// portable twins (exact, but slower than `simd`). Each fallback warns once per process on
    /// standard error.
    public var resolved: Backend {
        switch self {
        case .auto:
            if ck_narrow_supported(CK_NARROW_I8) != 0 { return .int8 }
            if ck_narrow_supported(CK_NARROW_BF16) != 0 { return .bf16 }
            return BLASLibrary.isAvailable ? .blas : Self.withoutBLAS
        case .blas:
            guard BLASLibrary.isAvailable else {
                _ = Self.warnNoBLAS
                return Self.withoutBLAS
            }
            return .blas
        case .bf16:
            if ck_narrow_supported(CK_NARROW_BF16) == 0 { _ = Self.warnNoBF16 }
            return .bf16
        case .int8:
            if ck_narrow_supported(CK_NARROW_I8) == 0 { _ = Self.warnNoVNNI }
            return .int8
        case .simd, .swiftSIMD, .scalar:
            return self
        }
    }

    /// The similarity kernel of a resolved, non-scalar backend.
    package var kernel: any SimilarityKernel {
        switch resolved {
        case .bf16: NarrowKernel(.bfloat16)
        case .int8: NarrowKernel(.int8)
        default: floatKernel
        }
    }

    /// The float kernel of this backend, or the one a screening or scalar backend would fall back
    /// to (for float products that screening cannot serve, such as a covariance).
    package var floatKernel: any FloatKernel {
        switch resolved {
        case .blas: BLASKernel()
        case .swiftSIMD: SwiftSIMDKernel()
        default: ck_isa_supported() == CK_ISA_SCALAR ? SwiftSIMDKernel() : CSIMDKernel()
        }
    }

    /// The C kernels when the CPU has a SIMD tier, else portable Swift SIMD.
    private static var withoutBLAS: Backend { ck_isa_supported() == CK_ISA_SCALAR ? .swiftSIMD : .simd }

    private static let warnNoBLAS: Void = {
        let reason = BLASLibrary.unavailableReason ?? "unknown reason"
        FileHandleStandardError.write("warning: \(reason); using the engine's own SIMD kernels\n")
    }()

    private static let warnNoBF16: Void = {
        FileHandleStandardError.write("warning: this CPU has no AVX512_BF16 (or it is turned off): bf16 runs its portable twin, exact but slower than simd\n")
    }()

    private static let warnNoVNNI: Void = {
        FileHandleStandardError.write("warning: this CPU has no AVX512_VNNI (or it is turned off): int8 runs its portable twin, exact but slower than simd\n")
    }()
}

/// Facts about the compute environment, for logs and JSON output.
public enum ComputeEnvironment {
    /// The instruction set the C kernels dispatch to ("avx512", "avx2" or "scalar").
    public static var isa: String { String(cString: ck_isa_name(ck_isa_active())) }

    /// The kernel the bf16 backend runs: "avx512_bf16" or "serial".
    public static var bf16Kernel: String { ck_narrow_supported(CK_NARROW_BF16) != 0 ? "avx512_bf16" : "serial" }

    /// The kernel the int8 backend runs: "avx512_vnni" or "serial".
    public static var int8Kernel: String { ck_narrow_supported(CK_NARROW_I8) != 0 ? "avx512_vnni" : "serial" }
}

extension Backend {
    /// The widest int8 error band `auto` screens with; beyond it, `auto` screens in bf16.
    package static let int8BandLimit = 0.1

    /// What runs on `matrices` (the rows of a clustering, or the queries and the database of a
    /// recall): the resolved backend, its kernel, and each matrix's rows in the kernel's
    /// encoding. When `auto` resolves to int8 but the int8 error band of these rows exceeds
    /// `int8BandLimit` (rows with a few outsized components quantise coarsely, so most pairs
    /// near a threshold would be decided again), it screens in bf16 instead, whose band does not
    /// depend on the data.
    /// - Precondition: `self.resolved` is not `scalar`; the matrices have one dimension.
    ///
    /// int8 is exact only while Σ q_a·q_b fits in int32 (`ck_narrow.h`): at a dimension above
    /// `int8DimensionLimit` any int8 request screens in bf16 instead (an explicit one with a
    /// warning).
    package func prepared(_ matrices: [EmbeddingMatrix]) -> (backend: Backend, kernel: any SimilarityKernel, rows: [EncodedRows]) {
        var backend = resolved
        let d = matrices.first?.dimension ?? 0
        if backend == .int8, d > Self.int8DimensionLimit {
            if self == .int8 { _ = Self.warnInt8Dimension }
            backend = .bf16
        }
        var rows = Self.encode(matrices, backend.kernel.encoding)
        if self == .auto, backend == .int8,
           ExactnessBand.band(for: d, encoding: .int8, rowError: rows.first!.maxError, columnError: rows.last!.maxError) > Self.int8BandLimit,
           ck_narrow_supported(CK_NARROW_BF16) != 0 {
            backend = .bf16
            rows = Self.encode(matrices, .bfloat16)
        }
        return (backend, backend.kernel, rows)
    }

    /// Each matrix's rows in `encoding`, a matrix given twice (a self-recall) encoded once.
    private static func encode(_ matrices: [EmbeddingMatrix], _ encoding: TileEncoding) -> [EncodedRows] {
        var encoded: [EncodedRows] = []
        for matrix in matrices {
            encoded.append(encoded.first { $0.matrix === matrix } ?? EncodedRows(matrix, encoding: encoding))
        }
        return encoded
    }

    /// The largest dimension int8 screens at: d·127² < 2³¹.
    package static let int8DimensionLimit = 133_000

    private static let warnInt8Dimension: Void = {
        FileHandleStandardError.write("warning: int8 sums would overflow at this dimension: screening in bf16 instead\n")
    }()
}
