import Kernels

/// The reference loops: one item at a time, one pair at a time, in `Double`.
package enum ScalarReference {
    /// Greedy first-match clustering as the original system ran it.
    package static func cluster(_ matrix: EmbeddingMatrix, rows: [Int], threshold: Double) -> ClusteringResult {
        var seeds: [Int] = []
        var clusters: [[Int]] = []
        for row in rows {
            if let c = seeds.firstIndex(where: { matrix.referenceCosine(row, matrix, $0) >= threshold }) {
                clusters[c].append(row)
            } else {
                seeds.append(row)
                clusters.append([row])
            }
        }
        var result = ClusteringResult(clusters: clusters, backend: .scalar, rechecked: 0, computedPairs: 0)
        result.computedPairs = result.referencePairs
        return result
    }

    /// Top-k by reference cosine for each query, best first, ties to the lower database index.
    package static func recall(_ queries: EmbeddingMatrix, _ database: EmbeddingMatrix, k: Int) -> [[RecallHit]] {
        (0..<queries.rows).map { q in
            let scored = (0..<database.rows).map { RecallHit(index: $0, score: queries.referenceCosine(q, database, $0)) }
            return Array(scored.sorted(by: RecallHit.ranksBefore).prefix(k))
        }
    }
}
