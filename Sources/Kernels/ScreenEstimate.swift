/// The sample `Backend.preparedScreen` chooses a screen on: up to 256 rows (64 for recall) and
/// 4,096 columns, evenly spaced, and each sampled row's floor (the threshold, or for recall its k-th best float
/// similarity over every column, less twice the float band).
package struct ScreenEstimate {
    /// Ranks `auto` tries.
    static let ranks = [8, 16, 32, 48, 64, 96, 128, 160]
    /// `auto` screens only from this dimension (with ranks below d/2, so above it)...
    static let minimumDimension = 16
    /// ...and this many pairs (`withMinimumPairs` changes it while a test runs).
    static var minimumPairs: Double { testingMinimumPairs ?? 100_000_000 }
    nonisolated(unsafe) private static var testingMinimumPairs: Double?
    /// No screen runs above this dimension (the d × d scatter of the basis grows too large).
    static let maximumDimension = 4096

    /// Runs `body` with `auto` screening from `pairs` pairs on. Not thread-safe: no engine work
    /// may run meanwhile.
    package static func withMinimumPairs<T>(_ pairs: Double, _ body: () throws -> T) rethrows -> T {
        let saved = testingMinimumPairs
        testingMinimumPairs = pairs
        defer { testingMinimumPairs = saved }
        return try body()
    }
    /// The cost, in float multiply-adds, of a tile entry beyond its products.
    static let entryCost = 8.0
    /// The cost of checking one surviving pair in full (a float dot of two rows outside the
    /// tile's locality, and the bookkeeping), per dimension: about eight full tile entries,
    /// measured on debian-minilm at 40,000 rows in clustering and recall.
    static let checkCostPerDimension = 8.0

    /// The sampled rows and columns projected on the longest basis the estimate compares.
    private let rows: ScreenProjections
    private let columns: ScreenProjections
    /// Per sampled row, the floor a screen similarity is compared with (before the band).
    private let floors: [Double]
    /// Per sampled row, the sampled column that is the same row (excluded), if any.
    private let sameColumn: [Int?]
    private let floatKernel: any FloatKernel
    private let dimension: Int

    /// The sample of `all` × `allColumns`, projected on `basis`: the estimate compares screens on
    /// it and on its prefixes.
    init(rows all: EmbeddingMatrix, columns allColumns: EmbeddingMatrix, target: ScreenTarget, basis: LowRankScreen,
         floatKernel: any FloatKernel) {
        let sampledRows: Int
        if case .topK = target { sampledRows = 64 } else { sampledRows = 256 }
        let rowIndices = Self.evenlySpaced(all.rows, sampledRows), columnIndices = Self.evenlySpaced(allColumns.rows, 4096)
        let rows = all.subset(rowIndices)
        self.rows = basis.projections(of: rows, kernel: floatKernel)
        columns = basis.projections(of: allColumns, rows: columnIndices, kernel: floatKernel)
        dimension = all.dimension
        self.floatKernel = floatKernel
        let columnOf = Dictionary(uniqueKeysWithValues: columnIndices.enumerated().map { ($1, $0) })
        sameColumn = rowIndices.map { all === allColumns ? columnOf[$0] : nil }
        switch target {
        case let .threshold(t):
            floors = Array(repeating: t, count: rowIndices.count)
        case let .topK(k):
            let band = 2 * ExactnessBand.band(for: all.dimension)
            floors = Self.kthBest(of: rows, in: allColumns, k: k, kernel: floatKernel).map { Double($0) - band }
        }
    }

    /// Expected work per pair of `screen` (its basis a prefix of the estimate's) in `encoding`
    /// (see `Backend.preparedScreen`): at least `tileCost`.
    /// - Parameter band: the band of the screen over the whole matrices (nil: the sample's own,
    ///   which may be narrower: the largest encoding error of a whole pool sets its band).
    func cost(of screen: LowRankScreen, _ encoding: TileEncoding, band: Double? = nil) -> Double {
        let rowScreen = screen.rows(rows), columnScreen = screen.rows(columns)
        let a = rowScreen.encoded(encoding), b = columnScreen.encoded(encoding)
        let band = band ?? screen.band(rowScreen, columnScreen, encodedRows: a, encodedColumns: b)
        // Not inflated: int8 tiles carry each pair's own quantisation (`ScreenRows.encoded`), so
        // the sample's survivors are the pool's (debian-minilm, 40,000 rows: 0.11 % estimated and
        // left in clustering at rank 64, 1.33 % and 1.43 % in recall at rank 128).
        let f = survivingFraction(a, b, band: band, kernel: encoding.kernel(float: floatKernel))
        return Self.tileCost(rank: screen.rank, encoding) + f * Self.checkCostPerDimension * Double(dimension)
    }

    /// The work per pair of a screen's tile alone (rank k: w·(k + 1) + 8, the components an int8
    /// tile codes, k − 1 of them, at the depth its kernel costs them), survivors aside.
    static func tileCost(rank: Int, _ encoding: TileEncoding) -> Double {
        let coded = encoding == .int8 && rank > 1 ? rank - 1 : rank + 1
        return encoding.relativeCost * (encoding.costedDepth(coded) + Double(rank + 1 - coded)) + entryCost
    }

    /// Expected work per pair without a screen, with tiles of `encoding`.
    func costWithoutScreen(_ encoding: TileEncoding) -> Double {
        encoding.relativeCost * encoding.costedDepth(dimension) + Self.entryCost
    }

    /// The fraction of sampled pairs whose screen similarity reaches the row's floor less `band`.
    private func survivingFraction(_ a: EncodedRows, _ b: EncodedRows, band: Double, kernel: any SimilarityKernel) -> Double {
        let m = a.count, n = b.count
        var tile = [Float](repeating: 0, count: m * n)
        let staged = a.block(from: 0)
        tile.withUnsafeMutableBufferPointer { kernel.tile(staged, count: m, TileColumns(allRowsOf: b), 0..<n, into: $0.baseAddress!, rowStride: n) }
        var survivors = 0, pairs = 0
        let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: max(n, 1))
        defer { scratch.deallocate() }
        tile.withUnsafeBufferPointer { tile in
            for i in 0..<m {
                let lo = ExactnessBand.bounds(threshold: floors[i], band: band).lo, row = tile.baseAddress! + i * n
                survivors += kernel.collectAtLeast(row, count: n, lo, into: scratch)
                if let j = sameColumn[i], row[j] >= lo { survivors -= 1 }
                pairs += n - (sameColumn[i] == nil ? 0 : 1)
            }
        }
        return pairs > 0 ? Double(survivors) / Double(pairs) : 1
    }

    /// Up to `count` principal axes of the normalised rows of `matrix` (eigenvectors of Σ a·aᵀ
    /// over up to 8,192 evenly spaced rows, 512 above d = 768, largest first), orthonormal to
    /// float rounding: the basis maximising the energy a rank keeps, so minimising the residuals of the
    /// bound. (An eigensolver's O(d³) reduction of a d × d scatter takes seconds at d = 1,536:
    /// 512 rows keep it to their 512 × 512 Gram matrix.)
    ///
    /// With fewer sampled rows s than dimensions the scatter XᵀX has rank at most s, and its
    /// eigenvectors of non-zero eigenvalue are Xᵀu for the eigenvectors u of the s × s Gram
    /// matrix XXᵀ, found in O(s³ + s²d) instead of O(d³). Directions without variance in the
    /// sample add nothing to a screen, so then at most s axes (fewer for duplicate or zero rows)
    /// are returned; none when every sampled row is zero.
    package static func principalAxes(_ matrix: EmbeddingMatrix, count: Int, kernel: any FloatKernel) -> [[Double]] {
        matrix.screenAxes.axes(count: count) { computeAxes(matrix, count: count, kernel: kernel) }
    }

    private static func computeAxes(_ matrix: EmbeddingMatrix, count: Int, kernel: any FloatKernel) -> [[Double]] {
        let d = matrix.dimension
        // Half a step off the estimate's rows: a basis fitted to the rows the estimate then
        // measures would show them residuals smaller than the pool's.
        let sampled = evenlySpaced(matrix.rows, d > 768 ? 512 : 8192, halfStep: true)
        guard sampled.count < d else {
            let origin = [Double](repeating: 0, count: d)
            let scatter = PrincipalComponents.centredScatter(matrix, rows: sampled, mean: origin, kernel: kernel)
            return LeadingEigenvectors.of(scatter, dimension: d, count: min(count, d), kernel: kernel)
        }
        let sample = matrix.subset(sampled)
        let s = sample.rows
        guard s > 0 else { return [] }
        var tile = [Float](repeating: 0, count: s * s)
        kernel.tile(sample.unitRow(0), rows: s, sample.unitRow(0), rows: s, dimension: d, into: &tile, rowStride: s)
        // Symmetrised: the float tile need not be.
        let gram = (0..<(s * s)).map { 0.5 * (Double(tile[$0]) + Double(tile[($0 % s) * s + $0 / s])) }
        let us = LeadingEigenvectors.of(gram, dimension: s, count: min(count, s), kernel: kernel)
        // The directions Xᵀu as one float product: row c of U·X is Σ_i u_c[i]·x_i.
        let u = us.flatMap { $0.map(Float.init) }
        var transposed = [Float](repeating: 0, count: d * s)
        for i in 0..<s {
            let row = sample.unitRow(i)
            for c in 0..<d { transposed[c * s + i] = row[c] }
        }
        var product = [Float](repeating: 0, count: us.count * d)
        kernel.tile(u, rows: us.count, transposed, rows: d, dimension: s, into: &product, rowStride: d)
        let directions = (0..<us.count).map { c in (0..<d).map { Double(product[c * d + $0]) } }
        return LeadingEigenvectors.orthonormalPrefix(directions)
    }

    /// Each row's k-th best float similarity with the rows of `columns` (−∞ when there are
    /// fewer than k).
    private static func kthBest(of rows: EmbeddingMatrix, in columns: EmbeddingMatrix, k: Int, kernel: any FloatKernel) -> [Float] {
        let m = rows.rows, chunk = 4096
        var best = [[Float]](repeating: [], count: m)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: max(m * chunk, 1))
        defer { tile.deallocate() }
        for start in stride(from: 0, to: columns.rows, by: chunk) {
            let n = min(chunk, columns.rows - start)
            kernel.tile(rows.unitRow(0), rows: m, columns.unitRow(start), rows: n, dimension: rows.dimension, into: tile, rowStride: n)
            for i in 0..<m {
                for j in 0..<n {
                    let value = tile[i * n + j]
                    guard best[i].count < k || value > best[i][k - 1] else { continue }
                    // Kept descending; at most k long.
                    let at = best[i].firstIndex { $0 < value } ?? best[i].count
                    best[i].insert(value, at: at)
                    if best[i].count > k { best[i].removeLast() }
                }
            }
        }
        return best.map { $0.count == k ? $0[k - 1] : -.infinity }
    }

    /// `count` indices spread evenly over 0..<total (all of them when there are fewer), from 0 or
    /// from half a step.
    static func evenlySpaced(_ total: Int, _ count: Int, halfStep: Bool = false) -> [Int] {
        total <= count ? Array(0..<total) : (0..<count).map { (2 * $0 + (halfStep ? 1 : 0)) * total / (2 * count) }
    }
}
