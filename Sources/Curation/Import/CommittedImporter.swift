import Foundation
import GRDB

/// Imports committed items (the knowledge the curator recalls) from a JSON Lines file: all or
/// nothing, and idempotent.
///
/// Each line is an object with `item_id` (string, required, non-empty, unique in the file),
/// `item_type` (string, required), `label` and `summary` (strings, optional, default `""`) and an
/// optional inline `embedding`; other fields are ignored. Vectors come from a `.f32` file,
/// inline arrays or the embedder, as for `ProspectImporter`, with the same checks.
///
/// - **All or nothing**: every line is checked first, then all rows are written in one
///   transaction; the first bad line is reported with its 1-based number.
/// - **Idempotent**: an `item_id` already in the store is skipped (counted as already present);
///   the stored item is left as it is.
/// - Rows are stored with `source = 'import'` and `created_at` = the time of the import.
///
/// ```swift
/// let summary = try CommittedImporter(store: store).importFile("committed.jsonl", vectors: .automatic(HashingEmbedder()))
/// ```
public struct CommittedImporter: Sendable {
    /// The store written to.
    public let store: CurationStore
    /// Whether to draw a progress line on standard error when it is a terminal.
    public var showProgress: Bool

    /// An importer into `store`.
    public init(store: CurationStore, showProgress: Bool = true) {
        self.store = store
        self.showProgress = showProgress
    }

    /// Imports the JSON Lines file at `path`.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importFile(_ path: String, vectors: VectorSource) throws(ImportError) -> ImportSummary {
        try importData(ImportPlan.contents(ofFile: path), path: path, vectors: vectors)
    }

    /// Imports JSON Lines `data`; `path` names it in errors.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importData(_ data: Data, path: String, vectors: VectorSource) throws(ImportError) -> ImportSummary {
        try ImportPlan.importLines(
            data, path: path, store: store, showProgress: showProgress, vectors: vectors, idField: "item_id",
            existsSQL: "SELECT 1 FROM committed WHERE item_id = ?",
            insertSQL: """
                INSERT INTO committed (item_id, item_type, label, summary, embedding, dim, source, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'import', ?)
                """,
            parse: { (line, fields) throws(ImportError) -> CommittedRecord in
                let inline = try fields.embedding()
                return CommittedRecord(
                    line: line,
                    id: try fields.requiredString("item_id"),
                    itemType: try fields.requiredString("item_type"),
                    label: try fields.optionalString("label") ?? "",
                    summary: try fields.optionalString("summary") ?? "",
                    vector: inline?.0, inlineCount: inline?.1)
            },
            arguments: { record, now in
                [record.id, record.itemType, record.label, record.summary, record.vector, record.vector.map { $0.count / 4 }, now.text]
            })
    }
}

/// One parsed committed-item line.
struct CommittedRecord: ImportRecord {
    let line: Int
    let id: String
    let itemType: String
    let label: String
    let summary: String
    var vector: Data?
    let inlineCount: Int?

    var text: String { embeddingText(label: label, summary: summary) }
}
