import Foundation
import GRDB

/// Imports source rows — the messages of the work sessions prospects are proposed from — from a
/// JSON Lines file: all or nothing, and idempotent. They feed the window (a session's latest
/// activity is the newest timestamp of its source rows, `ActivityBasis`) and the source excerpt
/// of each curator request (`SourceExcerpt`).
///
/// Each line has an id, a session, a timestamp and a text, in columns named by `columns` (the
/// `[source]` section of `curate.toml`; the original's defaults `message_id`, `session_id`,
/// `message_created_at`, `content_text`): the id a non-empty string or an integer, the session a
/// non-empty string, the timestamp ISO-8601, all required; the text a string (null: empty, any
/// other JSON: its text). An id may name several rows. A row identical to one in the store, or to
/// an earlier line, is already present. Each inserted row raises its session's source activity.
///
/// The original also drops tool-result parts from its excerpts: with `curate`, the rows imported
/// are the rows admitted (filter them in the export query).
///
/// ```swift
/// let summary = try SourceImporter(store: store).importFile("sources.jsonl")
/// ```
public struct SourceImporter: PlainRowImporter {
    /// The column names of a source row.
    public struct Columns: Sendable, Equatable {
        /// The row's id (also the member of a prospect's `source_keys` listing its rows).
        public var id: String
        /// The session the row belongs to.
        public var anchorKey: String
        /// When the row was written.
        public var timestamp: String
        /// The row's text.
        public var text: String

        /// The given columns; by default hypaware's (`message_id`, `session_id`,
        /// `message_created_at`, `content_text`).
        public init(id: String = "message_id", anchorKey: String = "session_id", timestamp: String = "message_created_at",
                    text: String = "content_text") {
            self.id = id
            self.anchorKey = anchorKey
            self.timestamp = timestamp
            self.text = text
        }
    }

    /// The store written to.
    public let store: CurationStore
    /// The column names.
    public var columns: Columns
    /// Receives the import's progress (nil, the default: none is reported).
    public var onProgress: ImportProgress.Handler?

    /// An importer into `store` reading `columns`, reporting progress to `onProgress`.
    public init(store: CurationStore, columns: Columns = Columns(), onProgress: ImportProgress.Handler? = nil) {
        self.store = store
        self.columns = columns
        self.onProgress = onProgress
    }

    /// Imports JSON Lines `data`; `path` names it in errors.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importData(_ data: Data, path: String) throws(ImportError) -> ImportSummary {
        let columns = columns
        return try ImportPlan.importLines(data, path: path, store: store, onProgress: onProgress, into: ImportTable(
            identity: ImportIdentity(field: "row", existsSQL: "SELECT 1 FROM sources WHERE row_key = ?", duplicatesAreErrors: false),
            format: .hypaware,
            insertSQL: "INSERT INTO sources (source_id, anchor_key, ts, text, row_key) VALUES (?, ?, ?, ?, ?)",
            parse: { (line, fields) throws(ImportError) -> SourceRecord in
                let (sourceID, anchorKey) = (try fields.requiredID(columns.id), try fields.requiredString(columns.anchorKey))
                let (ts, text) = (try fields.timestamp(columns.timestamp), fields.text(columns.text))
                return SourceRecord(line: line, id: RowKey.of([sourceID, anchorKey, ts.text, text]), sourceID: sourceID,
                                    anchorKey: anchorKey, ts: ts, body: text)
            },
            arguments: { record, _ in [record.sourceID, record.anchorKey, record.ts.text, record.body, record.id] },
            finish: { db, inserted in
                try CurationStore.raiseActivity(.sources, inserted.map { ($0.anchorKey, $0.ts) }, db: db)
            }))
    }
}

/// One parsed source line.
struct SourceRecord: ImportRecord {
    let line: Int
    /// The row's identity (`RowKey` of its four columns).
    let id: String
    let sourceID: String
    let anchorKey: String
    let ts: UTCTimestamp
    let body: String
    var vector: Data? = nil
    var inlineCount: Int? { nil }
    var text: String { body }
}
