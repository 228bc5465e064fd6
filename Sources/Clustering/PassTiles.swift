import Kernels

/// The similarity tiles a blocked clustering pass scans, with what a tile value decides: a
/// backend's full-dimension tiles (decisive outside their error band), or a low-rank screen's
/// (only ever ruling pairs out).
struct PassTiles {
    let kernel: any SimilarityKernel
    /// The rows in the kernel's encoding.
    let rows: EncodedRows
    /// Per threshold: a tile value below `lo` is certainly under it, one at or above `hi`
    /// certainly at or over it (`hi` is +∞ for a screen).
    let bounds: [(lo: Float, hi: Float)]
    /// Whether a pair left undecided is first compared in float (after a screening tile).
    let startsInFloat: Bool

    /// Full-dimension tiles of `rows` with `kernel`, at `thresholds`.
    init(kernel: any SimilarityKernel, rows: EncodedRows, thresholds: [Double]) {
        let band = ExactnessBand.band(for: rows.dimension, encoding: kernel.encoding, rowError: rows.maxError, columnError: rows.maxError)
        self.kernel = kernel
        self.rows = rows
        bounds = thresholds.map { ExactnessBand.bounds(threshold: $0, band: band) }
        startsInFloat = kernel.encoding != .float32
    }

    /// A low-rank screen's tiles at `thresholds`.
    init(screen: PreparedScreen, thresholds: [Double]) {
        kernel = screen.kernel
        rows = screen.rows
        bounds = thresholds.map { (ExactnessBand.bounds(threshold: $0, band: screen.band).lo, .infinity) }
        startsInFloat = true
    }
}
