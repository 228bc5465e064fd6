/// How far a `Float` similarity of two normalised rows can lie from the reference cosine.
///
/// With u = 2⁻²⁴ and d the dimension:
/// - each normalised component is x_k/|x| scaled in `Double` and rounded once to `Float`
///   (`ck_normalise_f32`), so â = x/|x| + δ with ‖δ‖ ≤ u(1 + 2⁻²⁸); allowing 2u(1+u) for margin,
///   |â·b̂ − cos| ≤ ‖δa‖ + ‖δb‖ + ‖δa‖‖δb‖ ≤ 4u + 5u² (Cauchy–Schwarz, ‖x/|x|‖ = 1);
/// - a float dot product in any summation order, with or without FMA, errs by at most
///   γ_d·Σ|â_k b̂_k| ≤ γ_d·‖â‖‖b̂‖ ≤ γ_d(1+2u)², γ_d = d·u/(1 − d·u);
/// - the reference itself, summed in `Double`, errs by at most γ'_{d+3} with u' = 2⁻⁵³.
///
/// `band(for:)` is the sum of the three, rounded up generously. A similarity `s` with
/// `s ≥ t + band` is certainly ≥ t in the reference, `s < t − band` certainly below, and
/// anything in between is re-checked with `ReferenceCosine`.
public enum ExactnessBand {
    /// The bound on |float similarity − reference cosine| for vectors of dimension `d`.
    public static func band(for d: Int) -> Double {
        let u = 0x1p-24, uDouble = 0x1p-53
        let n = Double(max(d, 1))
        precondition(n * u < 0.5, "dimension \(d) too large for a float similarity bound")
        let gamma = n * u / (1 - n * u)
        let normalisation = 4 * u + 5 * u * u
        let reference = (n + 3) * uDouble / (1 - (n + 3) * uDouble)
        return (gamma * (1 + 2 * u) * (1 + 2 * u) + normalisation + reference) * 1.01 + 0x1p-60
    }

    /// Float bounds (lo, hi) around `threshold`: a similarity below `lo` is certainly under the
    /// threshold, one at or above `hi` certainly at or over it.
    public static func bounds(threshold: Double, dimension: Int) -> (lo: Float, hi: Float) {
        let band = band(for: dimension)
        var lo = Float(threshold - band), hi = Float(threshold + band)
        if Double(lo) > threshold - band { lo = lo.nextDown }
        if Double(hi) < threshold + band { hi = hi.nextUp }
        return (lo, hi)
    }
}
