/// The double-precision reference cosine every backend must agree with.
///
/// cosine(a, b) = (Σ a_k·b_k) / (|a|·|b|), each sum a plain sequential loop over `Double`
/// products, |x| = √(Σ x_k²), clamped to [−1, 1] (rounding can put identical vectors a hair
/// above 1, which would make their novelty negative); 0 when either vector is all zeros.
/// Clamping moves a value toward the exact cosine, so the error bound of `ExactnessBand` holds. This is the one implementation:
/// the `scalar` backend and every re-check near a threshold call it, so their comparisons agree
/// bit for bit.
public enum ReferenceCosine {
    /// √(Σ x_k²) in `Double`, summed in index order.
    public static func norm(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var sum = 0.0
        for k in 0..<count { sum += Double(x[k]) * Double(x[k]) }
        return sum.squareRoot()
    }

    /// The reference cosine of `a` and `b` given their `norm`s.
    public static func cosine(
        _ a: UnsafePointer<Float>, _ normA: Double, _ b: UnsafePointer<Float>, _ normB: Double, count: Int
    ) -> Double {
        guard normA != 0, normB != 0 else { return 0 }
        var dot = 0.0
        for k in 0..<count { dot += Double(a[k]) * Double(b[k]) }
        return min(1, max(-1, dot / (normA * normB)))
    }
}
