import Foundation
import GRDB

/// Imports prospects from a JSON Lines file into a store: all or nothing, and idempotent.
///
/// Each line is an object with:
///
/// | field            | type                     | rule                                        |
/// |------------------|--------------------------|---------------------------------------------|
/// | `prospect_id`    | string                   | required, non-empty, unique in the file     |
/// | `anchor_key`     | string                   | required, non-empty: the session            |
/// | `ts`             | string                   | required, ISO-8601 with `Z` or an offset; stored in UTC |
/// | `anchor_type`, `prospect_type`, `source_dataset` | string or null | optional            |
/// | `label`, `summary` | string or null         | optional, default `""`                      |
/// | `confidence`     | number or null           | optional, in [0, 1], default 0.5            |
/// | `source_keys`    | any JSON                 | optional, stored as JSON text               |
/// | `embedding`      | array of numbers         | optional inline vector (see `VectorSource`) |
///
/// Other fields are ignored. Vectors come from a `.f32` file, inline arrays or the embedder
/// (text: `embeddingText(label:summary:)`).
///
/// - **All or nothing**: every line (and the `.f32` file) is checked and parsed first; the
///   first bad line is reported with its 1-based number and nothing is written. Then all rows
///   are written in one transaction.
/// - **Idempotent**: a line whose `prospect_id` is already in the store is skipped and counted
///   as already present (the store's pool reads the first occurrence anyway), so importing a
///   file twice inserts nothing the second time.
/// - **Sessions**: each inserted prospect raises its session's `last_activity` to the max `ts`.
/// - **One dimension, one model**: vectors of another dimension than the store's, or from
///   another source (given vectors vs. an embedder, or another embedder), are refused.
///
/// ```swift
/// let summary = try ProspectImporter(store: store)
///     .importFile("prospects.jsonl", vectors: .file(path: "prospects.f32", dimension: 384))
/// ```
public struct ProspectImporter: Sendable {
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
    /// - Complexity: O(lines × dimension), one write transaction.
    @discardableResult
    public func importFile(_ path: String, vectors: VectorSource) throws(ImportError) -> ImportSummary {
        try importData(ImportPlan.contents(ofFile: path), path: path, vectors: vectors)
    }

    /// Imports JSON Lines `data`; `path` names it in errors.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importData(_ data: Data, path: String, vectors: VectorSource) throws(ImportError) -> ImportSummary {
        try ImportPlan.importLines(
            data, path: path, store: store, showProgress: showProgress, vectors: vectors, idField: "prospect_id",
            existsSQL: "SELECT 1 FROM prospects WHERE prospect_id = ? LIMIT 1",
            insertSQL: """
                INSERT INTO prospects (prospect_id, anchor_key, anchor_type, prospect_type, label, summary,
                                       confidence, source_dataset, source_keys, ts, embedding, dim)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            parse: { (line, fields) throws(ImportError) -> ProspectRecord in
                let inline = try fields.embedding()
                return ProspectRecord(
                    line: line,
                    id: try fields.requiredString("prospect_id"),
                    anchorKey: try fields.requiredString("anchor_key"),
                    anchorType: try fields.optionalString("anchor_type"),
                    prospectType: try fields.optionalString("prospect_type"),
                    label: try fields.optionalString("label") ?? "",
                    summary: try fields.optionalString("summary") ?? "",
                    confidence: try fields.number("confidence", in: 0...1, default: 0.5),
                    sourceDataset: try fields.optionalString("source_dataset"),
                    sourceKeys: try fields.json("source_keys"),
                    ts: try fields.timestamp("ts"),
                    vector: inline?.0, inlineCount: inline?.1)
            },
            arguments: { record, _ in
                [record.id, record.anchorKey, record.anchorType, record.prospectType, record.label, record.summary,
                 record.confidence, record.sourceDataset, record.sourceKeys, record.ts.text,
                 record.vector, record.vector.map { $0.count / 4 }]
            },
            finish: Self.touchSessions)
    }

    /// Raises the `last_activity` of the sessions of the `inserted` prospects to their latest
    /// `ts` (creating the sessions as needed); returns how many sessions that touched.
    private static func touchSessions(_ db: Database, _ inserted: [ProspectRecord]) throws -> Int {
        var latest: [String: UTCTimestamp] = [:]
        var anchors: [String] = []
        for record in inserted {
            if let previous = latest[record.anchorKey] {
                if record.ts > previous { latest[record.anchorKey] = record.ts }
            } else {
                latest[record.anchorKey] = record.ts
                anchors.append(record.anchorKey)
            }
        }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO sessions (anchor_key, last_activity) VALUES (?, ?)
            ON CONFLICT (anchor_key) DO UPDATE SET last_activity = max(last_activity, excluded.last_activity)
            """)
        for anchor in anchors { try upsert.execute(arguments: [anchor, latest[anchor]!.text]) }
        return anchors.count
    }
}

/// One parsed prospect line.
struct ProspectRecord: ImportRecord {
    let line: Int
    let id: String
    let anchorKey: String
    let anchorType: String?
    let prospectType: String?
    let label: String
    let summary: String
    let confidence: Double
    let sourceDataset: String?
    let sourceKeys: String?
    let ts: UTCTimestamp
    var vector: Data?
    let inlineCount: Int?

    var text: String { embeddingText(label: label, summary: summary) }
}
