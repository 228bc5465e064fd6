import CKernels

/// The operations a backend provides over normalised rows: similarity tiles and the two
/// threshold scans. Implementations must meet the error bound of `ExactnessBand` for tiles and
/// compare exactly in the scans.
package protocol SimilarityKernel: Sendable {
    /// c[i·ldc + j] = a_i · b_j for A `m×d`, B `n×d` (row-major, contiguous rows).
    func tile(_ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int,
              dimension d: Int, into c: UnsafeMutablePointer<Float>, rowStride ldc: Int)
    /// The first j < n with row[j] ≥ t, or n.
    func firstAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float) -> Int
    /// Writes every j < n with row[j] ≥ t, in order, to `out` (room for n) and returns how many.
    func collectAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float, into out: UnsafeMutablePointer<UInt32>) -> Int
}

/// Shared by the C-backed kernels: scans from `ck_scan.h`, dispatched to the active ISA.
package protocol CScanning: SimilarityKernel {}

extension CScanning {
    package func firstAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float) -> Int {
        ck_first_at_least_f32(row, n, t)
    }

    package func collectAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float, into out: UnsafeMutablePointer<UInt32>) -> Int {
        ck_collect_at_least_f32(row, n, t, out)
    }
}

/// Tiles from the system BLAS (`sgemm`), except tiles too small to repay a BLAS call.
package struct BLASKernel: CScanning {
    /// Below this many multiply-adds (m·n·d) the C kernel is faster than a BLAS call.
    package static let minimumBLASWork = 128_000

    package init() {}

    package func tile(_ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int,
                      dimension d: Int, into c: UnsafeMutablePointer<Float>, rowStride ldc: Int) {
        guard m > 0, n > 0 else { return }
        if m * n * d < Self.minimumBLASWork {
            ck_gemm_nt_f32(a, m, b, n, d, c, ldc)
            return
        }
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && d <= Int(Int32.max) && ldc <= Int(Int32.max),
                     "tile \(m)×\(n)×\(d) exceeds the 32-bit BLAS interface")
        ck_sgemm_nt(Int32(m), Int32(n), Int32(d), 1, a, Int32(d), b, Int32(d), 0, c, Int32(ldc))
    }
}

/// Tiles and scans from the engine's own C kernels.
package struct CSIMDKernel: CScanning {
    package init() {}

    package func tile(_ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int,
                      dimension d: Int, into c: UnsafeMutablePointer<Float>, rowStride ldc: Int) {
        ck_gemm_nt_f32(a, m, b, n, d, c, ldc)
    }
}
