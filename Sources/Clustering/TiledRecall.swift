import Kernels

/// One exact top-k search (see `TopKRecall`): workers take contiguous query ranges; each walks
/// its queries block by block over database chunks, one tile at a time, in the kernel's encoding:
/// full-dimension tiles, or a low-rank screen's (`screenBand` set), kept for a span of database
/// rows, whose survivors are scored in float.
package struct TiledRecall {
    let queries: EmbeddingMatrix
    let database: EmbeddingMatrix
    let k: Int
    let kernel: any SimilarityKernel
    /// The queries' and the database's rows in the kernel's encoding (screen rows for a screen).
    let rows: EncodedRows
    let databaseRows: EncodedRows
    /// The screen's band (`PreparedScreen.band`), or nil for full-dimension tiles.
    let screenBand: Double?
    let queryBlock: Int
    let databaseChunk: Int
    /// Database rows whose screen tiles a query block keeps (`TopKRecall.screenSpan`).
    let screenSpan: Int

    /// Query rows per block of a screened search.
    static let screenedQueryBlock = 128

    /// The hits of every query, how many (query, row) pairs were decided again exactly, and how
    /// many a screen left to be scored in full.
    func run() -> (hits: [[RecallHit]], rechecked: Int, survivors: Int) {
        var results = [(hits: [RecallHit], rechecked: Int, survivors: Int)](repeating: ([], 0, 0), count: queries.rows)
        let columns = TileColumns(allRowsOf: databaseRows)
        let floatMargin = 2 * ExactnessBand.band(for: database.dimension)
        let tileMargin = 2 * ExactnessBand.band(for: database.dimension, encoding: kernel.encoding, rowError: rows.maxError,
                                                columnError: databaseRows.maxError)
        let blockRows = screenBand == nil ? queryBlock : min(queryBlock, Self.screenedQueryBlock)
        let span = screenBand == nil ? databaseChunk : min(database.rows, screenSpan)
        let parts = ComputeThreads.split(queries.rows, minimum: 16)
        results.withUnsafeMutableBufferPointer { results in
            ComputeThreads.forEach(parts: parts.count) { p in
                let tile = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * span)
                let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: span)
                var spanSurvivors = ScreenSurvivors()
                defer {
                    tile.deallocate()
                    scratch.deallocate()
                }
                for start in stride(from: parts[p].lowerBound, to: parts[p].upperBound, by: blockRows) {
                    let block = start..<min(start + blockRows, parts[p].upperBound)
                    let staged = rows.block(from: block.lowerBound)
                    let found = if let screenBand {
                        screened(block, staged, columns, band: screenBand, span: span, tile: tile, scratch: scratch,
                                 survivors: &spanSurvivors, floatMargin: floatMargin)
                    } else {
                        unscreened(block, staged, columns, tile: tile, scratch: scratch, margin: tileMargin)
                    }
                    for (i, q) in block.enumerated() {
                        results[q] = (hits(for: q, found.candidates[i], floatMargin: floatMargin), found.candidates[i].rows.count,
                                      found.survivors[i])
                    }
                }
            }
        }
        return (results.map(\.hits), results.reduce(0) { $0 + $1.rechecked }, results.reduce(0) { $0 + $1.survivors })
    }

    /// One query block's candidates from full-dimension tiles, chunk by chunk, each within
    /// `margin` (twice the tiles' band) of its running k-th best.
    private func unscreened(_ block: Range<Int>, _ staged: RowBlock, _ columns: TileColumns, tile: UnsafeMutablePointer<Float>,
                            scratch: UnsafeMutablePointer<UInt32>, margin: Double) -> (candidates: [CandidateSet], survivors: [Int]) {
        var candidates = block.map { _ in CandidateSet(k: k, margin: margin) }
        for chunk in stride(from: 0, to: database.rows, by: databaseChunk) {
            let width = min(databaseChunk, database.rows - chunk)
            kernel.tile(staged, count: block.count, columns, chunk..<(chunk + width), into: tile, rowStride: width)
            for (i, q) in block.enumerated() where queries.norms[q] != 0 {
                candidates[i].absorb(tile + i * width, width: width, firstRow: chunk, kernel: kernel, scratch: scratch)
            }
        }
        return (candidates, block.map { _ in 0 })
    }

    /// One query block's candidates through the screen, a span of database rows at a time: the
    /// span's screen tiles are computed once and kept; on the first span each query's floor is
    /// seeded from them, and then every row of the span whose screen similarity may reach the
    /// floor is scored in float.
    ///
    /// The seed: the rows of the 2k best screen similarities in the span, whose k-th best float
    /// similarity F' is at most the final k-th best F (a span is part of the database); F' less
    /// the float margin is a floor `CandidateSet` may start from. (Started from −∞, the floor
    /// stays below F until most rows are seen, and the screen lets 2–4× more pairs through.)
    private func screened(_ block: Range<Int>, _ staged: RowBlock, _ columns: TileColumns, band: Double, span: Int,
                          tile: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt32>,
                          survivors spanSurvivors: inout ScreenSurvivors, floatMargin: Double)
        -> (candidates: [CandidateSet], survivors: [Int]) {
        var candidates: [CandidateSet] = []
        var survivors = block.map { _ in 0 }
        for first in stride(from: 0, to: database.rows, by: span) {
            let width = min(span, database.rows - first)
            for chunk in stride(from: first, to: first + width, by: databaseChunk) {
                let end = min(chunk + databaseChunk, first + width)
                kernel.tile(staged, count: block.count, columns, chunk..<end, into: tile + (chunk - first), rowStride: width)
            }
            if candidates.isEmpty {
                candidates = zip(block, seededFloors(block, tile: tile, width: width, firstRow: first, scratch: scratch,
                                                     margin: floatMargin)).map { CandidateSet(k: k, margin: floatMargin, floor: $1) }
            }
            spanSurvivors.removeAll()
            for (i, q) in block.enumerated() {
                let floor = queries.norms[q] == 0 ? Float.infinity : candidates[i].screenFloor(band: band)
                survivors[i] += spanSurvivors.collect(tile + i * width, width: width, floor: floor, kernel: kernel, scratch: scratch)
            }
            spanSurvivors.score(block, of: queries, in: database, firstRow: first, width: width)
            for i in 0..<block.count { candidates[i].absorb(scored: spanSurvivors.pairs(of: i, firstRow: first)) }
        }
        return (candidates, survivors)
    }

    /// Each query's floor from one span of screen tiles (see `screened`): −∞ for a zero query or
    /// a span of fewer than k rows.
    private func seededFloors(_ block: Range<Int>, tile: UnsafeMutablePointer<Float>, width: Int, firstRow: Int,
                              scratch: UnsafeMutablePointer<UInt32>, margin: Double) -> [Float] {
        block.enumerated().map { i, q in
            guard queries.norms[q] != 0 else { return -.infinity }
            let row = UnsafePointer(tile + i * width)
            var best = CandidateSet(k: 2 * k, margin: 0, floor: Self.leastSegmentMaximum(row, width: width, segments: 2 * k))
            best.absorb(row, width: width, firstRow: firstRow, kernel: kernel, scratch: scratch)
            let similarity = queries.floatSimilarities(ofRow: q, with: database)
            let floats = best.rows.map { similarity($0) }.sorted(by: >)
            guard floats.count >= k else { return -.infinity }
            return CandidateSet.lowered(floats[k - 1], by: margin)
        }
    }

    /// The least of the maxima of `segments` equal parts of `row`: at least `segments` entries
    /// reach it (−∞ when the row is shorter). A floor from which the rows of best screen
    /// similarity are collected in one scan.
    package static func leastSegmentMaximum(_ row: UnsafePointer<Float>, width: Int, segments: Int) -> Float {
        guard width >= segments, segments > 0 else { return -.infinity }
        var least = Float.infinity
        for s in 0..<segments {
            let start = s * width / segments, end = (s + 1) * width / segments
            var lanes = SIMD8<Float>(repeating: -.infinity), j = start
            while j + 8 <= end {
                let values = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                lanes.replace(with: values, where: values .> lanes)
                j += 8
            }
            var maximum = lanes.max()
            while j < end {
                maximum = max(maximum, row[j])
                j += 1
            }
            least = min(least, maximum)
        }
        return least
    }

    /// The top k of `candidates` by reference cosine. A zero query has cosine 0 with every row,
    /// so its hits are the first k rows.
    ///
    /// After a screening tile the candidates are first narrowed by their float similarity f: if
    /// the k-th best f is F, every true top-k row has reference score ≥ F − band and hence
    /// f ≥ F − 2·band (float band: `floatMargin`), as in `CandidateSet`.
    private func hits(for query: Int, _ candidates: CandidateSet, floatMargin: Double) -> [RecallHit] {
        guard queries.norms[query] != 0 else {
            return (0..<min(k, database.rows)).map { RecallHit(index: $0, score: 0) }
        }
        var rows = candidates.rows
        if screenBand == nil, kernel.encoding != .float32, rows.count > k {
            let floats = rows.map { queries.floatSimilarity(query, database, $0) }
            let floor = Double(floats.sorted(by: >)[k - 1]) - floatMargin
            rows = zip(rows, floats).filter { Double($0.1) >= floor }.map(\.0)
        }
        let scored = rows.map { RecallHit(index: $0, score: queries.referenceCosine(query, database, $0)) }
        return Array(scored.sorted(by: RecallHit.ranksBefore).prefix(k))
    }
}

/// The database rows that may still be in one query's top k: every row whose float score is at
/// least the running k-th best float score minus `margin` (twice the error band). If the final
/// k-th best float score is F, every true top-k row has reference score ≥ F − band and hence
/// float score ≥ F − 2·band, and the running k-th best never exceeds F, so no true hit is dropped.
struct CandidateSet {
    private(set) var rows: [Int] = []
    private var scores: [Float] = []
    private var floor = -Float.infinity
    private var capacity: Int
    private let k: Int
    private let margin: Double

    /// An empty set keeping the rows within `margin` of the running k-th best score, none below
    /// `floor` (at most the final k-th best score less the margin).
    init(k: Int, margin: Double, floor: Float = -.infinity) {
        self.k = k
        self.margin = margin
        self.floor = floor
        capacity = max(4 * k, 64)
    }

    /// Adds the rows of one tile row that reach the current floor.
    mutating func absorb(_ tileRow: UnsafePointer<Float>, width: Int, firstRow: Int,
                         kernel: any SimilarityKernel, scratch: UnsafeMutablePointer<UInt32>) {
        let found = kernel.collectAtLeast(tileRow, count: width, floor, into: scratch)
        absorb(scored: (0..<found).lazy.map { (firstRow + Int(scratch[$0]), tileRow[Int(scratch[$0])]) })
    }

    /// The floor of a screen similarity with the screen's `band`: a row below it cannot reach the
    /// floor (nor any floor after it, which only rises).
    func screenFloor(band: Double) -> Float {
        Self.lowered(floor, by: band)
    }

    /// Adds the scored rows that reach the floor (which rises as they come).
    mutating func absorb(scored: some Sequence<(row: Int, score: Float)>) {
        for (row, score) in scored where score >= floor {
            rows.append(row)
            scores.append(score)
            if scores.count >= capacity { prune() }
        }
    }

    /// The largest float at most `value − band` (−∞ stays −∞).
    static func lowered(_ value: Float, by band: Double) -> Float {
        ExactnessBand.bounds(threshold: Double(value), band: band).lo
    }

    /// Raises the floor to the k-th best score minus the margin and drops what falls below.
    private mutating func prune() {
        floor = max(floor, Self.lowered(scores.sorted(by: >)[k - 1], by: margin))
        var kept = 0
        for i in scores.indices where scores[i] >= floor {
            scores[kept] = scores[i]
            rows[kept] = rows[i]
            kept += 1
        }
        scores.removeLast(scores.count - kept)
        rows.removeLast(rows.count - kept)
        if 2 * kept > capacity { capacity *= 2 }
    }
}
