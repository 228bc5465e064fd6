import Foundation
import GRDB

/// Imports committed rows (the knowledge the curator recalls) from a JSON Lines file: all or
/// nothing, and idempotent. It reads `curate`'s rows and the original's (`ImportFormat`); by
/// default the first line decides.
///
/// - `curate` rows: `item_id` (string, required, non-empty, unique in the file), `item_type`
///   (string, required), `label` and `summary` (strings, optional, default `""`) and an optional
///   inline `embedding`. An `item_id` already in the store is skipped (counted as already
///   present): the stored item is left as it is. Rows get `committed_at` = the time of the import.
/// - The original's rows (`enrichment_committed`, `seed-contract.md` §1): **several per
///   `item_id`**, one per contributing session. `item_id`, `item_type` and `committed_at`
///   required; `label`, `anchor_type`, `anchor_key`, `source_dataset`, `curator` strings or null;
///   `props` an object or a string holding one, or null (the summary is `props.summary`);
///   `confidence` a number or null; `source_keys` any JSON; `curator_version` an integer or a
///   string of one. A row identical to one in the store (every column above) is already present,
///   so importing an export twice inserts it once, and importing an export of the rows `curate`
///   wrote inserts none of them again.
///
/// Other fields are ignored. Vectors come from a `.f32` file, inline arrays or the embedder (text:
/// `itemText(type:label:summary:)`), as for `ProspectImporter`, with the same checks. Rows are
/// stored with `source = 'import'`; recall sees one item per node (`CurationStore.loadCommitted()`).
///
/// ```swift
/// let summary = try await CommittedImporter(store: store).importFile("committed.jsonl", vectors: .automatic(HashingEmbedder()))
/// ```
public struct CommittedImporter: VectorRowImporter {
    /// The store written to.
    public let store: CurationStore
    /// Receives the import's progress (nil, the default: none is reported).
    public var onProgress: ImportProgress.Handler?

    /// An importer into `store`, reporting progress to `onProgress`.
    public init(store: CurationStore, onProgress: ImportProgress.Handler? = nil) {
        self.store = store
        self.onProgress = onProgress
    }

    /// Imports JSON Lines `data`; `path` names it in errors.
    /// - Parameter format: the rows' shape; nil: decided by the first line.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importData(_ data: Data, path: String, vectors: VectorSource,
                           format: ImportFormat? = nil) async throws(ImportError) -> ImportSummary {
        let format = try Self.detection.resolve(format, of: data, path: path)
        let identity = format == .curate
            ? ImportIdentity(field: "item_id", existsSQL: "SELECT 1 FROM committed WHERE item_id = ? LIMIT 1", duplicatesAreErrors: true)
            : ImportIdentity(field: "row", existsSQL: "SELECT 1 FROM committed WHERE row_key = ?", duplicatesAreErrors: false)
        // An `if` expression: Swift 6.3's type checker fails on a ternary of the two functions here.
        let parse: (Int, FieldReader) throws(ImportError) -> CommittedRecord =
            if format == .curate { Self.curateRecord } else { Self.hypawareRecord }
        return try await ImportPlan.importLines(data, path: path, store: store, onProgress: onProgress, vectors: vectors, into: ImportTable(
            identity: identity, format: format,
            insertSQL: """
                INSERT INTO committed (item_id, item_type, label, summary, props, confidence, anchor_type, anchor_key,
                                       source_dataset, source_keys, curator, curator_version, committed_at, source,
                                       row_key, embedding, dim)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'import', ?, ?, ?)
                """,
            parse: parse,
            arguments: { record, now in
                [record.itemID, record.itemType, record.label, record.summary, record.props, record.confidence,
                 record.anchorType, record.anchorKey, record.sourceDataset, record.sourceKeys, record.curator,
                 record.curatorVersion, (record.committedAt ?? now).text, record.rowKey, record.vector,
                 record.vector.map { $0.count / 4 }]
            }))
    }

    /// Both shapes have `item_id`; the original's also `committed_at`.
    static let detection = ImportFormat.Detection(kind: "committed row", curateMarker: "item_id", hypawareMarker: "committed_at",
                                                  bothMean: .hypaware)

    private static func curateRecord(line: Int, fields: FieldReader) throws(ImportError) -> CommittedRecord {
        let inline = try fields.embedding()
        let summary = try fields.optionalString("summary") ?? ""
        return CommittedRecord(
            line: line, itemID: try fields.requiredString("item_id"), itemType: try fields.requiredString("item_type"),
            label: try fields.optionalString("label") ?? "", summary: summary,
            props: summary.isEmpty ? nil : JSONValue.object(["summary": .string(summary)]).serialized(),
            confidence: nil, anchorType: nil, anchorKey: nil, sourceDataset: nil, sourceKeys: nil, curator: nil,
            curatorVersion: nil, committedAt: nil, rowKey: nil, vector: inline?.0, inlineCount: inline?.1)
    }

    private static func hypawareRecord(line: Int, fields: FieldReader) throws(ImportError) -> CommittedRecord {
        let inline = try fields.embedding()
        let props = try fields.jsonObject("props")
        var record = CommittedRecord(
            line: line, itemID: try fields.requiredString("item_id"), itemType: try fields.requiredString("item_type"),
            label: try fields.optionalString("label"),
            summary: props.map { FieldReader(object: $0, path: fields.path, line: line).text("summary") } ?? "",
            props: props.flatMap(FieldReader.canonicalJSON), confidence: try fields.optionalNumber("confidence"),
            anchorType: try fields.optionalString("anchor_type"), anchorKey: try fields.optionalString("anchor_key"),
            sourceDataset: try fields.optionalString("source_dataset"), sourceKeys: try fields.jsonColumn("source_keys"),
            curator: try fields.optionalString("curator"), curatorVersion: try fields.optionalInteger("curator_version"),
            committedAt: try fields.timestamp("committed_at"), rowKey: nil, vector: inline?.0, inlineCount: inline?.1)
        record.rowKey = RowKey.committed(
            itemID: record.itemID, itemType: record.itemType, label: record.label, props: record.props,
            confidence: record.confidence, anchorType: record.anchorType, anchorKey: record.anchorKey,
            sourceDataset: record.sourceDataset, sourceKeys: record.sourceKeys, curator: record.curator,
            curatorVersion: record.curatorVersion, committedAt: record.committedAt)
        return record
    }
}

/// One parsed committed line (either format).
struct CommittedRecord: ImportRecord {
    let line: Int
    let itemID: String
    let itemType: String
    let label: String?
    let summary: String
    /// `props` as JSON text, nil: none.
    let props: String?
    let confidence: Double?
    let anchorType: String?
    let anchorKey: String?
    let sourceDataset: String?
    let sourceKeys: String?
    let curator: String?
    let curatorVersion: Int?
    /// nil: the time of the import (`curate` rows).
    let committedAt: UTCTimestamp?
    /// The original row's identity; nil for `curate` rows (their identity is the `item_id`).
    var rowKey: String?
    var vector: Data?
    let inlineCount: Int?

    var id: String { rowKey ?? itemID }
    var text: String { itemText(type: itemType, label: label, summary: summary) }
}
