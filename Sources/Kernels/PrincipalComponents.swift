import CKernels

/// The leading principal components of a matrix's normalised rows: the axes of largest variance
/// of the unit vectors (cosine geometry), for a 2-D map of a pool.
///
/// The mean is summed in `Double`; the covariance of the centred rows is built from similarity
/// tiles of 1,024-row blocks (the backend's kernel, so BLAS when it loads) added up in `Double`,
/// and its top eigenpairs come from LAPACK's `dsyevr`. Each axis's sign is fixed so that its
/// largest component is positive, so the map does not flip between runs.
///
/// ```swift
/// let pca = try PrincipalComponents(of: matrix, count: 2)
/// let point = pca.project(row: 0, of: matrix)   // [x, y] of row 0
/// print(pca.explainedVariance)                  // share of the total variance along each axis
/// ```
///
/// - Complexity: O(n·d²) for the covariance, O(d³) for the eigensolver; memory O(d² + 1024·d).
public struct PrincipalComponents: Sendable {
    /// The mean of the normalised rows.
    public let mean: [Double]
    /// Unit axes, largest variance first, each of the matrix's dimension.
    public let axes: [[Double]]
    /// The variance of the normalised rows along each axis (eigenvalues of the covariance).
    public let variances: [Double]
    /// The total variance (trace of the covariance).
    public let totalVariance: Double

    /// The share of the total variance along each axis (0 when the rows do not vary).
    public var explainedVariance: [Double] { variances.map { totalVariance > 0 ? $0 / totalVariance : 0 } }

    /// The `count` leading components of the normalised rows of `matrix`.
    /// - Throws: `PrincipalComponentsError` when `count` is not in 1...dimension, the matrix has
    ///   fewer than two rows, LAPACKE cannot be loaded, or the eigensolver fails.
    public init(of matrix: EmbeddingMatrix, count: Int = 2, backend: Backend = .auto) throws(PrincipalComponentsError) {
        let d = matrix.dimension, n = matrix.rows
        guard (1...d).contains(count) else { throw .invalidCount(count, dimension: d) }
        guard n >= 2 else { throw .tooFewRows(n) }
        guard d <= Int(Int32.max) else { throw .invalidCount(count, dimension: d) }
        if let reason = LAPACKLibrary.unavailableReason { throw .lapackUnavailable(reason) }
        var mean = [Double](repeating: 0, count: d)
        for row in 0..<n {
            let unit = matrix.unitRow(row)
            for k in 0..<d { mean[k] += Double(unit[k]) }
        }
        for k in 0..<d { mean[k] /= Double(n) }
        var covariance = Self.centredScatter(matrix, mean: mean, kernel: backend.floatKernel)
        for i in 0..<(d * d) { covariance[i] /= Double(n) }
        let totalVariance = (0..<d).reduce(0.0) { $0 + covariance[$1 * d + $1] }
        var values = [Double](repeating: 0, count: d)
        var vectors = [Double](repeating: 0, count: d * count)
        var found: ck_blasint = 0
        let info = ck_dsyevr_range(ck_blasint(d), &covariance, ck_blasint(d - count + 1), ck_blasint(d), &found, &values, &vectors)
        guard info == 0, found == count else { throw .eigensolverFailed(info: Int(info)) }
        // dsyevr lists eigenvalues ascending: the largest is the last column.
        var axes: [[Double]] = []
        for c in (0..<count).reversed() {
            var axis = (0..<d).map { vectors[$0 * count + c] }
            if let peak = axis.indices.max(by: { abs(axis[$0]) < abs(axis[$1]) }), axis[peak] < 0 {
                axis = axis.map { -$0 }
            }
            axes.append(axis)
        }
        self.mean = mean
        self.axes = axes
        self.variances = (0..<count).reversed().map { max(0, values[$0]) }
        self.totalVariance = totalVariance
    }

    /// The coordinates of row `row` of `matrix` (normalised, centred) along each axis.
    /// - Precondition: `matrix` has the dimension of the components.
    public func project(row: Int, of matrix: EmbeddingMatrix) -> [Double] {
        precondition(matrix.dimension == mean.count, "dimension \(matrix.dimension) is not \(mean.count)")
        let unit = matrix.unitRow(row)
        return axes.map { axis in
            var sum = 0.0
            for k in axis.indices { sum += (Double(unit[k]) - mean[k]) * axis[k] }
            return sum
        }
    }

    /// Σ (u − mean)(u − mean)ᵀ over the normalised rows u (those `rows` lists, or all), row-major
    /// d×d in `Double`: each block of rows is centred and transposed, and its d×d similarity tile
    /// added in, in block order (the blocks' tiles are computed in parallel).
    package static func centredScatter(_ matrix: EmbeddingMatrix, rows selected: [Int]? = nil, mean: [Double],
                                       kernel: any FloatKernel) -> [Double] {
        let d = matrix.dimension, n = selected?.count ?? matrix.rows, block = 1024, lines = 16
        let blocks = (n + block - 1) / block, workers = min(ComputeThreads.count, blocks)
        var scatter = [Double](repeating: 0, count: d * d)
        let tiles = UnsafeMutablePointer<Float>.allocate(capacity: max(workers * d * d, 1))
        let transposed = UnsafeMutablePointer<Float>.allocate(capacity: max(workers * d * block, 1))
        defer {
            transposed.deallocate()
            tiles.deallocate()
        }
        // Round by round, worker w takes block round·workers + w, so the sum's order is the blocks'.
        for round in stride(from: 0, to: blocks, by: max(workers, 1)) {
            let parts = min(workers, blocks - round)
            ComputeThreads.forEach(parts: parts) { w in
                let start = (round + w) * block, rows = min(block, n - start)
                let transposed = transposed + w * d * block
                // A few rows at a time, so that each written line of the transpose is filled at once.
                for first in stride(from: 0, to: rows, by: lines) {
                    let units = (first..<min(first + lines, rows)).map { matrix.unitRow(selected?[start + $0] ?? start + $0) }
                    for k in 0..<d {
                        for (r, unit) in units.enumerated() { transposed[k * rows + first + r] = Float(Double(unit[k]) - mean[k]) }
                    }
                }
                kernel.tile(transposed, rows: d, transposed, rows: d, dimension: rows, into: tiles + w * d * d, rowStride: d)
            }
            for w in 0..<parts {
                for i in 0..<(d * d) { scatter[i] += Double(tiles[w * d * d + i]) }
            }
        }
        return scatter
    }
}

/// Why principal components could not be computed.
public enum PrincipalComponentsError: Error, Equatable, CustomStringConvertible {
    case invalidCount(Int, dimension: Int)
    case tooFewRows(Int)
    case lapackUnavailable(String)
    case eigensolverFailed(info: Int)

    public var description: String {
        switch self {
        case let .invalidCount(count, dimension): "cannot take \(count) components of dimension \(dimension)"
        case let .tooFewRows(rows): "principal components need at least 2 rows, not \(rows)"
        case let .lapackUnavailable(reason): reason
        case let .eigensolverFailed(info): "LAPACKE_dsyevr failed (info \(info))"
        }
    }
}
