import CKernels

/// A contiguous row-major matrix of embeddings: the original values, their L2-normalised
/// copy and the original norms.
///
/// Rows are validated once (finite values, one dimension), normalised once, and then only
/// read, so a matrix can be shared between threads.
///
/// ```swift
/// let matrix = try EmbeddingMatrix(rows: [[1, 0, 0], [0.9, 0.1, 0]])
/// let clusters = try GreedyClustering(threshold: 0.82).cluster(matrix).clusters
/// ```
public final class EmbeddingMatrix: @unchecked Sendable {
    /// Number of rows (embeddings).
    public let rows: Int
    /// Number of components per row.
    public let dimension: Int
    /// L2 norm of each original row in `Double` (`ReferenceCosine.norm`), 0 for a zero row.
    public let norms: [Double]
    /// The original values, row-major, `rows × dimension`.
    package let raw: UnsafeMutablePointer<Float>
    /// The normalised rows, row-major; a zero row stays zero.
    package let unit: UnsafeMutablePointer<Float>
    /// The principal axes a low-rank screen last computed for these rows, reused by the next
    /// screen over them (a sweep, a report, repeated calls): `ScreenEstimate.principalAxes`.
    package let screenAxes = PrincipalAxesCache()

    /// Takes ownership of `raw` (allocated with `UnsafeMutablePointer.allocate`, `rows ×
    /// dimension` values), validates it and normalises it. Frees `raw` when it throws.
    package init(taking raw: UnsafeMutablePointer<Float>, rows: Int, dimension: Int) throws(EmbeddingError) {
        guard dimension > 0 else {
            raw.deallocate()
            throw .zeroDimension
        }
        let count = rows * dimension
        if let bad = (0..<count).first(where: { !raw[$0].isFinite }) {
            raw.deallocate()
            throw .nonFinite(row: bad / dimension, column: bad % dimension)
        }
        let unit = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        var norms = [Double](repeating: 0, count: rows)
        for row in 0..<rows {
            let offset = row * dimension
            norms[row] = ReferenceCosine.norm(raw + offset, count: dimension)
            ck_normalise_f32(raw + offset, unit + offset, dimension, norms[row])
        }
        self.rows = rows
        self.dimension = dimension
        self.raw = raw
        self.unit = unit
        self.norms = norms
    }

    /// A matrix from a flat row-major array of `rows × dimension` values.
    /// - Throws: `EmbeddingError` for dimension 0, a count that is not a multiple of
    ///   `dimension`, or a NaN/infinite value.
    public convenience init(flat values: [Float], dimension: Int) throws(EmbeddingError) {
        guard dimension > 0 else { throw .zeroDimension }
        guard values.count % dimension == 0 else {
            throw .sizeNotMultiple(values: values.count, dimension: dimension)
        }
        let raw = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { raw.initialize(from: $0.baseAddress!, count: values.count) }
        try self.init(taking: raw, rows: values.count / dimension, dimension: dimension)
    }

    /// A matrix from one array per row; every row must have `dimension` values.
    /// - Parameter dimension: required when `rows` may be empty; defaults to the first row's count.
    /// - Throws: `EmbeddingError.ragged` naming the first row of another length, and the errors
    ///   of `init(flat:dimension:)`.
    public convenience init(rows: [[Float]], dimension: Int? = nil) throws(EmbeddingError) {
        let width = dimension ?? rows.first?.count ?? 0
        if let bad = rows.firstIndex(where: { $0.count != width }) {
            throw .ragged(row: bad, expected: width, found: rows[bad].count)
        }
        try self.init(flat: rows.flatMap { $0 }, dimension: width)
    }

    deinit {
        raw.deallocate()
        unit.deallocate()
    }

    /// A matrix of the rows `indices` of this one, in that order.
    package func subset(_ indices: [Int]) -> EmbeddingMatrix {
        let raw = UnsafeMutablePointer<Float>.allocate(capacity: max(indices.count * dimension, 1))
        for (i, index) in indices.enumerated() { (raw + i * dimension).update(from: rawRow(index), count: dimension) }
        // The rows were validated once already.
        return try! EmbeddingMatrix(taking: raw, rows: indices.count, dimension: dimension)
    }

    /// The original values of row `index`.
    public func row(_ index: Int) -> [Float] {
        precondition(index >= 0 && index < rows, "row \(index) out of 0..<\(rows)")
        return Array(UnsafeBufferPointer(start: raw + index * dimension, count: dimension))
    }

    /// Start of the original values of row `index`.
    package func rawRow(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(raw + index * dimension) }

    /// Start of the normalised values of row `index`.
    package func unitRow(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(unit + index * dimension) }

    /// The float dot product of the normalised rows `i` of this matrix and `j` of `other` (within
    /// `ExactnessBand.band(for:)` of the reference cosine).
    package func floatSimilarity(_ i: Int, _ other: EmbeddingMatrix, _ j: Int) -> Float {
        ck_dot_f32(unitRow(i), other.unitRow(j), dimension)
    }

    /// `floatSimilarity(i, other, j)` as a function of j that holds pointers, not references, for
    /// hot loops (no reference counting per call); both matrices must outlive it.
    package func floatSimilarities(ofRow i: Int, with other: EmbeddingMatrix) -> RowSimilarities {
        RowSimilarities(row: unitRow(i), columns: other.unitRow(0), dimension: dimension)
    }

    /// The reference cosine of row `i` of this matrix and row `j` of `other` (see `ReferenceCosine`).
    package func referenceCosine(_ i: Int, _ other: EmbeddingMatrix, _ j: Int) -> Double {
        ReferenceCosine.cosine(rawRow(i), norms[i], other.rawRow(j), other.norms[j], count: dimension)
    }
}

/// The float similarities of one normalised row with the rows of a matrix (`floatSimilarities`).
package struct RowSimilarities {
    let row: UnsafePointer<Float>
    let columns: UnsafePointer<Float>
    let dimension: Int

    /// The float similarity with row `j`.
    package func callAsFunction(_ j: Int) -> Float { ck_dot_f32(row, columns + j * dimension, dimension) }
}

/// Why embeddings were refused. Rows and columns are 0-based.
public enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    case zeroDimension
    case sizeNotMultiple(values: Int, dimension: Int)
    case byteCountNotMultiple(bytes: Int, dimension: Int)
    case ragged(row: Int, expected: Int, found: Int)
    case nonFinite(row: Int, column: Int)
    case dimensionMismatch(expected: Int, found: Int)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .zeroDimension: "dimension must be at least 1"
        case let .sizeNotMultiple(values, dimension):
            "\(values) values is not a whole number of rows of dimension \(dimension)"
        case let .byteCountNotMultiple(bytes, dimension):
            "\(bytes) bytes is not a whole number of float32 rows of dimension \(dimension) (\(dimension * 4) bytes each)"
        case let .ragged(row, expected, found): "row \(row) has \(found) values, expected \(expected)"
        case let .nonFinite(row, column): "row \(row) has a NaN or infinite value at column \(column)"
        case let .dimensionMismatch(expected, found): "dimension \(found) does not match dimension \(expected)"
        case let .unreadable(path, reason): "cannot read \(path): \(reason)"
        }
    }
}
