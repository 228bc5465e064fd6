import CurationStore
import Foundation
import Kernels

/// Ids read from a JSON Lines file and their embeddings read from a `.f32` file, row `i` of the
/// matrix belonging to `ids[i]` (line `i + 1` of the JSONL file).
///
/// The `.f32` file is raw little-endian float32, row-major, no header, `dimension` values a row.
public struct LabeledEmbeddings: Sendable {
    /// The ids, in line order.
    public let ids: [String]
    /// One row per id.
    public let matrix: EmbeddingMatrix

    /// Loads and cross-checks a JSONL file and its embeddings. The `.f32` file's size is checked
    /// against the line count before it is read.
    /// - Parameters:
    ///   - jsonlPath: the JSON Lines file; see `JSONLIdReader` for its rules.
    ///   - embeddingsPath: the `.f32` file (a regular file).
    ///   - dimension: values per row, 1 to `InputLimits.maxDimension`.
    ///   - idField: the id field of every JSONL line.
    /// - Throws: `InputFileError` for a dimension out of range (naming the `.f32` file), any error
    ///   of `JSONLIdReader`, an unreadable `.f32` file or one that is not a regular file, a size
    ///   that is not a whole number of rows, a row count that differs from the line count, or a
    ///   NaN or infinite value (naming the row, its JSONL line and the column).
    /// - Complexity: O(file sizes); the embeddings are read straight into one buffer.
    public init(jsonlPath: String, embeddingsPath: String, dimension: Int, idField: String) throws(InputFileError) {
        try InputLimits.checkDimension(dimension, path: embeddingsPath)
        let ids = try JSONLIdReader(field: idField).read(contentsOfFile: jsonlPath)
        // Check the row count from the size first, so a NaN is never blamed on a line that does
        // not exist, and a file of the wrong size is never read.
        let bytes = try RegularFile(path: embeddingsPath).size
        let rowBytes = dimension * 4   // at most 2^18: no overflow
        guard bytes % rowBytes == 0 else {
            throw InputFileError(path: embeddingsPath, reason: .embeddingByteCount(bytes: bytes, dimension: dimension))
        }
        try Self.checkRows(bytes / rowBytes, ids.count, embeddingsPath, jsonlPath)
        let matrix: EmbeddingMatrix
        do {
            matrix = try EmbeddingMatrix(contentsOfFile: embeddingsPath, dimension: dimension)
        } catch {
            throw Self.inputError(error, embeddingsPath: embeddingsPath, jsonlPath: jsonlPath)
        }
        try Self.checkRows(matrix.rows, ids.count, embeddingsPath, jsonlPath)
        self.ids = ids
        self.matrix = matrix
    }

    private static func checkRows(_ rows: Int, _ lines: Int, _ embeddingsPath: String, _ jsonlPath: String) throws(InputFileError) {
        guard rows == lines else {
            throw InputFileError(path: embeddingsPath, reason: .rowCountMismatch(rows: rows, lines: lines, jsonlPath: jsonlPath))
        }
    }

    private static func inputError(_ error: EmbeddingError, embeddingsPath: String, jsonlPath: String) -> InputFileError {
        let reason: InputFileError.Reason
        switch error {
        case let .unreadable(_, why): reason = .unreadable(why)
        case let .byteCountNotMultiple(bytes, dimension): reason = .embeddingByteCount(bytes: bytes, dimension: dimension)
        case let .nonFinite(row, column): reason = .nonFiniteEmbedding(row: row, column: column, jsonlPath: jsonlPath)
        case .zeroDimension: reason = .invalidDimension(0)
        case .sizeNotMultiple, .ragged, .dimensionMismatch: reason = .unreadable(error.description)
        }
        return InputFileError(path: embeddingsPath, reason: reason)
    }
}

/// The input of greedy clustering: prospects and their embeddings, and the order to visit them in.
///
/// ```swift
/// let input = try ClusterInput(prospectsPath: "p.jsonl", embeddingsPath: "p.f32", dimension: 384)
/// let result = try GreedyClustering(threshold: 0.82).cluster(input.items.matrix, order: input.order)
/// let clusters = result.clusters.map { $0.map { input.items.ids[$0] } }
/// ```
public struct ClusterInput: Sendable {
    /// The prospects (`prospect_id` of each line) and their embeddings, in file order.
    public let items: LabeledEmbeddings
    /// Row indices sorted by `prospect_id` in UTF-16 code-unit order (`UTF16Order`): the visiting
    /// order of the reference semantics, passed as `order:` so no row is copied.
    public let order: [Int]

    /// Loads prospects and their embeddings and computes the visiting order.
    /// - Throws: `InputFileError`, as `LabeledEmbeddings.init` does.
    public init(prospectsPath: String, embeddingsPath: String, dimension: Int) throws(InputFileError) {
        items = try LabeledEmbeddings(jsonlPath: prospectsPath, embeddingsPath: embeddingsPath,
                                      dimension: dimension, idField: "prospect_id")
        order = UTF16Order.sortedIndices(of: items.ids)
    }
}

/// The input of top-k recall: query prospects (`prospect_id`) and database items (`item_id`),
/// each with embeddings of the same dimension.
public struct RecallInput: Sendable {
    /// The queries, in file order.
    public let queries: LabeledEmbeddings
    /// The database of committed items, in file order.
    public let database: LabeledEmbeddings

    /// Loads both pairs of files; the queries are read and checked first.
    /// - Throws: `InputFileError`, as `LabeledEmbeddings.init` does.
    public init(queriesPath: String, queryEmbeddingsPath: String,
                databasePath: String, databaseEmbeddingsPath: String, dimension: Int) throws(InputFileError) {
        queries = try LabeledEmbeddings(jsonlPath: queriesPath, embeddingsPath: queryEmbeddingsPath,
                                        dimension: dimension, idField: "prospect_id")
        database = try LabeledEmbeddings(jsonlPath: databasePath, embeddingsPath: databaseEmbeddingsPath,
                                         dimension: dimension, idField: "item_id")
    }
}
