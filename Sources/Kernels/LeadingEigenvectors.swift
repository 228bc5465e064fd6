import CKernels

/// The eigenvectors of the largest eigenvalues of a symmetric matrix: from LAPACK's `ssyevr`
/// when LAPACKE loads and the matrix is not large (d ≤ 2,048) or many eigenvectors are wanted,
/// else by subspace iteration over float products (less precise, but any orthonormal basis
/// serves a low-rank screen: its bound is measured on the basis it gets; the solver's O(d³)
/// reduction takes tens of seconds at d = 4,096).
package enum LeadingEigenvectors {
    /// The `count` leading unit eigenvectors of the symmetric `d×d` row-major `matrix`, largest
    /// eigenvalue first; `kernel` computes the products of the iteration.
    /// - Parameter useLAPACK: false forces the iteration (tests).
    /// - Precondition: 1 ≤ count ≤ d.
    package static func of(_ matrix: [Double], dimension d: Int, count: Int, kernel: any FloatKernel,
                           useLAPACK: Bool = true) -> [[Double]] {
        precondition((1...d).contains(count) && matrix.count == d * d)
        if useLAPACK, d <= 2048 || 4 * count > d, LAPACKLibrary.unavailableReason == nil,
           let vectors = fromLAPACK(matrix, dimension: d, count: count) {
            return vectors
        }
        return bySubspaceIteration(matrix, dimension: d, count: count, kernel: kernel)
    }

    /// `ssyevr` over the upper triangle; nil when it fails (or the library lacks it).
    /// Single precision halves the time of the O(d³) reduction (22 → 10 ms at d = 384, 128 of
    /// them); the vectors are then orthonormal to about 1e-6, which the screen's bound measures.
    private static func fromLAPACK(_ matrix: [Double], dimension d: Int, count: Int) -> [[Double]]? {
        var a = matrix.map(Float.init)
        var values = [Float](repeating: 0, count: d)
        var vectors = [Float](repeating: 0, count: d * count)
        var found: ck_blasint = 0
        let info = ck_ssyevr_range(ck_blasint(d), &a, ck_blasint(d - count + 1), ck_blasint(d), &found, &values, &vectors)
        guard info == 0, found == count else { return nil }
        // Eigenvalues ascend: the largest is the last column.
        return (0..<count).reversed().map { c in (0..<d).map { Double(vectors[$0 * count + c]) } }
    }

    /// Simultaneous iteration: V ← orthonormalised A·V, 40 times, from the coordinate axes of the
    /// largest diagonal entries. Column j converges to the j-th eigenvector at the rate
    /// λ_{j+1}/λ_j; the span of the first j columns at least as fast.
    private static func bySubspaceIteration(_ matrix: [Double], dimension d: Int, count: Int,
                                            kernel: any FloatKernel) -> [[Double]] {
        let a = matrix.map(Float.init)
        let diagonal = (0..<d).sorted { matrix[$0 * d + $0] > matrix[$1 * d + $1] }
        var basis = (0..<count).map { c -> [Double] in
            var axis = [Double](repeating: 0, count: d)
            axis[diagonal[c]] = 1
            return axis
        }
        var product = [Float](repeating: 0, count: count * d)
        for _ in 0..<40 {
            let flat = basis.flatMap { $0.map(Float.init) }
            // product[c·d + i] = Σ_j v_c[j] · a[i][j]: A·v_c as row c (A is symmetric).
            kernel.tile(flat, rows: count, a, rows: d, dimension: d, into: &product, rowStride: d)
            basis = orthonormalised((0..<count).map { c in (0..<d).map { Double(product[c * d + $0]) } }, fallback: basis)
        }
        return basis
    }

    /// The vectors orthonormalised in order (modified Gram–Schmidt, twice), up to the first that
    /// has (next to) nothing left outside the span of those before it.
    package static func orthonormalPrefix(_ vectors: [[Double]]) -> [[Double]] {
        let largest = vectors.map { wideDot($0, $0).squareRoot() }.max() ?? 0
        var result: [[Double]] = []
        for vector in vectors {
            let v = outside(vector, of: result)
            let length = wideDot(v, v).squareRoot()
            guard length > 1e-5 * largest else { break }
            result.append(v.map { $0 / length })
        }
        return result
    }

    /// Modified Gram–Schmidt, twice. A vector that vanishes (A is rank-deficient) is replaced by
    /// the previous iterate's, or else the first coordinate axis, that is independent of the
    /// vectors before it, so the result is always an orthonormal basis.
    private static func orthonormalised(_ vectors: [[Double]], fallback: [[Double]]) -> [[Double]] {
        let d = vectors[0].count
        var result: [[Double]] = []
        for (index, vector) in vectors.enumerated() {
            for attempt in 0..<(d + 2) {
                var candidate = attempt == 0 ? vector : fallback[index]
                if attempt >= 2 {
                    candidate = [Double](repeating: 0, count: d)
                    candidate[attempt - 2] = 1
                }
                let v = outside(candidate, of: result)
                let length = wideDot(v, v).squareRoot(), scale = wideDot(candidate, candidate).squareRoot()
                if length > 1e-6 * scale {
                    result.append(v.map { $0 / length })
                    break
                }
            }
        }
        return result
    }

    /// What is left of `vector` outside the span of the orthonormal `basis`: modified
    /// Gram–Schmidt, twice (once leaves rounding-sized components when vectors are close).
    private static func outside(_ vector: [Double], of basis: [[Double]]) -> [Double] {
        var v = vector
        for _ in 0..<2 {
            for q in basis {
                let dot = wideDot(v, q)
                for i in v.indices { v[i] -= dot * q[i] }
            }
        }
        return v
    }
}
