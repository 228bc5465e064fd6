import CKernels

/// Rows staged for one tile: `base` is the first, rows lie `stride` bytes apart, in the kernel's
/// encoding (`EncodedRows`), with their scales (and a screen's fixes) for int8.
package struct RowBlock {
    package var base: UnsafeRawPointer
    package var stride: Int
    package var scales: UnsafePointer<Float>?
    /// `CK_I8_FIXES` floats per row (`EncodedRows.fixes`), or nil.
    package var fixes: UnsafePointer<Float>?
    /// The largest int8 code the rows may hold (`EncodedRows.maxCode`; unless said, 127, the most).
    package var maxCode: Int32

    package init(base: UnsafeRawPointer, stride: Int, scales: UnsafePointer<Float>? = nil, fixes: UnsafePointer<Float>? = nil,
                 maxCode: Int32 = 127) {
        self.base = base
        self.stride = stride
        self.scales = scales
        self.fixes = fixes
        self.maxCode = maxCode
    }
}

/// The operations a backend provides: similarity tiles between staged rows and tile columns of
/// its encoding, and the two threshold scans. Tiles must meet the error bound
/// `ExactnessBand.band(for:encoding:rowError:columnError:)`; the scans compare exactly.
package protocol SimilarityKernel: Sendable {
    /// The element type of the tiles.
    var encoding: TileEncoding { get }
    /// c[i·ldc + (j − range.lowerBound)] = similarity of staged row i < m and column j ∈ `range`.
    func tile(_ rows: RowBlock, count m: Int, _ columns: TileColumns, _ range: Range<Int>,
              into c: UnsafeMutablePointer<Float>, rowStride ldc: Int)
    /// The first j < n with row[j] ≥ t, or n.
    func firstAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float) -> Int
    /// Writes every j < n with row[j] ≥ t, in order, to `out` (room for n) and returns how many.
    func collectAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float, into out: UnsafeMutablePointer<UInt32>) -> Int
}

/// Kernels whose tiles are float products of float rows (any two contiguous row-major buffers).
package protocol FloatKernel: SimilarityKernel {
    /// c[i·ldc + j] = a_i · b_j for A `m×d`, B `n×d` (row-major, contiguous rows).
    func tile(_ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int,
              dimension d: Int, into c: UnsafeMutablePointer<Float>, rowStride ldc: Int)
}

extension FloatKernel {
    package var encoding: TileEncoding { .float32 }

    package func tile(_ rows: RowBlock, count m: Int, _ columns: TileColumns, _ range: Range<Int>,
                      into c: UnsafeMutablePointer<Float>, rowStride ldc: Int) {
        let d = columns.dimension
        tile(rows.base.assumingMemoryBound(to: Float.self), rows: m, columns.floatRows + range.lowerBound * d, rows: range.count,
             dimension: d, into: c, rowStride: ldc)
    }
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
package struct BLASKernel: FloatKernel, CScanning {
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
package struct CSIMDKernel: FloatKernel, CScanning {
    package init() {}

    package func tile(_ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int,
                      dimension d: Int, into c: UnsafeMutablePointer<Float>, rowStride ldc: Int) {
        ck_gemm_nt_f32(a, m, b, n, d, c, ldc)
    }
}

/// Screening tiles in bfloat16 or int8 (`ck_narrow.h`): AVX512_BF16 / AVX512_VNNI kernels when the
/// CPU has them, their serial twins otherwise. Scans as the other C kernels.
package struct NarrowKernel: CScanning {
    package let encoding: TileEncoding

    /// - Precondition: `encoding` is `.bfloat16` or `.int8`.
    package init(_ encoding: TileEncoding) {
        precondition(encoding != .float32, "a narrow kernel screens in bfloat16 or int8")
        self.encoding = encoding
    }

    package func tile(_ rows: RowBlock, count m: Int, _ columns: TileColumns, _ range: Range<Int>,
                      into c: UnsafeMutablePointer<Float>, rowStride ldc: Int) {
        let d = columns.dimension
        switch encoding {
        case .bfloat16:
            ck_tile_bf16(rows.base.assumingMemoryBound(to: UInt16.self), rows.stride / 2, m,
                         columns.panels.assumingMemoryBound(to: UInt16.self), range.lowerBound, range.upperBound, d, c, ldc)
        default:
            precondition(max(rows.maxCode, columns.maxCode) <= ck_i8_max_code(), "int8 rows encoded with codes the active tile cannot take")
            precondition((rows.fixes == nil) == (columns.columnFixes == nil), "int8 fixes on one side of a tile only")
            var operands = ck_i8_operands(rows, columns)
            ck_tile_i8(&operands, m, range.lowerBound, range.upperBound, d, c, ldc)
        }
    }
}

extension ck_i8_operands {
    /// The C operands of an int8 tile of `rows` against `columns`: codes, scales, the columns'
    /// sums and both sides' fixes (nil where they carry none).
    package init(_ rows: RowBlock, _ columns: TileColumns) {
        self.init(a: rows.base.assumingMemoryBound(to: UInt8.self), lda: rows.stride, a_scale: rows.scales!, a_fix: rows.fixes,
                  panels: columns.panels.assumingMemoryBound(to: Int8.self), b_scale: columns.columnScales!,
                  b_sum: columns.columnSums!, b_fix: columns.columnFixes)
    }
}
