import CKernels
import Kernels

/// The pairs one span of screen tiles lets through (`TiledRecall`), scored in float database row
/// by database row: each database row is read once, in ascending order, for all the block's
/// queries that need it, instead of once per query at scattered places.
struct ScreenSurvivors {
    /// The surviving pairs, query by query: the database row (from the span's first row) and,
    /// once `score` ran, the float similarity.
    private var rows: [UInt32] = []
    private var queries: [UInt32] = []
    private var scores: [Float] = []
    /// Where each query's pairs start in `rows`; the last entry is their count.
    private var starts: [Int] = [0]
    /// Per row of the span, where its next pair goes in the row-ordered walk of `score`, and that
    /// walk (pair indices).
    private var rowStarts: [Int] = []
    private var order: [Int] = []

    /// Forgets every pair.
    mutating func removeAll() {
        rows.removeAll(keepingCapacity: true)
        queries.removeAll(keepingCapacity: true)
        starts = [0]
    }

    /// Adds the next query's pairs: the rows whose screen similarity in `tileRow` reaches
    /// `floor`. Returns how many.
    mutating func collect(_ tileRow: UnsafePointer<Float>, width: Int, floor: Float, kernel: any SimilarityKernel,
                          scratch: UnsafeMutablePointer<UInt32>) -> Int {
        let found = kernel.collectAtLeast(tileRow, count: width, floor, into: scratch)
        rows.append(contentsOf: UnsafeBufferPointer(start: scratch, count: found))
        queries.append(contentsOf: repeatElement(UInt32(starts.count - 1), count: found))
        starts.append(rows.count)
        return found
    }

    /// Scores every pair: the float similarity of the block's query (`block[query]`) and the
    /// database row (`firstRow` + row), visiting the span's rows in ascending order.
    mutating func score(_ block: Range<Int>, of queryMatrix: EmbeddingMatrix, in database: EmbeddingMatrix,
                        firstRow: Int, width: Int) {
        // A counting sort of the pairs by row (the arrays keep their memory from span to span).
        Self.reset(&rowStarts, count: width + 1)
        for row in rows { rowStarts[Int(row) + 1] += 1 }
        for r in 0..<width { rowStarts[r + 1] += rowStarts[r] }
        Self.reset(&order, count: rows.count)
        for (pair, row) in rows.enumerated() {
            order[rowStarts[Int(row)]] = pair
            rowStarts[Int(row)] += 1
        }
        Self.reset(&scores, count: rows.count)
        let d = database.dimension
        for pair in order {
            let row = database.unitRow(firstRow + Int(rows[pair]))
            scores[pair] = ck_dot_f32(queryMatrix.unitRow(block.lowerBound + Int(queries[pair])), row, d)
        }
    }

    /// `array` as `count` zeros, in the memory it has.
    private static func reset<T: Numeric>(_ array: inout [T], count: Int) {
        array.removeAll(keepingCapacity: true)
        array.append(contentsOf: repeatElement(0, count: count))
    }

    /// The `query`-th query's pairs (after `score`): database row and float similarity.
    func pairs(of query: Int, firstRow: Int) -> some Sequence<(row: Int, score: Float)> {
        (starts[query]..<starts[query + 1]).lazy.map { (firstRow + Int(rows[$0]), scores[$0]) }
    }
}
