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
    /// Screening tiles in bfloat16 (AVX512_BF16 `vdpbf16ps`, or widened to float with AVX2 FMA),
    /// pairs near a threshold decided in float and then double.
    case bf16
    /// Screening tiles in int8 with a scale per row (AMX-INT8 `tdpbusd`, AVX512_VNNI `vpdpbusd`, or
    /// AVX2 `vpmaddubsw` on codes up to 63), pairs near a threshold decided in float and then double.
    case int8
    /// The plain double-precision reference loop.
    case scalar

    public var description: String { rawValue }

    /// The concrete backend `self` runs on this machine.
    ///
    /// `auto` is `int8` when the CPU has AVX512_VNNI (its tiles on AMX where the CPU has AMX-INT8),
    /// else `bf16` with AVX512_BF16 (both measured fastest wherever they run); when the kernels'
    /// tier is AVX2 (a CPU without AVX-512, or `CURATE_ISA=avx2`) it is `int8` on its AVX2 kernel
    /// (measured on 40,000 debian-minilm rows with `CURATE_ISA=avx2 CURATE_BLAS_CORE=Haswell`:
    /// int8 1.40 s, blas 2.07 s, bf16 2.58 s).
    /// Else (AVX-512 without either instruction: its sgemm is twice as wide) `blas` when a BLAS
    /// loads, else `simd` when the CPU has AVX2 or AVX-512, else `swift-simd`: never a serial twin.
    ///
    /// `blas` without a usable BLAS falls back to `simd` (a BLAS whose sgemm failed its self-check
    /// with the engine's core and with the library's own choice is not used; see `BLASLibrary`).
    /// `bf16` and `int8` run their AVX-512 kernel, else their AVX2 kernel, else (no AVX2) their
    /// portable serial twin, exact but slower: the warning says how much slower than `auto`,
    /// measured on the spot. Each fallback reports a `KernelsWarning` once per process.
    public var resolved: Backend {
        switch self {
        case .auto:
            if ck_narrow_kernel(CK_NARROW_I8).rawValue >= CK_NARROW_AVX512.rawValue { return .int8 }
            if ck_narrow_kernel(CK_NARROW_BF16) == CK_NARROW_AVX512 { return .bf16 }
            if ck_isa_active() == CK_ISA_AVX2 { return .int8 }
            return Self.blasOrKernels(warnWithout: BLASLibrary.selfCheck.failure != nil)
        case .blas:
            return Self.blasOrKernels(warnWithout: true)
        case .bf16:
            if ck_narrow_kernel(CK_NARROW_BF16) == CK_NARROW_SERIAL { _ = Self.warnSerialBF16 }
            return .bf16
        case .int8:
            if ck_narrow_kernel(CK_NARROW_I8) == CK_NARROW_SERIAL { _ = Self.warnSerialInt8 }
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

    /// The fastest float kernel here (BLAS when it loads, else the C or Swift SIMD kernels), for
    /// set-up work whose speed matters more than which backend runs it (a screen's basis).
    package static var fastestFloatKernel: any FloatKernel {
        BLASLibrary.isAvailable ? BLASKernel() : withoutBLAS.floatKernel
    }

    /// The C kernels when the CPU has a SIMD tier, else portable Swift SIMD.
    private static var withoutBLAS: Backend { ck_isa_supported() == CK_ISA_SCALAR ? .swiftSIMD : .simd }

    /// `blas` when a BLAS is usable, else the engine's own kernels, saying why once when
    /// `warnWithout`. A BLAS running the library's own core after the engine's failed the
    /// self-check says so once.
    private static func blasOrKernels(warnWithout: Bool) -> Backend {
        guard BLASLibrary.isAvailable else {
            if warnWithout { _ = warnNoBLAS }
            return withoutBLAS
        }
        if BLASLibrary.selfCheckWarning != nil { _ = warnLibraryCore }
        return .blas
    }

    private static let warnNoBLAS: Void = {
        KernelsWarning.report(.blasUnavailable(reason: BLASLibrary.unavailableReason ?? "unknown reason"))
    }()

    private static let warnLibraryCore: Void = {
        KernelsWarning.report(.blasLibraryCore(message: BLASLibrary.selfCheckWarning ?? ""))
    }()

    private static let warnSerialBF16: Void = { warnSerial(.bf16, .bfloat16) }()

    private static let warnSerialInt8: Void = { warnSerial(.int8, .int8) }()

    /// Warns that `backend` runs its serial twin, and how much slower that is than `auto` here
    /// (tiles timed by `TileCost`: `auto` is never a serial twin).
    private static func warnSerial(_ backend: Backend, _ encoding: TileEncoding) {
        let auto = Backend.auto.resolved
        KernelsWarning.report(.serialTwin(backend: backend, slowdown: encoding.relativeCost / auto.kernel.encoding.relativeCost,
                                          auto: auto))
    }
}

/// Facts about the compute environment, for logs and JSON output.
public enum ComputeEnvironment {
    /// The instruction set the C kernels dispatch to ("avx512", "avx2" or "scalar").
    public static var isa: String { String(cString: ck_isa_name(ck_isa_active())) }

    /// The kernel the bf16 backend runs: "avx512_bf16", "avx2" or "serial".
    public static var bf16Kernel: String { kernelName(CK_NARROW_BF16, avx512: "avx512_bf16") }

    /// The kernel the int8 backend runs: "amx_int8", "avx512_vnni", "avx2" or "serial".
    public static var int8Kernel: String { kernelName(CK_NARROW_I8, avx512: "avx512_vnni") }

    private static func kernelName(_ type: ck_narrow_type, avx512: String) -> String {
        switch ck_narrow_kernel(type) {
        case CK_NARROW_AMX: "amx_int8"
        case CK_NARROW_AVX512: avx512
        case CK_NARROW_HASWELL: "avx2"
        default: "serial"
        }
    }
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
            encoded.append(encoded.first { $0.owner === matrix } ?? EncodedRows(matrix, encoding: encoding))
        }
        return encoded
    }

    /// The largest dimension int8 screens at: d·127² < 2³¹.
    package static let int8DimensionLimit = 133_000

    private static let warnInt8Dimension: Void = { KernelsWarning.report(.int8Overflow) }()
}
