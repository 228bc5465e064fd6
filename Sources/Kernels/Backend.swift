import CKernels

/// How similarities are computed. Every backend gives the same clusters and recall as `scalar`.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The fastest available: `blas`, else `simd` when the CPU has AVX2 or AVX-512, else `swiftSIMD`.
    case auto
    /// Similarity tiles from the system BLAS `sgemm`, scans in C SIMD.
    case blas
    /// Similarity tiles and scans from the engine's own C kernels (AVX-512, AVX2 or scalar C).
    case simd
    /// Everything in portable Swift on `SIMD16<Float>`.
    case swiftSIMD = "swift-simd"
    /// The plain double-precision reference loop.
    case scalar

    public var description: String { rawValue }

    /// The concrete backend `self` runs on this machine. `blas` without a loadable BLAS falls
    /// back to `simd`, with one warning line on standard error for the whole process.
    public var resolved: Backend {
        switch self {
        case .auto:
            return BLASLibrary.isAvailable ? .blas : Self.withoutBLAS
        case .blas:
            guard BLASLibrary.isAvailable else {
                _ = Self.warnNoBLAS
                return Self.withoutBLAS
            }
            return .blas
        case .simd, .swiftSIMD, .scalar:
            return self
        }
    }

    /// The similarity kernel of a resolved, non-scalar backend.
    package var kernel: any SimilarityKernel {
        switch resolved {
        case .blas: BLASKernel()
        case .simd: CSIMDKernel()
        case .swiftSIMD: SwiftSIMDKernel()
        case .auto, .scalar: preconditionFailure("no similarity kernel for \(self)")
        }
    }

    /// The C kernels when the CPU has a SIMD tier, else portable Swift SIMD.
    private static var withoutBLAS: Backend { ck_isa_supported() == CK_ISA_SCALAR ? .swiftSIMD : .simd }

    private static let warnNoBLAS: Void = {
        let reason = BLASLibrary.unavailableReason ?? "unknown reason"
        FileHandleStandardError.write("warning: \(reason); using the engine's own SIMD kernels\n")
    }()
}

/// Facts about the compute environment, for logs and JSON output.
public enum ComputeEnvironment {
    /// The instruction set the C kernels dispatch to ("avx512", "avx2" or "scalar").
    public static var isa: String { String(cString: ck_isa_name(ck_isa_active())) }
}
