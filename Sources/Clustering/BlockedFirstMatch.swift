import CKernels
import Kernels

/// The blocked form of greedy first-match clustering, at one or several thresholds in one pass
/// (one run; not reusable).
///
/// `place` takes rows in visiting order, each already compared with every seed before `seedsFrom`
/// without a match at the thresholds it is still open at. It cuts them into blocks; each block
/// is matched against the seeds that existed when it started (`matchAgainstSeeds`: similarity
/// tiles over seed chunks in creation order, rows placed at every threshold compacted out between
/// chunks, early exit once the block is placed). The rows still open can only join seeds created
/// inside the block, so they recurse with smaller blocks; at the last level, blocks of one row, a
/// row still open becomes a seed at the thresholds it is open at. Hence at each threshold each row
/// joins the first seed in creation order, as in the reference loop.
///
/// Several thresholds share one pass because every threshold creates its seeds in visiting
/// order: the union of all thresholds' seeds, in creation order, lists each threshold's own seeds
/// in its own creation order. Each union seed carries the mask of the thresholds it seeds, each row
/// the mask of the thresholds it is still open at, and a row's scan of a tile row stops once that
/// mask is empty.
///
/// Tiles come from `PassTiles`: the kernel's encoding of the rows (for float kernels the
/// normalised rows themselves), or a low-rank screen's rows; a similarity the tile does not
/// decide is decided exactly by `PairComparison`.
final class BlockedFirstMatch {
    private let matrix: EmbeddingMatrix
    private let kernel: any SimilarityKernel
    /// Ascending, at most 64 (one bit each).
    private let thresholds: [Double]
    /// Per threshold, the bounds of the tiles and of float tiles.
    private let bounds: [(lo: Float, hi: Float)]
    private let floatBounds: [(lo: Float, hi: Float)]
    private let encoded: EncodedRows
    private let startsInFloat: Bool
    private let tiling: GreedyClustering.Tiling
    private let dimension: Int
    /// Block sizes per recursion level, decreasing, ending with 1.
    private let levels: [Int]

    /// Per threshold, its clusters in creation order.
    private(set) var clusters: [[[Int]]]
    /// Per threshold, the similarities inside the band, decided again exactly.
    private(set) var rechecked: [Int]
    /// Similarities computed in tiles (the reference evaluates `ClusteringResult.referencePairs`).
    private(set) var computedPairs = 0
    /// Tile pairs the tiles did not decide at some threshold, decided by `PairComparison`.
    private(set) var checkedPairs = 0
    /// Row of each union seed, in creation order.
    private var seedRows: [Int] = []
    /// Per union seed, the thresholds it seeds (bit t for `thresholds[t]`).
    private var seedMasks: [UInt64] = []
    /// Per union seed s and threshold t, at `s · thresholds.count + t`: its cluster at t, or -1.
    private var seedClusters: [Int32] = []
    /// Per matrix row, the thresholds at which it is not placed yet.
    private var open: [UInt64]
    /// The seeds as tile columns.
    private let seeds: TileColumns
    /// Encoded rows of the block being matched (and their scales and fixes), compacted as rows
    /// are placed.
    private let stagedRows: UnsafeMutableRawPointer
    private let stagedScales: UnsafeMutablePointer<Float>?
    private let stagedFixes: UnsafeMutablePointer<Float>?
    /// One similarity tile of `tileRows` rows per worker.
    private let tiles: [UnsafeMutablePointer<Float>]
    /// The rows placed one by one (at most `levels[levels.count - 2]` of them) as tile columns, their
    /// tile against themselves, and room for one tile row gathered from it.
    private let pending: TileColumns
    private let pendingTile: UnsafeMutablePointer<Float>
    /// Rows per tile: narrow tiles (int8, bf16) 64 rows at a time, so that a tile over the widest
    /// seed chunk stays in a core's L2 cache between the kernel writing it and the scan reading
    /// it; float tiles a worker's whole share of a block, as a BLAS call needs many rows to pay.
    private let tileRows: Int
    private let workers: Int
    /// Columns per panel of the narrow kernels' tile columns (`CK_PANEL`).
    private static let panel = TileColumns.panelWidth

    /// - Precondition: `thresholds` ascending, 1 to 64 of them, finite, as `source`'s bounds; the
    ///   tiling valid.
    init(matrix: EmbeddingMatrix, source: PassTiles, thresholds: [Double], tiling: GreedyClustering.Tiling) {
        precondition((1...64).contains(thresholds.count) && thresholds == thresholds.sorted())
        self.matrix = matrix
        kernel = source.kernel
        self.thresholds = thresholds
        self.tiling = tiling
        dimension = source.rows.dimension
        encoded = source.rows
        bounds = source.bounds
        startsInFloat = source.startsInFloat
        floatBounds = thresholds.map { ExactnessBand.bounds(threshold: $0, dimension: matrix.dimension) }
        levels = [tiling.blockRows, tiling.subBlockRows, 1].reduce(into: []) { levels, size in
            if size < (levels.last ?? .max) { levels.append(size) }
        }
        clusters = Array(repeating: [], count: thresholds.count)
        rechecked = Array(repeating: 0, count: thresholds.count)
        let all = thresholds.count == 64 ? UInt64.max : (1 << UInt64(thresholds.count)) - 1
        open = Array(repeating: all, count: matrix.rows)
        let blockRows = levels[0]
        workers = ComputeThreads.count
        let tileRows = kernel.encoding == .float32 ? blockRows : min(blockRows, 64)
        self.tileRows = tileRows
        seeds = TileColumns(encoding: kernel.encoding, dimension: dimension, fixes: encoded.fixes != nil)
        stagedRows = .allocate(byteCount: blockRows * encoded.stride, alignment: 64)
        stagedScales = encoded.scales == nil ? nil : .allocate(capacity: blockRows)
        stagedFixes = encoded.fixes == nil ? nil : .allocate(capacity: blockRows * Int(CK_I8_FIXES))
        tiles = (0..<workers).map { _ in .allocate(capacity: tileRows * tiling.seedChunk) }
        let pendingRows = levels.count > 1 ? levels[levels.count - 2] : 0
        pending = TileColumns(encoding: kernel.encoding, dimension: dimension, fixes: encoded.fixes != nil, capacity: pendingRows)
        pendingTile = .allocate(capacity: pendingRows * (pendingRows + 1))
    }

    deinit {
        stagedRows.deallocate()
        stagedScales?.deallocate()
        stagedFixes?.deallocate()
        tiles.forEach { $0.deallocate() }
        pendingTile.deallocate()
    }

    /// Places `rows` (visiting order) whose comparisons with seeds before `seedsFrom` all failed
    /// at the thresholds they are open at.
    func place(_ rows: [Int], seedsFrom: Int = 0, level: Int = 0) {
        let size = levels[level]
        for start in stride(from: 0, to: rows.count, by: size) {
            let block = Array(rows[start..<min(start + size, rows.count)])
            let seedsAtStart = seedRows.count
            let unplaced = matchAgainstSeeds(block, seeds: seedsFrom..<seedsAtStart)
            if level + 2 < levels.count {
                place(unplaced, seedsFrom: seedsAtStart, level: level + 1)
            } else if level + 1 < levels.count {
                placeOneByOne(unplaced, seedsFrom: seedsAtStart)
            } else {
                unplaced.forEach(addSeed)
            }
        }
    }

    /// The last level, blocks of one row, without the blocks: the rows (at most a sub-block) against
    /// one another in one tile, then each row in turn scans the columns of the rows that became
    /// seeds before it (the seeds since `seedsFrom`, in creation order) and becomes a seed where it
    /// is still open.
    private func placeOneByOne(_ rows: [Int], seedsFrom: Int) {
        guard !rows.isEmpty else { return }
        let n = rows.count, count = thresholds.count
        let matches = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        let rechecks = UnsafeMutablePointer<Int>.allocate(capacity: count + 1)
        defer {
            matches.deallocate()
            rechecks.deallocate()
        }
        rechecks.initialize(repeating: 0, count: count + 1)
        pending.removeAll()
        for (i, row) in rows.enumerated() {
            stage(row, at: i)
            pending.append(encoded, row: row)
        }
        let tile = pendingTile, seedsTileRow = pendingTile + n * n
        kernel.tile(stagedBlock(from: 0), count: n, pending, 0..<n, into: tile, rowStride: n)
        computedPairs += n * n
        // The slots (in `rows`) of the seeds created here, in creation order.
        var seedSlots: [Int] = []
        for (i, row) in rows.enumerated() {
            if !seedSlots.isEmpty {
                for (s, slot) in seedSlots.enumerated() { seedsTileRow[s] = tile[i * n + slot] }
                rowScan.row(seedsTileRow, width: seedSlots.count, row: row, firstSeed: seedsFrom, matches: matches,
                            rechecks: rechecks)
                join(row, matches: matches)
            }
            if open[row] != 0 {
                addSeed(row)
                seedSlots.append(i)
            }
        }
        addRechecks(rechecks)
    }

    /// Adds one scan's counts (`RowScan.row`'s `rechecks`: per threshold, then any) to the totals.
    private func addRechecks(_ counts: UnsafePointer<Int>) {
        for t in thresholds.indices { rechecked[t] += counts[t] }
        checkedPairs += counts[thresholds.count]
    }

    /// Adds `row` to the cluster `matches[t]` names at each threshold t where it names one.
    private func join(_ row: Int, matches: UnsafePointer<Int32>) {
        for t in 0..<thresholds.count where matches[t] >= 0 {
            clusters[t][Int(matches[t])].append(row)
            open[row] &= ~(1 << UInt64(t))
        }
    }

    /// Assigns each row of `block`, at each threshold it is open at, to the first seed in `range`
    /// it matches there, and returns the rows still open at some threshold, in order.
    ///
    /// The rows still open stay staged in the first slots of the block: a placed row's slot takes
    /// the last open row (one copy per placed row, where keeping the visiting order would move
    /// every later row), so slots are not in visiting order; the rows that matched in a chunk join
    /// their clusters in visiting order.
    private func matchAgainstSeeds(_ block: [Int], seeds range: Range<Int>) -> [Int] {
        guard !range.isEmpty, !block.isEmpty else { return block }
        let count = thresholds.count
        for (i, row) in block.enumerated() { stage(row, at: i) }
        // Per staged slot, its row and the row's place in `block`.
        var active = block, positions = Array(block.indices)
        var chunkStart = range.lowerBound
        var chunkWidth = tiling.firstSeedChunk
        var matches = [Int32](repeating: -1, count: block.count * count)
        while chunkStart < range.upperBound, !active.isEmpty {
            // Chunks end on a multiple of CK_PANEL seeds where they can, so that the narrow
            // kernels' panels are whole in every chunk but the first and the last.
            var end = min(chunkStart + chunkWidth, range.upperBound)
            if end < range.upperBound, end / Self.panel * Self.panel > chunkStart { end = end / Self.panel * Self.panel }
            let width = end - chunkStart
            scanChunk(active, seeds: chunkStart..<end, matches: &matches)
            matches.withUnsafeBufferPointer { matches in
                let matched = active.indices.filter { slot in (0..<count).contains { matches[slot * count + $0] >= 0 } }
                for slot in matched.sorted(by: { positions[$0] < positions[$1] }) {
                    join(active[slot], matches: matches.baseAddress! + slot * count)
                }
            }
            var slot = 0, kept = active.count
            while slot < kept {
                if open[active[slot]] != 0 {
                    slot += 1
                    continue
                }
                kept -= 1
                if slot != kept {
                    stage(active[kept], at: slot)
                    (active[slot], positions[slot]) = (active[kept], positions[kept])
                }
            }
            active.removeLast(active.count - kept)
            positions.removeLast(positions.count - kept)
            chunkStart += width
            chunkWidth = min(chunkWidth * 2, tiling.seedChunk)
        }
        return block.filter { open[$0] != 0 }
    }

    /// For each active row i and threshold t, the cluster of the first seed in `chunk` it matches
    /// at t (or -1), in `matches[i · thresholds.count + t]`.
    private func scanChunk(_ active: [Int], seeds chunk: Range<Int>, matches: inout [Int32]) {
        let d = dimension, width = chunk.count, count = thresholds.count
        let minimumRows = max(8, 8_000_000 / max(width * d, 1))
        // Narrow tiles split on whole tiles: only the last part has rows left over (which the kernels
        // take in groups of up to 32).
        let parts = ComputeThreads.split(active.count, minimum: minimumRows, workers: workers,
                                         multiple: kernel.encoding == .float32 ? 1 : tileRows)
        // Each part's counters on cache lines of their own: shared lines would make every count
        // of one worker stall the other.
        let slots = (count + 1 + 7) / 8 * 8
        var rechecks = [Int](repeating: 0, count: parts.count * slots)
        computedPairs += active.count * width
        let scan = rowScan
        matches.withUnsafeMutableBufferPointer { matches in
            rechecks.withUnsafeMutableBufferPointer { rechecks in
                ComputeThreads.forEach(parts: parts.count) { p in
                    let tile = tiles[p]
                    // A few rows' tile at a time, scanned while it is still in the core's cache.
                    for first in Swift.stride(from: parts[p].lowerBound, to: parts[p].upperBound, by: tileRows) {
                        let rows = first..<min(first + tileRows, parts[p].upperBound)
                        let staged = stagedBlock(from: first)
                        kernel.tile(staged, count: rows.count, seeds, chunk, into: tile, rowStride: width)
                        for i in rows {
                            scan.row(tile + (i - first) * width, width: width, row: active[i], firstSeed: chunk.lowerBound,
                                     matches: matches.baseAddress! + i * count, rechecks: rechecks.baseAddress! + p * slots)
                        }
                    }
                }
            }
        }
        rechecks.withUnsafeBufferPointer { rechecks in
            for p in parts.indices { addRechecks(rechecks.baseAddress! + p * slots) }
        }
    }

    /// What a tile row's scan reads, as it stands now.
    private var rowScan: RowScan {
        RowScan(kernel: kernel, matrix: matrix, thresholds: thresholds, bounds: bounds, floatBounds: floatBounds,
                startsInFloat: startsInFloat, open: open, seedRows: seedRows, seedMasks: seedMasks, seedClusters: seedClusters)
    }

    /// Copies the encoded `row` (and its scale and fixes) into block slot `slot`.
    private func stage(_ row: Int, at slot: Int) {
        (stagedRows + slot * encoded.stride).copyMemory(from: encoded.row(row), byteCount: encoded.stride)
        if let stagedScales, let scales = encoded.scales { stagedScales[slot] = scales[row] }
        if let stagedFixes, let fixes = encoded.fixes {
            let places = Int(CK_I8_FIXES)
            (stagedFixes + slot * places).update(from: fixes + row * places, count: places)
        }
    }

    /// The staged rows from block slot `slot` on, as the row side of a tile.
    private func stagedBlock(from slot: Int) -> RowBlock {
        RowBlock(base: stagedRows + slot * encoded.stride, stride: encoded.stride, scales: stagedScales.map { UnsafePointer($0 + slot) },
                 fixes: stagedFixes.map { UnsafePointer($0 + slot * Int(CK_I8_FIXES)) }, maxCode: encoded.maxCode)
    }

    /// Makes `row` a seed at every threshold it is still open at.
    private func addSeed(_ row: Int) {
        seeds.append(encoded, row: row)
        seedRows.append(row)
        seedMasks.append(open[row])
        for t in thresholds.indices {
            if open[row] & (1 << UInt64(t)) != 0 {
                seedClusters.append(Int32(clusters[t].count))
                clusters[t].append([row])
            } else {
                seedClusters.append(-1)
            }
        }
        open[row] = 0
    }
}

/// What the scan of a tile row reads, copied out of `BlockedFirstMatch` once per seed chunk:
/// its workers then read plain values, with no reference counting in the hottest loop.
private struct RowScan {
    let kernel: any SimilarityKernel
    let matrix: EmbeddingMatrix
    let thresholds: [Double]
    let bounds: [(lo: Float, hi: Float)]
    let floatBounds: [(lo: Float, hi: Float)]
    let startsInFloat: Bool
    let open: [UInt64]
    let seedRows: [Int]
    let seedMasks: [UInt64]
    let seedClusters: [Int32]

    /// Scans one tile row in seed order: at each threshold the row is open at, the first seed whose
    /// similarity reaches it (similarities inside the error band re-checked with the reference
    /// cosine, through `PairComparison`) sets `matches[t]`; the others get -1. Stops once no open
    /// threshold is left. `rechecks[t]` counts the pairs decided again at t, `rechecks[count]`
    /// the pairs decided again at any.
    func row(_ tileRow: UnsafePointer<Float>, width: Int, row: Int, firstSeed: Int,
             matches: UnsafeMutablePointer<Int32>, rechecks: UnsafeMutablePointer<Int>) {
        let count = thresholds.count
        matches.update(repeating: -1, count: count)
        var wanted = open[row]
        var j = 0
        while wanted != 0 {
            // Thresholds ascend, so do their lower bounds: the lowest open one decides what to skip.
            j += kernel.firstAtLeast(tileRow + j, count: width - j, bounds[wanted.trailingZeroBitCount].lo)
            if j >= width { return }
            let similarity = tileRow[j], seed = firstSeed + j
            var candidates = wanted & seedMasks[seed]
            var pair = PairComparison(matrix, row, matrix, seedRows[seed], startingInFloat: startsInFloat)
            var checked = false
            while candidates != 0 {
                let t = candidates.trailingZeroBitCount
                candidates &= candidates - 1
                if similarity < bounds[t].lo { break }
                var joins = similarity >= bounds[t].hi
                if !joins {
                    rechecks[t] += 1
                    if !checked { rechecks[count] += 1 }
                    checked = true
                    joins = pair.atLeast(thresholds[t], floatBounds: floatBounds[t])
                }
                if joins {
                    matches[t] = seedClusters[seed * count + t]
                    wanted &= ~(1 << UInt64(t))
                }
            }
            j += 1
        }
    }
}
