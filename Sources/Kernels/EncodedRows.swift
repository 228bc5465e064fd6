import CKernels

/// The element type similarity tiles are computed in.
package enum TileEncoding: Sendable, Hashable {
    /// Float tiles of the normalised rows (the blas, simd and swift-simd backends).
    case float32
    /// bfloat16 rows, products summed in float (`vdpbf16ps`).
    case bfloat16
    /// int8 rows with a scale per row, products summed in int32 (`tdpbusd`, `vpdpbusd`).
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
    /// Each row's `CK_I8_FIXES` fixes (`ck_narrow.h`), for int8 rows encoded with them, else nil.
    package let fixes: UnsafeMutablePointer<Float>?
    /// The largest |fix| of each of the `CK_I8_FIXES` places over the rows (empty without fixes).
    package let largestFixes: [Double]
    /// The object that owns `source` (kept alive while these rows are).
    package let owner: AnyObject
    private let source: UnsafePointer<Float>
    private let storage: UnsafeMutableRawPointer?

    /// Encodes the normalised rows of `matrix` (in parallel over the engine's workers).
    package convenience init(_ matrix: EmbeddingMatrix, encoding: TileEncoding, maxCode: Int32 = ck_i8_max_code()) {
        self.init(matrix.unitRow(0), count: matrix.rows, dimension: matrix.dimension, owner: matrix, encoding: encoding,
                  maxCode: maxCode)
    }

    /// Writes a row's `CK_I8_FIXES` fixes from its index and its encoding error ‖a − â‖.
    package typealias FixWriter = (_ row: Int, _ error: Double, _ fixes: UnsafeMutablePointer<Float>) -> Void

    /// Encodes `count` rows of `dimension` floats starting at `source`, which `owner` keeps alive;
    /// int8 codes up to `maxCode` (the active tile's, unless a test compares variants).
    /// - Parameters:
    ///   - sourceStride: floats from one source row to the next (narrow encodings; `dimension`
    ///     unless given).
    ///   - fix: int8 only: writes each row's fixes (then kept with the rows).
    package init(_ source: UnsafePointer<Float>, count n: Int, dimension d: Int, sourceStride: Int? = nil, owner: AnyObject,
                 encoding: TileEncoding, maxCode: Int32 = ck_i8_max_code(), fix: FixWriter? = nil) {
        precondition((1...127).contains(maxCode), "int8 codes run from 1 to 127, not \(maxCode)")
        precondition(fix == nil || encoding == .int8, "only int8 rows carry fixes")
        precondition(sourceStride == nil || (encoding != .float32 && sourceStride! >= d), "float32 rows are read in place")
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
            fixes = nil
            largestFixes = []
            maxError = 0
            return
        }
        let stride = ck_narrow_padded(type, d) * (encoding == .bfloat16 ? 2 : 1), sourceStride = sourceStride ?? d
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(n * stride, 1), alignment: 64)
        let scales = encoding == .int8 ? UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1)) : nil
        let sums = encoding == .int8 ? UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1)) : nil
        let places = Int(CK_I8_FIXES)
        let fixes = fix == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: max(n * places, 1))
        let parts = ComputeThreads.split(n, minimum: 1024)
        // Per part: the largest error, then the largest |fix| of each place.
        var largest = [Double](repeating: 0, count: parts.count * (1 + places))
        largest.withUnsafeMutableBufferPointer { largest in
            ComputeThreads.forEach(parts: parts.count) { p in
                let worst = largest.baseAddress! + p * (1 + places)
                for row in parts[p] {
                    let destination = storage + row * stride, values = source + row * sourceStride
                    let error = switch encoding {
                    case .bfloat16: ck_encode_bf16(values, d, destination.assumingMemoryBound(to: UInt16.self))
                    default: ck_encode_i8(values, d, maxCode, destination.assumingMemoryBound(to: UInt8.self), scales! + row, sums! + row)
                    }
                    worst[0] = max(worst[0], error)
                    if let fix, let fixes {
                        fix(row, error, fixes + row * places)
                        for f in 0..<places { worst[1 + f] = max(worst[1 + f], Double(abs(fixes[row * places + f]))) }
                    }
                }
            }
        }
        self.stride = stride
        self.storage = storage
        self.scales = scales
        self.sums = sums
        self.fixes = fixes
        maxError = parts.indices.map { largest[$0 * (1 + places)] }.max() ?? 0
        largestFixes = fix == nil ? [] : (0..<places).map { f in parts.indices.map { largest[$0 * (1 + places) + 1 + f] }.max() ?? 0 }
    }

    deinit {
        storage?.deallocate()
        scales?.deallocate()
        sums?.deallocate()
        fixes?.deallocate()
    }

    /// Start of stored row `row`.
    package func row(_ row: Int) -> UnsafeRawPointer {
        storage.map { UnsafeRawPointer($0 + row * stride) } ?? UnsafeRawPointer(source + row * dimension)
    }

    /// The rows from `row` on as the row side of a tile (their scales, fixes and codes with them).
    package func block(from row: Int) -> RowBlock {
        RowBlock(base: self.row(row), stride: stride, scales: scales.map { UnsafePointer($0 + row) },
                 fixes: fixes.map { UnsafePointer($0 + row * Int(CK_I8_FIXES)) }, maxCode: maxCode)
    }
}
