import CKernels

/// The element type similarity tiles are computed in.
package enum TileEncoding: Sendable, Hashable {
    /// Float tiles of the normalised rows (the blas, simd and swift-simd backends).
    case float32
    /// bfloat16 rows, products summed in float (`vdpbf16ps`).
    case bfloat16
    /// int8 rows with a scale per row, products summed in int32 (`vpdpbusd`).
    case int8

    /// "float32", "bf16" or "int8".
    package var name: String {
        switch self {
        case .float32: "float32"
        case .bfloat16: "bf16"
        case .int8: "int8"
        }
    }

    /// The C kernels' name for a narrow encoding.
    var narrowType: ck_narrow_type? {
        switch self {
        case .float32: nil
        case .bfloat16: CK_NARROW_BF16
        case .int8: CK_NARROW_I8
        }
    }
}

/// Float rows in a tile encoding, row-major: the row side of similarity tiles. The rows are a
/// matrix's normalised rows, or any other contiguous float rows (a low-rank screen's projections).
///
/// For `float32` these are the source rows themselves (nothing is copied). For `bfloat16` and
/// `int8` each row is encoded once (`ck_narrow.h`), and its error norm ‖a − â‖ measured: the
/// largest of them enters the tiles' error bound (`ExactnessBand.tileError`).
package final class EncodedRows: @unchecked Sendable {
    /// Number of rows.
    package let count: Int
    /// Values per source row.
    package let dimension: Int
    package let encoding: TileEncoding
    /// Bytes from one stored row to the next.
    package let stride: Int
    /// Each row's scale (int8 only).
    package let scales: UnsafeMutablePointer<Float>?
    /// Each row's sum of components Σ q_k (int8 only).
    package let sums: UnsafeMutablePointer<Int32>?
    /// The largest int8 code |q| (`ck_i8_max_code`: 63 where the AVX2 tile runs, else 127).
    package let maxCode: Int32
    /// The largest ‖a − â‖ over the rows (0 for `float32`).
    package let maxError: Double
    /// The object that owns `source` (kept alive while these rows are).
    package let owner: AnyObject
    private let source: UnsafePointer<Float>
    private let storage: UnsafeMutableRawPointer?

    /// Encodes the normalised rows of `matrix` (in parallel over the engine's workers).
    package convenience init(_ matrix: EmbeddingMatrix, encoding: TileEncoding, maxCode: Int32 = ck_i8_max_code()) {
        self.init(matrix.unitRow(0), count: matrix.rows, dimension: matrix.dimension, owner: matrix, encoding: encoding,
                  maxCode: maxCode)
    }

    /// Encodes `count` rows of `dimension` floats starting at `source`, which `owner` keeps alive;
    /// int8 codes up to `maxCode` (the active tile's, unless a test compares variants).
    package init(_ source: UnsafePointer<Float>, count n: Int, dimension d: Int, owner: AnyObject, encoding: TileEncoding,
                 maxCode: Int32 = ck_i8_max_code()) {
        precondition((1...127).contains(maxCode), "int8 codes run from 1 to 127, not \(maxCode)")
        self.count = n
        self.maxCode = maxCode
        self.dimension = d
        self.owner = owner
        self.source = source
        self.encoding = encoding
        guard let type = encoding.narrowType else {
            stride = d * MemoryLayout<Float>.stride
            storage = nil
            scales = nil
            sums = nil
            maxError = 0
            return
        }
        let stride = ck_narrow_padded(type, d) * (encoding == .bfloat16 ? 2 : 1)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(n * stride, 1), alignment: 64)
        let scales = encoding == .int8 ? UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1)) : nil
        let sums = encoding == .int8 ? UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1)) : nil
        let parts = ComputeThreads.split(n, minimum: 1024)
        var errors = [Double](repeating: 0, count: parts.count)
        errors.withUnsafeMutableBufferPointer { errors in
            ComputeThreads.forEach(parts: parts.count) { p in
                var worst = 0.0
                for row in parts[p] {
                    let destination = storage + row * stride, values = source + row * d
                    let error = switch encoding {
                    case .bfloat16: ck_encode_bf16(values, d, destination.assumingMemoryBound(to: UInt16.self))
                    default: ck_encode_i8(values, d, maxCode, destination.assumingMemoryBound(to: UInt8.self), scales! + row, sums! + row)
                    }
                    worst = max(worst, error)
                }
                errors[p] = worst
            }
        }
        self.stride = stride
        self.storage = storage
        self.scales = scales
        self.sums = sums
        maxError = errors.max() ?? 0
    }

    deinit {
        storage?.deallocate()
        scales?.deallocate()
        sums?.deallocate()
    }

    /// Start of stored row `row`.
    package func row(_ row: Int) -> UnsafeRawPointer {
        storage.map { UnsafeRawPointer($0 + row * stride) } ?? UnsafeRawPointer(source + row * dimension)
    }

    /// The rows from `row` on as the row side of a tile (their scales and codes with them).
    package func block(from row: Int) -> RowBlock {
        RowBlock(base: self.row(row), stride: stride, scales: scales.map { UnsafePointer($0 + row) }, maxCode: maxCode)
    }
}
