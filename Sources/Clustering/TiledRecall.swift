import Kernels

/// One exact top-k search (see `TopKRecall`): workers take contiguous query ranges; each walks
/// its queries block by block over database chunks, one tile at a time, in the kernel's encoding:
/// full-dimension tiles, or a low-rank screen's (`screenBand` set), whose survivors are scored in
/// float.
struct TiledRecall {
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

    /// The hits of every query, how many (query, row) pairs were decided again exactly, and how
    /// many a screen left to be scored in full.
    func run() -> (hits: [[RecallHit]], rechecked: Int, survivors: Int) {
        var results = [(hits: [RecallHit], rechecked: Int, survivors: Int)](repeating: ([], 0, 0), count: queries.rows)
        let columns = TileColumns(allRowsOf: databaseRows)
        let floatMargin = 2 * ExactnessBand.band(for: database.dimension)
        let margin = screenBand == nil
            ? 2 * ExactnessBand.band(for: database.dimension, encoding: kernel.encoding, rowError: rows.maxError,
                                     columnError: databaseRows.maxError)
            : floatMargin
        let parts = ComputeThreads.split(queries.rows, minimum: 16)
        results.withUnsafeMutableBufferPointer { results in
            ComputeThreads.forEach(parts: parts.count) { p in
                let tile = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * databaseChunk)
                let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: databaseChunk)
                defer {
                    tile.deallocate()
                    scratch.deallocate()
                }
                for start in stride(from: parts[p].lowerBound, to: parts[p].upperBound, by: queryBlock) {
                    let block = start..<min(start + queryBlock, parts[p].upperBound)
                    let staged = RowBlock(base: rows.row(block.lowerBound), stride: rows.stride,
                                          scales: rows.scales.map { UnsafePointer($0 + block.lowerBound) })
                    let floors = screenBand == nil ? block.map { _ in -Float.infinity }
                        : seedFloors(block, staged, columns, tile: tile, scratch: scratch, margin: floatMargin)
                    var candidates = floors.map { CandidateSet(k: k, margin: margin, floor: $0) }
                    var survivors = [Int](repeating: 0, count: block.count)
                    for chunk in stride(from: 0, to: database.rows, by: databaseChunk) {
                        let width = min(databaseChunk, database.rows - chunk)
                        kernel.tile(staged, count: block.count, columns, chunk..<(chunk + width), into: tile, rowStride: width)
                        for (i, q) in block.enumerated() where queries.norms[q] != 0 {
                            if let screenBand {
                                let similarity = queries.floatSimilarities(ofRow: q, with: database)
                                survivors[i] += candidates[i].absorb(screened: tile + i * width, width: width, firstRow: chunk,
                                                                     band: screenBand, kernel: kernel, scratch: scratch) { similarity($0) }
                            } else {
                                candidates[i].absorb(tile + i * width, width: width, firstRow: chunk, kernel: kernel, scratch: scratch)
                            }
                        }
                    }
                    for (i, q) in block.enumerated() {
                        results[q] = (hits(for: q, candidates[i], floatMargin: floatMargin), candidates[i].rows.count, survivors[i])
                    }
                }
            }
        }
        return (results.map(\.hits), results.reduce(0) { $0 + $1.rechecked }, results.reduce(0) { $0 + $1.survivors })
    }

    /// Each query's floor before the screening pass: a first pass of screen tiles finds the 2k
    /// rows of best screen similarity, whose k-th best float similarity F' is at most the final
    /// k-th best F; F' − margin is a floor `CandidateSet` may start from. (Started from −∞, the
    /// floor stays below F until most rows are seen, and the screen lets 2–4× more pairs through.)
    private func seedFloors(_ block: Range<Int>, _ staged: RowBlock, _ columns: TileColumns, tile: UnsafeMutablePointer<Float>,
                            scratch: UnsafeMutablePointer<UInt32>, margin: Double) -> [Float] {
        var best = block.map { _ in CandidateSet(k: 2 * k, margin: 0) }
        for chunk in stride(from: 0, to: database.rows, by: databaseChunk) {
            let width = min(databaseChunk, database.rows - chunk)
            kernel.tile(staged, count: block.count, columns, chunk..<(chunk + width), into: tile, rowStride: width)
            for i in 0..<block.count where queries.norms[block.lowerBound + i] != 0 {
                best[i].absorb(tile + i * width, width: width, firstRow: chunk, kernel: kernel, scratch: scratch)
            }
        }
        return zip(block, best).map { q, best in
            let similarity = queries.floatSimilarities(ofRow: q, with: database)
            let floats = best.rows.map { similarity($0) }.sorted(by: >)
            guard floats.count >= k else { return -.infinity }
            return CandidateSet.lowered(floats[k - 1], by: margin)
        }
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
        for f in 0..<found {
            let j = Int(scratch[f]), score = tileRow[j]
            guard score >= floor else { continue }
            rows.append(firstRow + j)
            scores.append(score)
            if scores.count >= capacity { prune() }
        }
    }

    /// Scores in full, with `score`, each row of one screen tile row whose screen similarity
    /// reaches the floor less `band` (the screen's bound: no other row can reach the floor), and
    /// adds those that reach the floor. Returns how many were scored.
    mutating func absorb(screened tileRow: UnsafePointer<Float>, width: Int, firstRow: Int, band: Double,
                         kernel: any SimilarityKernel, scratch: UnsafeMutablePointer<UInt32>, score: (Int) -> Float) -> Int {
        var screenFloor = Self.lowered(floor, by: band)
        let found = kernel.collectAtLeast(tileRow, count: width, screenFloor, into: scratch)
        var scored = 0
        for f in 0..<found {
            let j = Int(scratch[f])
            guard tileRow[j] >= screenFloor else { continue }
            scored += 1
            let value = score(firstRow + j)
            guard value >= floor else { continue }
            rows.append(firstRow + j)
            scores.append(value)
            if scores.count >= capacity {
                prune()
                screenFloor = Self.lowered(floor, by: band)
            }
        }
        return scored
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
