import CKernels

/// A low-rank screen ready to run over two matrices (the rows of a clustering twice, or the
/// queries and the database of a recall): their screen rows in the tile encoding and the band.
package struct PreparedScreen: Sendable {
    package let screen: LowRankScreen
    /// The kernel of the screen rows' encoding.
    package let kernel: any SimilarityKernel
    /// The row and column side's screen rows, encoded (one object when the matrices are one).
    package let rows: EncodedRows
    package let columns: EncodedRows
    /// A screen similarity below t − band is a certain non-match at t (`LowRankScreen`).
    package let band: Double

    /// The summary of a run that screened `screenedPairs` pairs of which `survivors` went on.
    package func summary(screenedPairs: Int, survivors: Int) -> ScreenSummary {
        ScreenSummary(rank: screen.rank, encoding: kernel.encoding.name, screenedPairs: screenedPairs, survivors: survivors)
    }
}

/// What a screen must rule pairs out against.
package enum ScreenTarget {
    /// Greedy clustering: the lowest threshold of the run.
    case threshold(Double)
    /// Top-k recall: each query's running k-th best score.
    case topK(Int)
}

extension Backend {
    /// The screen `request` asks for over `rows` × `columns` with this (resolved, non-scalar)
    /// backend, or nil for none.
    ///
    /// `auto` estimates, on a sample (`ScreenEstimate`: up to 256 rows × 4,096 columns, with each
    /// row's floor: the threshold, or for recall its k-th best float score), the fraction f of
    /// pairs each rank k ∈ {8, 16, 32, 48, 64, 96, 128, 160} (below d/2) and each encoding the CPU
    /// runs would leave, and takes the least expected work per pair,
    /// w·(k + 1) + 8 + f·8d, against w'·d + 8 without a screen (w, w': the encoding's cost per
    /// multiply-add relative to float, `relativeCost`, int8 on AMX at the depth its tile steps
    /// cost, `costedDepth`; 8 the per-pair cost of a tile entry, 8d
    /// that of checking a survivor in full, measured). It screens only when that saves at least
    /// a fifth, the dimension is above 16 and there are at least 100 M pairs:
    /// rows without low-rank structure, where the residuals keep the bounds above the threshold,
    /// run without a screen. A fixed rank runs
    /// that rank in the cheapest encoding by the same estimate, capped at d and at the principal
    /// axes the sample has (`ScreenEstimate.principalAxes`). No screen runs above d = 4,096.
    package func preparedScreen(_ request: ScreenRank, rows: EmbeddingMatrix, columns: EmbeddingMatrix,
                                target: ScreenTarget) -> PreparedScreen? {
        let d = rows.dimension
        guard request != .off, resolved != .scalar, rows.rows > 0, columns.rows > 0,
              d <= ScreenEstimate.maximumDimension else { return nil }
        var ranks: [Int]
        switch request {
        case .off: return nil  // ruled out above
        case let .rank(k): ranks = [min(k, d)]
        case .auto:
            let pairs = Double(rows.rows) * Double(columns.rows) / (rows === columns ? 2 : 1)
            guard d >= ScreenEstimate.minimumDimension, pairs >= ScreenEstimate.minimumPairs else { return nil }
            ranks = ScreenEstimate.ranks.filter { 2 * $0 < d }
            guard !ranks.isEmpty else { return nil }
        }
        let encodings = screenEncodings
        let axes = ScreenEstimate.principalAxes(columns, count: ranks.max()!, kernel: Self.fastestFloatKernel)
        guard !axes.isEmpty else { return nil }
        ranks = Array(Set(ranks.map { min($0, axes.count) })).sorted()
        let screens = LowRankScreen.prefixes(of: axes, ranks: ranks)
        guard ranks.count * encodings.count > 1 else {
            let screen = screens[ranks[0]]!
            return prepared(screen, encodings[0], projections: Self.projections(on: screen, rows: rows, columns: columns))
        }
        let estimate = ScreenEstimate(rows: rows, columns: columns, target: target, basis: screens[ranks.last!]!,
                                      floatKernel: Self.fastestFloatKernel)
        let limit = request == .auto ? 0.8 * estimate.costWithoutScreen(resolved.kernel.encoding) : Double.infinity
        let candidates = Self.cheapest(ranks.flatMap { k in encodings.map { (rank: k, encoding: $0) } }, limit: limit) {
            estimate.cost(of: screens[$0]!, $1)
        }
        // The sample's band can be narrower than the pool's (its largest encoding error sets it):
        // the best candidates are costed again with their real band, and the cheapest taken. The
        // matrices are projected again only for a candidate of a higher rank than the last.
        var projections: (rows: ScreenProjections, columns: ScreenProjections)?
        var best: (screen: PreparedScreen, cost: Double)?
        for candidate in candidates.prefix(3) where candidate.cost < min(limit, best?.cost ?? .infinity) {
            if (projections?.rows.rank ?? 0) < candidate.rank {
                projections = Self.projections(on: screens[candidate.rank]!, rows: rows, columns: columns)
            }
            let screen = prepared(screens[candidate.rank]!, candidate.encoding, projections: projections!)
            let cost = estimate.cost(of: screen.screen, candidate.encoding, band: screen.band)
            if cost < min(limit, best?.cost ?? .infinity) { best = (screen, cost) }
        }
        return best?.screen
    }

    /// The screens (rank, encoding) `cost` estimates, cheapest first, of those it was worth
    /// estimating: in order of their tile's cost (a lower bound on their cost), a batch for the
    /// engine's workers at a time (each estimate is a small single-threaded tile), until the next
    /// tile alone costs at least the best estimate so far or `limit`. The cheapest estimate is the
    /// one a full search finds (the runners-up may not be); the costly estimates of high ranks are
    /// mostly skipped.
    private static func cheapest(_ screens: [(rank: Int, encoding: TileEncoding)], limit: Double,
                                 cost: @Sendable (Int, TileEncoding) -> Double) -> [(rank: Int, encoding: TileEncoding, cost: Double)] {
        let pending = screens.sorted { ScreenEstimate.tileCost(rank: $0.rank, $0.encoding) < ScreenEstimate.tileCost(rank: $1.rank, $1.encoding) }
        var estimated: [(rank: Int, encoding: TileEncoding, cost: Double)] = []
        var next = 0
        while next < pending.count {
            let bound = min(limit, estimated.map(\.cost).min() ?? .infinity)
            let batch = pending[next..<min(next + ComputeThreads.count, pending.count)]
                .filter { ScreenEstimate.tileCost(rank: $0.rank, $0.encoding) < bound }
            guard !batch.isEmpty else { break }
            var costs = [Double](repeating: 0, count: batch.count)
            costs.withUnsafeMutableBufferPointer { costs in
                ComputeThreads.forEach(parts: batch.count) { costs[$0] = cost(batch[$0].rank, batch[$0].encoding) }
            }
            estimated += zip(batch, costs).map { ($0.rank, $0.encoding, $1) }
            next += min(ComputeThreads.count, pending.count - next)
        }
        return estimated.sorted { $0.cost < $1.cost }
    }

    /// The projections of `rows` and `columns` on `screen`'s basis (one object when the matrices
    /// are one).
    private static func projections(on screen: LowRankScreen, rows: EmbeddingMatrix,
                                    columns: EmbeddingMatrix) -> (rows: ScreenProjections, columns: ScreenProjections) {
        let rowProjections = screen.projections(of: rows, kernel: fastestFloatKernel)
        return (rowProjections, rows === columns ? rowProjections : screen.projections(of: columns, kernel: fastestFloatKernel))
    }

    /// `screen` in `encoding` over the rows and columns whose projections (on its basis or a
    /// longer one) are given, with its band.
    private func prepared(_ screen: LowRankScreen, _ encoding: TileEncoding,
                          projections: (rows: ScreenProjections, columns: ScreenProjections)) -> PreparedScreen {
        let same = projections.rows === projections.columns
        let rowScreen = screen.rows(projections.rows)
        let columnScreen = same ? rowScreen : screen.rows(projections.columns)
        let encodedRows = rowScreen.encoded(encoding)
        let encodedColumns = same ? encodedRows : columnScreen.encoded(encoding)
        let band = screen.band(rowScreen, columnScreen, encodedRows: encodedRows, encodedColumns: encodedColumns)
        return PreparedScreen(screen: screen, kernel: encoding.kernel(float: floatKernel), rows: encodedRows,
                              columns: encodedColumns, band: band)
    }

    /// The encodings this backend's screen may use: for the int8 backend (and `auto` resolved to
    /// it) int8 and bf16, for bf16 bf16, each where the CPU runs it; float32 otherwise.
    package var screenEncodings: [TileEncoding] {
        let int8 = ck_narrow_supported(CK_NARROW_I8) != 0, bf16 = ck_narrow_supported(CK_NARROW_BF16) != 0
        switch resolved {
        case .int8: return int8 ? (bf16 ? [.int8, .bfloat16] : [.int8]) : (bf16 ? [.bfloat16] : [.float32])
        case .bf16: return bf16 ? [.bfloat16] : [.float32]
        default: return [.float32]
        }
    }
}

extension TileEncoding {
    /// The kernel of this encoding (`float` for float32).
    package func kernel(float: any FloatKernel) -> any SimilarityKernel {
        self == .float32 ? float : NarrowKernel(self)
    }

    /// Cost of a multiply-add in tiles of this encoding relative to float, measured on this CPU
    /// (`TileCost`).
    var relativeCost: Double { TileCost.relative[self] ?? 1 }

    /// The depth a tile of dimension d costs as: d, but int8 on AMX pays for whole tile steps
    /// (`ck_tile_i8_depth`; `TileCost` measures at d = 256, where the two agree).
    func costedDepth(_ d: Int) -> Double {
        self == .int8 ? Double(ck_tile_i8_depth(d)) : Double(d)
    }
}
