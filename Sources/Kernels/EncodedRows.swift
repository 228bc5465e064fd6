import CKernels

/// The element type similarity tiles are computed in.
package enum TileEncoding: Sendable, Equatable {
    /// Float tiles of the normalised rows (the blas, simd and swift-simd backends).
    case float32
    /// bfloat16 rows, products summed in float (`vdpbf16ps`).
    case bfloat16
    /// int8 rows with a scale per row, products summed in int32 (`vpdpbusd`).
    case int8

    /// The C kernels' name for a narrow encoding.
    var narrowType: ck_narrow_type? {
        switch self {
        case .float32: nil
        case .bfloat16: CK_NARROW_BF16
        case .int8: CK_NARROW_I8
        }
    }
}

/// A matrix's normalised rows in a tile encoding, row-major: the row side of similarity tiles.
///
/// For `float32` these are the matrix's own normalised rows (nothing is copied). For `bfloat16`
/// and `int8` each row is encoded once (`ck_narrow.h`), and its error norm ‖a − â‖ measured:
/// the largest of them enters the tiles' error bound (`ExactnessBand.band(for:encoding:…)`).
package final class EncodedRows: @unchecked Sendable {
    package let matrix: EmbeddingMatrix
    package let encoding: TileEncoding
    /// Bytes from one stored row to the next.
    package let stride: Int
    /// Each row's scale (int8 only).
    package let scales: UnsafeMutablePointer<Float>?
    /// Each row's sum of components Σ q_k (int8 only).
    package let sums: UnsafeMutablePointer<Int32>?
    /// The largest ‖a − â‖ over the rows (0 for `float32`).
    package let maxError: Double
    private let storage: UnsafeMutableRawPointer?

    /// Encodes the normalised rows of `matrix` (in parallel over the engine's workers).
    package init(_ matrix: EmbeddingMatrix, encoding: TileEncoding) {
        self.matrix = matrix
        self.encoding = encoding
        let n = matrix.rows, d = matrix.dimension
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
                    let destination = storage + row * stride
                    let error = switch encoding {
                    case .bfloat16: ck_encode_bf16(matrix.unitRow(row), d, destination.assumingMemoryBound(to: UInt16.self))
                    default: ck_encode_i8(matrix.unitRow(row), d, destination.assumingMemoryBound(to: UInt8.self), scales! + row, sums! + row)
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
        storage.map { UnsafeRawPointer($0 + row * stride) } ?? UnsafeRawPointer(matrix.unitRow(row))
    }
}
