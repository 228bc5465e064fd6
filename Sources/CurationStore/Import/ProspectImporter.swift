import Foundation
import GRDB

/// Imports prospects from a JSON Lines file into a store: all or nothing, and idempotent. It reads
/// `curate`'s rows and the original's (`ImportFormat`); by default the first line decides.
///
/// `curate` rows:
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
/// The original's rows (`enrichment_prospects`, `seed-contract.md` §1): `prospect_id`,
/// `anchor_key` and `created_at` (the `ts`) required; `prospect_type`, `label`, `evidence`,
/// `extractor`, `source_dataset` strings or null; `anchor_type` (`"Session"` when null);
/// `confidence` a number in [0, 1] or null (kept null); `props` an object or a string holding
/// one, or null (the summary is `props.summary`); `source_keys` any JSON; `extractor_version` an
/// integer or a string of one. Other fields are ignored in both formats.
///
/// Vectors come from a `.f32` file, inline arrays or the embedder (text:
/// `itemText(type:label:summary:)`).
///
/// - **All or nothing**: every line (and the `.f32` file) is checked and parsed first; the
///   first bad line is reported with its 1-based number and nothing is written. Then all rows
///   are written in one transaction.
/// - **Idempotent**: a line whose `prospect_id` is already in the store is skipped and counted
///   as already present (the store's pool reads the first occurrence anyway), so importing a
///   file twice inserts nothing the second time.
/// - **Sessions**: each inserted prospect raises its session's prospect activity to the max `ts`.
/// - **One dimension, one model**: vectors of another dimension than the store's, or from
///   another source (given vectors vs. an embedder, or another embedder), are refused.
///
/// ```swift
/// let summary = try await ProspectImporter(store: store)
///     .importFile("prospects.jsonl", vectors: .file(path: "prospects.f32", dimension: 384))
/// ```
public struct ProspectImporter: VectorRowImporter {
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
        // An `if` expression: Swift 6.3's type checker fails on a ternary of the two functions here.
        let parse: (Int, FieldReader) throws(ImportError) -> ProspectRecord =
            if format == .curate { Self.curateRecord } else { Self.hypawareRecord }
        return try await ImportPlan.importLines(data, path: path, store: store, onProgress: onProgress, vectors: vectors, into: ImportTable(
            identity: ImportIdentity(field: "prospect_id", existsSQL: "SELECT 1 FROM prospects WHERE prospect_id = ? LIMIT 1",
                                     duplicatesAreErrors: true),
            format: format,
            insertSQL: """
                INSERT INTO prospects (prospect_id, anchor_key, anchor_type, prospect_type, label, summary, confidence,
                                       source_dataset, source_keys, ts, evidence, extractor, extractor_version,
                                       embedding, dim)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            parse: parse,
            arguments: { record, _ in
                [record.id, record.anchorKey, record.anchorType, record.prospectType, record.label, record.summary,
                 record.confidence, record.sourceDataset, record.sourceKeys, record.ts.text, record.evidence,
                 record.extractor, record.extractorVersion, record.vector, record.vector.map { $0.count / 4 }]
            },
            finish: { db, inserted in
                try CurationStore.raiseActivity(.prospects, inserted.map { ($0.anchorKey, $0.ts) }, db: db)
            }))
    }

    /// `curate` rows have `ts`; the original's have `created_at`.
    static let detection = ImportFormat.Detection(kind: "prospect", curateMarker: "ts", hypawareMarker: "created_at",
                                                  bothMean: nil)

    private static func curateRecord(line: Int, fields: FieldReader) throws(ImportError) -> ProspectRecord {
        let inline = try fields.embedding()
        return ProspectRecord(
            line: line, id: try fields.requiredString("prospect_id"), anchorKey: try fields.requiredString("anchor_key"),
            anchorType: try fields.optionalString("anchor_type"), prospectType: try fields.optionalString("prospect_type"),
            label: try fields.optionalString("label") ?? "", summary: try fields.optionalString("summary") ?? "",
            confidence: try fields.number("confidence", in: 0...1, default: 0.5),
            sourceDataset: try fields.optionalString("source_dataset"), sourceKeys: try fields.json("source_keys"),
            ts: try fields.timestamp("ts"), evidence: nil, extractor: nil, extractorVersion: nil,
            vector: inline?.0, inlineCount: inline?.1)
    }

    private static func hypawareRecord(line: Int, fields: FieldReader) throws(ImportError) -> ProspectRecord {
        let inline = try fields.embedding()
        let props = try fields.jsonObject("props")
        return ProspectRecord(
            line: line, id: try fields.requiredString("prospect_id"), anchorKey: try fields.requiredString("anchor_key"),
            anchorType: try fields.optionalString("anchor_type") ?? "Session",
            prospectType: try fields.optionalString("prospect_type"), label: try fields.optionalString("label"),
            summary: props.map { FieldReader(object: $0, path: fields.path, line: line).text("summary") } ?? "",
            confidence: try fields.optionalNumber("confidence", in: 0...1),
            sourceDataset: try fields.optionalString("source_dataset"), sourceKeys: try fields.jsonColumn("source_keys"),
            ts: try fields.timestamp("created_at"), evidence: try fields.optionalString("evidence"),
            extractor: try fields.optionalString("extractor"), extractorVersion: try fields.optionalInteger("extractor_version"),
            vector: inline?.0, inlineCount: inline?.1)
    }
}

/// One parsed prospect line (either format).
struct ProspectRecord: ImportRecord {
    let line: Int
    let id: String
    let anchorKey: String
    let anchorType: String?
    let prospectType: String?
    /// nil: the row had no label.
    let label: String?
    let summary: String
    /// nil: the row had no confidence.
    let confidence: Double?
    let sourceDataset: String?
    let sourceKeys: String?
    let ts: UTCTimestamp
    let evidence: String?
    let extractor: String?
    let extractorVersion: Int?
    var vector: Data?
    let inlineCount: Int?

    var text: String { itemText(type: prospectType, label: label, summary: summary) }
}
