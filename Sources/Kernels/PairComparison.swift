import CKernels

/// The exact comparison of one pair of rows with thresholds, for pairs a tile left inside its
/// error band. After a screening tile (bf16, int8, a low-rank screen) it first takes the float
/// dot of the normalised rows, decisive outside the float band; the reference cosine decides the
/// rest. Each
/// value is computed at most once per pair, whatever the number of thresholds asked about.
///
/// It is made for every pair a tile leaves open, in the hottest loop of a clustering, so it
/// holds pointers into its matrices, not references: the caller keeps them alive while it is used.
package struct PairComparison {
    private let aUnit: UnsafePointer<Float>, bUnit: UnsafePointer<Float>
    private let aRaw: UnsafePointer<Float>, bRaw: UnsafePointer<Float>
    private let dimension: Int
    private let startsInFloat: Bool
    private var float: Float?
    private var reference: Double?

    /// Row `i` of `a` against row `j` of `b`; `startingInFloat` after a screening tile.
    package init(_ a: borrowing EmbeddingMatrix, _ i: Int, _ b: borrowing EmbeddingMatrix, _ j: Int, startingInFloat: Bool) {
        (aUnit, bUnit, aRaw, bRaw) = (a.unitRow(i), b.unitRow(j), a.rawRow(i), b.rawRow(j))
        dimension = a.dimension
        startsInFloat = startingInFloat
    }

    /// Whether the reference cosine is ≥ `threshold`; `floatBounds` are
    /// `ExactnessBand.bounds(threshold:dimension:)` of the float tiles.
    package mutating func atLeast(_ threshold: Double, floatBounds: (lo: Float, hi: Float)) -> Bool {
        if startsInFloat {
            let value = float ?? ck_dot_f32(aUnit, bUnit, dimension)
            float = value
            if value >= floatBounds.hi { return true }
            if value < floatBounds.lo { return false }
        }
        // The norms are those `EmbeddingMatrix.norms` holds, computed again (rarely needed here).
        let value = reference ?? ReferenceCosine.cosine(aRaw, ReferenceCosine.norm(aRaw, count: dimension), bRaw,
                                                        ReferenceCosine.norm(bRaw, count: dimension), count: dimension)
        reference = value
        return value >= threshold
    }
}
