import CKernels

/// How far a tile's similarity of two normalised rows can lie from the reference cosine.
///
/// **Float tiles** (`band(for:)`). With u = 2⁻²⁴ and d the dimension:
/// - each normalised component is x_k/|x| scaled in `Double` and rounded once to `Float`
///   (`ck_normalise_f32`), so a = x/|x| + δ with ‖δ‖ ≤ u(1 + 2⁻²⁸); allowing 2u(1+u) for margin,
///   |a·b − cos| ≤ ‖δa‖ + ‖δb‖ + ‖δa‖‖δb‖ ≤ 4u + 5u² (Cauchy–Schwarz, ‖x/|x|‖ = 1);
/// - a float dot product in any summation order, with or without FMA, errs by at most
///   γ_d·Σ|a_k b_k| ≤ γ_d·‖a‖‖b‖ ≤ γ_d(1+2u)², γ_d = d·u/(1 − d·u);
/// - the reference itself, summed in `Double`, errs by at most γ'_{d+3} with u' = 2⁻⁵³.
///
/// **Screening tiles** (`band(for:encoding:rowError:columnError:)`): the rows a, b (float, as
/// above, ‖a‖, ‖b‖ ≤ 1 + 2u) are encoded as â, b̂ with measured error norms e_a = ‖a − â‖ and
/// e_b = ‖b − b̂‖ (every row's is at most `rowError`, every column's at most `columnError`):
/// - by Cauchy–Schwarz, |â·b̂ − a·b| = |(â − a)·b + a·(b̂ − b) + (â − a)·(b̂ − b)|
///   ≤ e_a‖b‖ + ‖a‖e_b + e_a·e_b;
/// - bfloat16 (products exact in float, summed in float over n = d padded to pairs, subnormal
///   results flushed): |s − â·b̂| ≤ γ_n·‖â‖‖b̂‖ + n·2⁻¹²⁵;
/// - int8 (exact int32 sum, then three float roundings): |s − â·b̂| ≤ ((1+u)³ − 1)·‖â‖‖b̂‖;
/// - with ‖â‖ ≤ ‖a‖ + e_a, plus |a·b − cos| and the reference's own error as for float tiles.
///
/// Each band is the sum of its terms, rounded up generously. A similarity `s` with
/// `s ≥ t + band` is certainly ≥ t in the reference, `s < t − band` certainly below, and
/// anything in between is decided again: in float for a screening tile (`PairComparison`), then
/// with `ReferenceCosine`.
public enum ExactnessBand {
    /// The bound on |float similarity − reference cosine| for vectors of dimension `d`.
    public static func band(for d: Int) -> Double {
        finished(tileError(dimension: d, encoding: .float32, rowNorm: unitNorm, columnNorm: unitNorm) + cosineError(d))
    }

    /// The bound on |tile similarity − reference cosine| for tiles of `encoding` between rows
    /// whose encoding errors ‖a − â‖ are at most `rowError` and columns' at most `columnError`.
    package static func band(for d: Int, encoding: TileEncoding, rowError: Double, columnError: Double) -> Double {
        finished(tileError(dimension: d, encoding: encoding, rowNorm: unitNorm, columnNorm: unitNorm,
                           rowError: rowError, columnError: columnError) + cosineError(d))
    }

    /// The bound on |tile − x·y| for a tile of `encoding` between float rows x, y of dimension `d`
    /// with ‖x‖ ≤ `rowNorm`, ‖y‖ ≤ `columnNorm`, encoded with errors at most `rowError` and
    /// `columnError` (narrow encodings): the quantisation and accumulation terms above.
    package static func tileError(dimension d: Int, encoding: TileEncoding, rowNorm: Double, columnNorm: Double,
                                  rowError: Double = 0, columnError: Double = 0) -> Double {
        let u = 0x1p-24
        guard let type = encoding.narrowType else {
            let n = Double(max(d, 1))
            precondition(n * u < 0.5, "dimension \(d) too large for a float similarity bound")
            return gamma(n) * rowNorm * columnNorm
        }
        let n = Double(ck_narrow_padded(type, max(d, 1)))
        precondition(n * u < 0.5, "dimension \(d) too large for a narrow similarity bound")
        let quantisation = rowError * columnNorm + rowNorm * columnError + rowError * columnError
        let encodedNorms = (rowNorm + rowError) * (columnNorm + columnError)
        let accumulation = encoding == .bfloat16
            ? gamma(n) * encodedNorms + n * 0x1p-125
            : (3 * u + 3 * u * u + u * u * u) * encodedNorms
        return quantisation + accumulation
    }

    /// The bound on |tile − V| for an int8 tile with fixes (`ck_narrow.h`), V its exact value
    /// m̂·m̂' + f₀g₀ + f₁g₁ + f₂g₂ − f₃g₃, for rows and columns whose fixes are at most
    /// `rowFixes` and `columnFixes` in magnitude, place by place, with ‖m̂‖ ≤ f₂ (as
    /// `ScreenRows.encoded` writes them): the int8 tile's three roundings,
    /// ((1+u)³ − 1)·‖m̂‖‖m̂'‖, and the four fused multiply-adds', each at most u times a partial
    /// sum, which is at most T = (1+u)³‖m̂‖‖m̂'‖ + Σ|f g| (times (1+u)⁴): γ₅·T in all.
    package static func fixedTileError(rowFixes f: [Double], columnFixes g: [Double]) -> Double {
        precondition(f.count == Int(CK_I8_FIXES) && g.count == f.count)
        let u = 0x1p-24, norms = f[2] * g[2]
        let tile = (3 * u + 3 * u * u + u * u * u) * norms
        let partialSums = norms + tile + zip(f, g).reduce(0) { $0 + $1.0 * $1.1 }
        return tile + gamma(5) * partialSums
    }

    /// |a·b − reference cosine| for the float normalised rows a, b of dimension `d`: their
    /// normalisation and the reference's own rounding.
    package static func cosineError(_ d: Int) -> Double { normalisation + reference(d) }

    /// γ_n = n·u/(1 − n·u) for unit roundoff `u` (float's 2⁻²⁴ unless given): the relative
    /// error bound of a sum of n rounded products.
    package static func gamma(_ n: Double, unitRoundoff u: Double = 0x1p-24) -> Double {
        n * u / (1 - n * u)
    }

    /// A sum of error terms rounded up generously.
    package static func finished(_ terms: Double) -> Double { terms * 1.01 + 0x1p-60 }

    /// Bound on the norm of a normalised float row: 1 + 2u.
    package static let unitNorm = 1 + 2 * 0x1p-24

    /// Float bounds (lo, hi) around `threshold` for a float tile of dimension `dimension`.
    public static func bounds(threshold: Double, dimension: Int) -> (lo: Float, hi: Float) {
        bounds(threshold: threshold, band: band(for: dimension))
    }

    /// Float bounds (lo, hi) around `threshold`: a similarity below `lo` is certainly under the
    /// threshold, one at or above `hi` certainly at or over it.
    public static func bounds(threshold: Double, band: Double) -> (lo: Float, hi: Float) {
        var lo = Float(threshold - band), hi = Float(threshold + band)
        if Double(lo) > threshold - band { lo = lo.nextDown }
        if Double(hi) < threshold + band { hi = hi.nextUp }
        return (lo, hi)
    }

    /// |a·b − cos| from the normalisation of both rows: 4u + 5u².
    private static let normalisation = 4 * 0x1p-24 + 5 * 0x1p-48

    /// The reference's own rounding: γ'_{d+3}, u' = 2⁻⁵³.
    private static func reference(_ d: Int) -> Double {
        gamma(Double(max(d, 1)) + 3, unitRoundoff: 0x1p-53)
    }
}
