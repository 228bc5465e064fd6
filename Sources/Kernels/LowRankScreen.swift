import CKernels

/// An exact low-rank screen: an upper bound on the cosine of two rows from k + 1 numbers per row.
///
/// For a float basis Q (k rows of dimension d, orthonormal only to rounding) and a float unit
/// row a, the screen row is ỹ_a = [ŷ_a, ρ_a]: ŷ_a the computed projection Q·a, ρ_a a bound on
/// the norm of the residual r_a = a − Qᵀŷ_a. With E = QQᵀ − I and δ_a = Q·a − ŷ_a, expanding
/// a = Qᵀŷ_a + r_a and using Q·r_b = δ_b − E·ŷ_b gives, exactly,
///
///     a·b = ŷ_a·ŷ_b − ŷ_aᵀEŷ_b + ŷ_a·δ_b + δ_a·ŷ_b + r_a·r_b
///         ≤ ỹ_a·ỹ_b + ε‖ŷ_a‖‖ŷ_b‖ + ‖ŷ_a‖Δ + Δ‖ŷ_b‖          (Cauchy–Schwarz)
///
/// where, with u = 2⁻²⁴, γ_n = nu/(1 − nu), F ≥ ‖Q‖_F and u' = 2⁻⁵³:
/// - ε ≥ ‖E‖₂: ‖E‖_F computed in `Double` (products of floats are exact there, each sum errs by
///   at most γ'_d‖q_i‖‖q_j‖, so add γ'_d·F²);
/// - Δ ≥ ‖δ_a‖: ŷ_a is a float product in any order, so |δ_ai| ≤ γ_d Σ_j|q_ij||a_j| and
///   ‖δ_a‖ ≤ γ_d·‖Q‖_F·‖a‖ ≤ γ_d·F·(1 + 2u);
/// - ρ_a ≥ ‖r_a‖ without forming r_a: since Q·a = ŷ_a + δ_a and QQᵀ = I + E, exactly
///   ‖r_a‖² = ‖a‖² − 2(Q·a)·ŷ_a + ŷ_aᵀ(I + E)ŷ_a = ‖a‖² − ‖ŷ_a‖² − 2δ_a·ŷ_a + ŷ_aᵀEŷ_a
///   ≤ ‖a‖² − ‖ŷ_a‖² + 2Δ‖ŷ_a‖ + ε‖ŷ_a‖². Both squared norms are summed in `Double` from exact
///   squares of floats (each errs by at most γ'_n times itself), so adding
///   (d + k + 16)·u'·(‖a‖² + ‖ŷ_a‖²) covers them and the few roundings of the sum.
///
/// Norms are rounded up as they are computed, every subnormal rounding of the float projection
/// is covered by an absolute (d + k + 4)·2⁻¹²⁶ (in Δ), and ρ_a is stored rounded up to float. A
/// similarity tile of the screen rows errs by at most `ExactnessBand.tileError` (k + 1 dimensions, norms ‖ỹ‖, and the
/// encoding's quantisation); an int8 tile instead adds each pair's own quantisation to its value
/// (`ScreenRows.encoded`) and errs by its roundings only (`ExactnessBand.fixedTileError`).
/// Adding |a·b − reference cosine| (`ExactnessBand.cosineError`) gives the screen's band C: a pair whose screen similarity s has s < t − C has reference cosine
/// below t. Every other pair is decided as without a screen, from the full rows.
package final class LowRankScreen: @unchecked Sendable {
    /// k: directions in the basis.
    package let rank: Int
    /// d: the dimension of the rows it screens.
    package let dimension: Int
    /// Q, k×d row-major.
    private let basis: [Float]
    /// ε ≥ ‖QQᵀ − I‖₂.
    package let orthogonalityError: Double
    /// Δ ≥ ‖Q·a − ŷ_a‖ for every float unit row a.
    package let projectionError: Double
    /// F ≥ ‖Q‖_F.
    private let frobenius: Double
    /// Absolute slack for subnormal roundings.
    private let underflow: Double

    /// The screen of the basis `axes` (k vectors of dimension d, orthonormal to float rounding;
    /// rounded to float here).
    /// - Precondition: 1 ≤ k ≤ d, every axis of length d.
    package convenience init(axes: [[Double]]) {
        precondition(!axes.isEmpty && axes.allSatisfy { $0.count == axes[0].count } && axes.count <= axes[0].count)
        let basis = axes.flatMap { $0.map(Float.init) }
        self.init(basis: basis, rank: axes.count, gramSquares: Self.gramSquares(basis, rank: axes.count).last!)
    }

    /// The screens on the first k of `axes` for each k of `ranks` (each at most the axes' count):
    /// `init(axes:)` of each prefix, with the Gram matrix of the longest computed once.
    package static func prefixes(of axes: [[Double]], ranks: [Int]) -> [Int: LowRankScreen] {
        precondition(!axes.isEmpty && axes.allSatisfy { $0.count == axes[0].count } && axes.count <= axes[0].count)
        precondition(!ranks.isEmpty && ranks.allSatisfy { (1...axes.count).contains($0) })
        let longest = ranks.max()!, d = axes[0].count
        let basis = axes.prefix(longest).flatMap { $0.map(Float.init) }
        let squares = gramSquares(basis, rank: longest)
        return Dictionary(ranks.map { k in (k, LowRankScreen(basis: Array(basis.prefix(k * d)), rank: k, gramSquares: squares[k - 1])) },
                          uniquingKeysWith: { first, _ in first })
    }

    /// The screen of the float basis `basis` (k × d) whose Gram error ‖QQᵀ − I‖_F², summed in
    /// `Double`, is `gramSquares`.
    private init(basis q: [Float], rank k: Int, gramSquares: Double) {
        let d = q.count / k
        rank = k
        dimension = d
        basis = q
        let (u, unitRoundoff) = (0x1p-24, 0x1p-53)
        let squares = q.reduce(0.0) { $0 + Double($1) * Double($1) }
        frobenius = roundedUp(squares.squareRoot(), terms: k * d)
        underflow = Double(d + k + 4) * 0x1p-126
        let gammaPrime = ExactnessBand.gamma(Double(d), unitRoundoff: unitRoundoff)
        orthogonalityError = roundedUp(gramSquares.squareRoot(), terms: k * k) + gammaPrime * frobenius * frobenius + underflow
        projectionError = ExactnessBand.gamma(Double(d)) * frobenius * (1 + 2 * u) + underflow
    }

    /// For each prefix of k = 1…`rank` rows of the float basis `q` (rank × d), the sum of squares
    /// of QQᵀ − I over its k × k block, each entry a `Double` dot of exact products.
    private static func gramSquares(_ q: [Float], rank: Int) -> [Double] {
        let d = q.count / rank, wide = q.map(Double.init)
        var sums: [Double] = []
        var total = 0.0
        for j in 0..<rank {
            // Row j of the block's new last column and row: entries (i, j) for i ≤ j.
            for i in 0...j {
                let e = wideDot(wide, from: i * d, wide, from: j * d, count: d) - (i == j ? 1 : 0)
                total += (i == j ? 1 : 2) * e * e
            }
            sums.append(total)
        }
        return sums
    }

    /// The projections of the normalised rows of `matrix` (those `selected` lists, in its order, or
    /// all) on this basis, in parallel over the engine's workers: the screen rows of this screen
    /// and of every screen on a prefix of its basis (`rows(_:)`).
    package func projections(of matrix: EmbeddingMatrix, rows selected: [Int]? = nil, kernel: any FloatKernel) -> ScreenProjections {
        precondition(matrix.dimension == dimension, "dimension \(matrix.dimension) is not \(dimension)")
        let n = selected?.count ?? matrix.rows, k = rank, d = dimension, block = 1024
        let projections = ScreenProjections(count: n, basis: basis, rank: k)
        let parts = ComputeThreads.split(n, minimum: 256)
        ComputeThreads.forEach(parts: parts.count) { p in
            // Selected rows are gathered a block at a time into one contiguous operand.
            let gathered = selected == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: block * d)
            defer { gathered?.deallocate() }
            for start in stride(from: parts[p].lowerBound, to: parts[p].upperBound, by: block) {
                let m = min(block, parts[p].upperBound - start)
                var operand = matrix.unitRow(start)
                if let selected, let gathered {
                    for i in 0..<m { (gathered + i * d).update(from: matrix.unitRow(selected[start + i]), count: d) }
                    operand = UnsafePointer(gathered)
                }
                kernel.tile(operand, rows: m, basis, rows: k, dimension: d, into: projections.values + start * k, rowStride: k)
                for i in 0..<m { projections.rowSquares[start + i] = wideSquares(operand + i * d, count: d) }
            }
        }
        return projections
    }

    /// The screen rows of the rows `projections` holds, which were projected on this basis or on
    /// a longer one that starts with it.
    package func rows(_ projections: ScreenProjections) -> ScreenRows {
        precondition(projections.rank >= rank && projections.basis.prefix(rank * dimension).elementsEqual(basis),
                     "projections on another basis")
        let n = projections.count, k = rank, width = k + 1, stride = projections.rank
        let rows = ScreenRows(count: n, width: width)
        let parts = ComputeThreads.split(n, minimum: 1024)
        var maxima = [(projection: Double, length: Double)](repeating: (0, 0), count: parts.count)
        maxima.withUnsafeMutableBufferPointer { maxima in
            ComputeThreads.forEach(parts: parts.count) { p in
                for i in parts[p] {
                    let (projection, length) = finish(rowSquares: projections.rowSquares[i],
                                                      projection: projections.values + i * stride, into: rows.values + i * width)
                    maxima[p].projection = max(maxima[p].projection, projection)
                    maxima[p].length = max(maxima[p].length, length)
                }
            }
        }
        rows.maxProjectionNorm = maxima.map(\.projection).max() ?? 0
        rows.maxLength = maxima.map(\.length).max() ?? 0
        return rows
    }

    /// The band C for tiles between screen rows `a` and `b` encoded as `encodedRows` and
    /// `encodedColumns` (`ScreenRows.encoded`): a screen similarity below t − C is a certain
    /// non-match at threshold t.
    package func band(_ a: ScreenRows, _ b: ScreenRows, encodedRows: EncodedRows, encodedColumns: EncodedRows) -> Double {
        let tile = if encodedRows.fixes != nil {
            ExactnessBand.fixedTileError(rowFixes: encodedRows.largestFixes, columnFixes: encodedColumns.largestFixes)
        } else {
            ExactnessBand.tileError(dimension: rank + 1, encoding: encodedRows.encoding, rowNorm: a.maxLength, columnNorm: b.maxLength,
                                    rowError: encodedRows.maxError, columnError: encodedColumns.maxError)
        }
        let (na, nb) = (a.maxProjectionNorm, b.maxProjectionNorm)
        let projection = orthogonalityError * na * nb + na * projectionError + projectionError * nb
        return ExactnessBand.finished(tile + projection + ExactnessBand.cosineError(dimension))
    }

    /// Writes the screen row [ŷ, ρ] of one unit row a from ‖a‖² (`rowSquares`) and its projection
    /// ŷ (the first k values at `y`); returns upper bounds on ‖ŷ‖ and ‖[ŷ, ρ]‖.
    private func finish(rowSquares: Double, projection y: UnsafePointer<Float>,
                        into row: UnsafeMutablePointer<Float>) -> (projection: Double, length: Double) {
        let k = rank, d = dimension
        let squares = wideSquares(y, count: k)
        row.update(from: y, count: k)
        let projectionNorm = roundedUp(squares.squareRoot(), terms: k)
        let slack = Double(d + k + 16) * 0x1p-53 * (rowSquares + squares)
        let residualSquares = rowSquares - squares + slack + 2 * projectionError * projectionNorm
            + orthogonalityError * projectionNorm * projectionNorm
        let bound = roundedUp(max(residualSquares, 0).squareRoot(), terms: 4)
        var rho = Float(bound)
        if Double(rho) < bound { rho = rho.nextUp }
        row[k] = rho
        let length = roundedUp((squares + Double(rho) * Double(rho)).squareRoot(), terms: k + 1)
        return (projectionNorm, length)
    }

}

/// Σ_c x[c]² for c < n, in `Double` (each square exact), four lanes at a time.
private func wideSquares(_ x: UnsafePointer<Float>, count n: Int) -> Double {
    var lanes = SIMD4<Double>()
    var c = 0
    while c + 4 <= n {
        let v = SIMD4<Double>(Double(x[c]), Double(x[c + 1]), Double(x[c + 2]), Double(x[c + 3]))
        lanes += v * v
        c += 4
    }
    var sum = lanes.sum()
    while c < n {
        sum += Double(x[c]) * Double(x[c])
        c += 1
    }
    return sum
}

/// Σ_c x[c]·y[c] over all of `x`, in `Double`.
func wideDot(_ x: [Double], _ y: [Double]) -> Double { wideDot(x, from: 0, y, from: 0, count: x.count) }

/// Σ_c x[a + c]·y[b + c] for c < n, in `Double`, eight lanes at a time.
func wideDot(_ x: [Double], from a: Int, _ y: [Double], from b: Int, count n: Int) -> Double {
    precondition(a >= 0 && b >= 0 && n >= 0 && a + n <= x.count && b + n <= y.count)
    guard n > 0 else { return 0 }
    return x.withUnsafeBufferPointer { x in
        y.withUnsafeBufferPointer { y in
            let (x, y) = (UnsafeRawPointer(x.baseAddress! + a), UnsafeRawPointer(y.baseAddress! + b))
            let stride = MemoryLayout<Double>.stride
            var lanes = SIMD8<Double>()
            var c = 0
            while c + 8 <= n {
                lanes += x.loadUnaligned(fromByteOffset: c * stride, as: SIMD8<Double>.self)
                    * y.loadUnaligned(fromByteOffset: c * stride, as: SIMD8<Double>.self)
                c += 8
            }
            var sum = lanes.sum()
            while c < n {
                sum += x.load(fromByteOffset: c * stride, as: Double.self) * y.load(fromByteOffset: c * stride, as: Double.self)
                c += 1
            }
            return sum
        }
    }
}

/// A value computed in `Double` from a sum of `terms` exact squares (or a few roundings), then a
/// square root, raised past its rounding error: × (1 + (terms + 4)·2⁻⁵²).
private func roundedUp(_ value: Double, terms: Int) -> Double {
    value * (1 + Double(terms + 4) * 0x1p-52)
}

/// The least float at or above `value`.
private func floatRoundedUp(_ value: Double) -> Float {
    let rounded = Float(value)
    return Double(rounded) < value ? rounded.nextUp : rounded
}

/// A matrix's normalised rows a_i projected on a float basis, ŷ_i (`rank` floats each,
/// row-major), with ‖a_i‖² summed in `Double`: what the screen rows of the basis and of its
/// prefixes are made from.
package final class ScreenProjections: @unchecked Sendable {
    /// Number of rows.
    package let count: Int
    /// The float basis they were projected on (`rank` rows of the dimension, row-major).
    package let basis: [Float]
    /// Values per row: the basis's rank.
    package let rank: Int
    /// The projections.
    fileprivate let values: UnsafeMutablePointer<Float>
    /// Each row's ‖a_i‖².
    fileprivate let rowSquares: UnsafeMutablePointer<Double>

    fileprivate init(count: Int, basis: [Float], rank: Int) {
        self.count = count
        self.basis = basis
        self.rank = rank
        values = .allocate(capacity: max(count * rank, 1))
        rowSquares = .allocate(capacity: max(count, 1))
    }

    deinit {
        values.deallocate()
        rowSquares.deallocate()
    }
}

/// The screen rows of a matrix: row i is [ŷ_i, ρ_i], k + 1 floats, row-major.
package final class ScreenRows: @unchecked Sendable {
    /// Number of rows.
    package let count: Int
    /// k + 1.
    package let width: Int
    /// The rows.
    package let values: UnsafeMutablePointer<Float>
    /// Upper bound on every ‖ŷ_i‖.
    package fileprivate(set) var maxProjectionNorm = 0.0
    /// Upper bound on every ‖[ŷ_i, ρ_i]‖.
    package fileprivate(set) var maxLength = 0.0

    fileprivate init(count: Int, width: Int) {
        self.count = count
        self.width = width
        values = .allocate(capacity: max(count * width, 1))
    }

    deinit { values.deallocate() }

    /// These rows in `encoding` (int8 codes up to `maxCode`).
    ///
    /// In int8 the leading component ŷ₁ (when k ≥ 2) and ρ stay out of the codes, which hold the
    /// middle components m (ŷ₂…ŷ_k) on a scale their largest sets, and each row carries the fixes
    /// [ŷ₁, ρ, p, n] (`ck_narrow.h`), n ≥ ‖m‖ and p ≥ n + ‖m − m̂‖ rounded up to float. With
    /// e = p − n, |m·m' − m̂·m̂'| ≤ e‖m'‖ + ‖m‖e' + ee' ≤ pp' − nn', so the tile's exact value
    /// ŷ₁ŷ₁' + ρρ' + m̂·m̂' + pp' − nn' is at least ŷ·ŷ' + ρρ', the float screen's: each pair's own
    /// quantisation error, not the worst row's, and on the smaller middle components only.
    package func encoded(_ encoding: TileEncoding, maxCode: Int32 = ck_i8_max_code()) -> EncodedRows {
        guard encoding == .int8 else { return EncodedRows(values, count: count, dimension: width, owner: self, encoding: encoding) }
        let k = width - 1, lead = k > 1 ? 1 : 0, middle = k - lead
        return EncodedRows(values + lead, count: count, dimension: middle, sourceStride: width, owner: self, encoding: .int8,
                           maxCode: maxCode) { [self] row, error, fixes in
            let y = values + row * width
            let n = floatRoundedUp(roundedUp(wideSquares(y + lead, count: middle).squareRoot(), terms: middle))
            // nextUp: the sum itself rounds to nearest.
            let p = floatRoundedUp((roundedUp(error, terms: middle) + Double(n)).nextUp)
            fixes[0] = lead == 1 ? y[0] : 0
            fixes[1] = y[k]
            fixes[2] = p
            fixes[3] = n
        }
    }
}
