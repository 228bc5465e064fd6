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
        let data: Data
        do {
            data = try JSONLines.contents(ofFile: path)
        } catch {
            throw .input(error)
        }
        return try importData(data, path: path, vectors: vectors)
    }

    /// Imports JSON Lines `data`; `path` names it in errors.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importData(_ data: Data, path: String, vectors: VectorSource) throws(ImportError) -> ImportSummary {
        let progress = ProgressLine(label: "importing \(path)", enabled: showProgress)
        defer { progress.finish() }
        let plan = ImportPlan(path: path, store: store, progress: progress)
        var records = try ImportPlan.parseLines(data, path: path, idField: "item_id", progress: progress) {
            (line, fields) throws(ImportError) in
            let inline = try fields.embedding()
            return CommittedRecord(
                line: line,
                id: try fields.requiredString("item_id"),
                itemType: try fields.requiredString("item_type"),
                label: try fields.optionalString("label") ?? "",
                summary: try fields.optionalString("summary") ?? "",
                vector: inline?.0, inlineCount: inline?.1)
        }
        let present = try plan.database {
            try store.read { db in
                let statement = try db.cachedStatement(sql: "SELECT 1 FROM committed WHERE item_id = ?")
                return try records.indices.filter { try Bool.fetchOne(statement, arguments: [records[$0].id]) != nil }
            }
        }
        let presentSet = Set(present)
        let needed = records.indices.filter { !presentSet.contains($0) }
        let (space, dimension, source, embedded) = try plan.attachVectors(&records, needed: needed, source: vectors)
        let inserting = records
        let createdAt = UTCTimestamp.now().text
        let inserted = try plan.database {
            try store.write { db -> Int in
                try plan.checkCompatible(db, space: space, dimension: dimension)
                // Check, then insert (an upsert would burn AUTOINCREMENT numbers on conflicts).
                let exists = try db.cachedStatement(sql: "SELECT 1 FROM committed WHERE item_id = ?")
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO committed (item_id, item_type, label, summary, embedding, dim, source, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'import', ?)
                    """)
                var inserted = 0
                for (n, record) in inserting.enumerated() {
                    if try Bool.fetchOne(exists, arguments: [record.id]) != nil { continue }
                    try insert.execute(arguments: [
                        record.id, record.itemType, record.label, record.summary,
                        record.vector, record.vector.map { $0.count / 4 }, createdAt,
                    ])
                    inserted += 1
                    progress.update("writing", done: n + 1, total: inserting.count)
                }
                if inserted > 0 { try plan.recordSpace(db, space: space) }
                return inserted
            }
        }
        return ImportSummary(path: path, read: records.count, inserted: inserted, alreadyPresent: records.count - inserted,
                             sessionsTouched: 0, embedded: embedded, vectorSource: source,
                             dimension: inserted > 0 ? dimension : nil)
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
