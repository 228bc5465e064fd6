/// The double-precision reference cosine every backend must agree with.
///
/// cosine(a, b) = (Σ a_k·b_k) / (|a|·|b|), each sum a plain sequential loop over `Double`
/// products, |x| = √(Σ x_k²); 0 when either vector is all zeros. This is the one implementation:
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
        return dot / (normA * normB)
    }
}
