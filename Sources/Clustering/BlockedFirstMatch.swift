import Kernels

/// The blocked form of greedy first-match clustering (one run; not reusable).
///
/// `place` takes rows in visiting order, all already compared with every seed before `seedsFrom`
/// without a match. It cuts them into blocks; each block is matched against the seeds that
/// existed when it started (`matchAgainstSeeds`: similarity tiles over seed chunks in creation
/// order, matched rows compacted out between chunks, early exit once the block is placed). The
/// rows still unplaced can only join seeds created inside the block, so they recurse with
/// smaller blocks; at the last level, blocks of one row, an unplaced row becomes a seed. Hence
/// each row joins the first seed in creation order, as in the reference loop.
final class BlockedFirstMatch {
    private let matrix: EmbeddingMatrix
    private let kernel: any SimilarityKernel
    private let threshold: Double
    private let bounds: (lo: Float, hi: Float)
    private let tiling: GreedyClustering.Tiling
    private let dimension: Int
    /// Block sizes per recursion level, decreasing, ending with 1.
    private let levels: [Int]

    private(set) var clusters: [[Int]] = []
    private(set) var rechecked = 0
    /// Similarities computed in tiles (the reference evaluates `ClusteringResult.referencePairs`).
    private(set) var computedPairs = 0
    /// Row of each seed; seed s is the first member of cluster s.
    private var seedRows: [Int] = []
    private var seeds: UnsafeMutablePointer<Float>
    private var seedCapacity: Int
    /// Normalised rows of the block being matched, compacted as rows are placed.
    private let blockVectors: UnsafeMutablePointer<Float>
    /// One similarity tile per worker.
    private let tiles: [UnsafeMutablePointer<Float>]
    private let workers: Int

    init(matrix: EmbeddingMatrix, kernel: any SimilarityKernel, threshold: Double, tiling: GreedyClustering.Tiling) {
        self.matrix = matrix
        self.kernel = kernel
        self.threshold = threshold
        self.tiling = tiling
        dimension = matrix.dimension
        bounds = ExactnessBand.bounds(threshold: threshold, dimension: matrix.dimension)
        levels = [tiling.blockRows, tiling.subBlockRows, 1].reduce(into: []) { levels, size in
            if size < (levels.last ?? .max) { levels.append(size) }
        }
        let blockRows = levels[0]
        workers = ComputeThreads.count
        seedCapacity = 1024
        seeds = .allocate(capacity: seedCapacity * dimension)
        blockVectors = .allocate(capacity: blockRows * dimension)
        tiles = (0..<workers).map { _ in .allocate(capacity: blockRows * tiling.seedChunk) }
    }

    deinit {
        seeds.deallocate()
        blockVectors.deallocate()
        tiles.forEach { $0.deallocate() }
    }

    /// Places `rows` (visiting order) whose comparisons with seeds before `seedsFrom` all failed.
    func place(_ rows: [Int], seedsFrom: Int = 0, level: Int = 0) {
        let size = levels[level]
        for start in stride(from: 0, to: rows.count, by: size) {
            let block = Array(rows[start..<min(start + size, rows.count)])
            let seedsAtStart = seedRows.count
            let unplaced = matchAgainstSeeds(block, seeds: seedsFrom..<seedsAtStart)
            if level + 1 < levels.count {
                place(unplaced, seedsFrom: seedsAtStart, level: level + 1)
            } else {
                unplaced.forEach(addSeed)
            }
        }
    }

    /// Assigns each row of `block` that matches a seed in `range` to the first such seed and
    /// returns the others in order.
    private func matchAgainstSeeds(_ block: [Int], seeds range: Range<Int>) -> [Int] {
        guard !range.isEmpty, !block.isEmpty else { return block }
        let d = dimension
        for (i, row) in block.enumerated() {
            (blockVectors + i * d).update(from: matrix.unitRow(row), count: d)
        }
        var active = block
        var chunkStart = range.lowerBound
        var chunkWidth = tiling.firstSeedChunk
        var matches = [Int](repeating: -1, count: block.count)
        while chunkStart < range.upperBound, !active.isEmpty {
            let width = min(chunkWidth, range.upperBound - chunkStart)
            scanChunk(active, seeds: chunkStart..<(chunkStart + width), matches: &matches)
            var kept = 0
            for (i, row) in active.enumerated() {
                if matches[i] >= 0 {
                    clusters[matches[i]].append(row)
                } else {
                    if kept != i { (blockVectors + kept * d).update(from: blockVectors + i * d, count: d) }
                    active[kept] = row
                    kept += 1
                }
            }
            active.removeLast(active.count - kept)
            chunkStart += width
            chunkWidth = min(chunkWidth * 2, tiling.seedChunk)
        }
        return active
    }

    /// For each active row, the first seed in `chunk` it matches (or -1), in `matches[i]`.
    private func scanChunk(_ active: [Int], seeds chunk: Range<Int>, matches: inout [Int]) {
        let d = dimension, width = chunk.count
        let minimumRows = max(8, 2_000_000 / max(width * d, 1))
        let parts = ComputeThreads.split(active.count, minimum: minimumRows, workers: workers)
        var rechecks = [Int](repeating: 0, count: parts.count)
        let chunkSeeds = UnsafePointer(seeds + chunk.lowerBound * d)
        computedPairs += active.count * width
        matches.withUnsafeMutableBufferPointer { matches in
            rechecks.withUnsafeMutableBufferPointer { rechecks in
                ComputeThreads.forEach(parts: parts.count) { p in
                    let rows = parts[p], tile = tiles[p]
                    kernel.tile(blockVectors + rows.lowerBound * d, rows: rows.count, chunkSeeds, rows: width,
                                dimension: d, into: tile, rowStride: width)
                    for i in rows {
                        matches[i] = firstMatch(tile + (i - rows.lowerBound) * width, width: width,
                                                row: active[i], firstSeed: chunk.lowerBound, rechecks: &rechecks[p])
                    }
                }
            }
        }
        rechecked += rechecks.reduce(0, +)
    }

    /// The first seed (cluster index) whose similarity in `tileRow` reaches the threshold, with a
    /// reference re-check of every similarity inside the error band; -1 when none does.
    private func firstMatch(_ tileRow: UnsafePointer<Float>, width: Int, row: Int, firstSeed: Int, rechecks: inout Int) -> Int {
        var j = 0
        while true {
            j += kernel.firstAtLeast(tileRow + j, count: width - j, bounds.lo)
            if j >= width { return -1 }
            if tileRow[j] >= bounds.hi { return firstSeed + j }
            rechecks += 1
            if matrix.referenceCosine(row, matrix, seedRows[firstSeed + j]) >= threshold { return firstSeed + j }
            j += 1
        }
    }

    private func addSeed(_ row: Int) {
        if seedRows.count == seedCapacity {
            let grown = UnsafeMutablePointer<Float>.allocate(capacity: seedCapacity * 2 * dimension)
            grown.moveInitialize(from: seeds, count: seedCapacity * dimension)
            seeds.deallocate()
            seeds = grown
            seedCapacity *= 2
        }
        (seeds + seedRows.count * dimension).initialize(from: matrix.unitRow(row), count: dimension)
        seedRows.append(row)
        clusters.append([row])
    }
}
