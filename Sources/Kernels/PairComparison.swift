/// The exact comparison of one pair of rows with thresholds, for pairs a tile left inside its
/// error band. After a screening tile (bf16, int8) it first takes the float dot of the
/// normalised rows, decisive outside the float band; the reference cosine decides the rest. Each
/// value is computed at most once per pair, whatever the number of thresholds asked about.
package struct PairComparison {
    private let rows: (EmbeddingMatrix, Int)
    private let columns: (EmbeddingMatrix, Int)
    private let screened: Bool
    private var float: Float?
    private var reference: Double?

    /// Row `i` of `a` against row `j` of `b`, after a tile of `encoding`.
    package init(_ a: EmbeddingMatrix, _ i: Int, _ b: EmbeddingMatrix, _ j: Int, after encoding: TileEncoding) {
        rows = (a, i)
        columns = (b, j)
        screened = encoding != .float32
    }

    /// Whether the reference cosine is ≥ `threshold`; `floatBounds` are
    /// `ExactnessBand.bounds(threshold:dimension:)` of the float tiles.
    package mutating func atLeast(_ threshold: Double, floatBounds: (lo: Float, hi: Float)) -> Bool {
        if screened {
            let value = float ?? rows.0.floatSimilarity(rows.1, columns.0, columns.1)
            float = value
            if value >= floatBounds.hi { return true }
            if value < floatBounds.lo { return false }
        }
        let value = reference ?? rows.0.referenceCosine(rows.1, columns.0, columns.1)
        reference = value
        return value >= threshold
    }
}
