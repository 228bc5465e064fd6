import Foundation
import GRDB

/// Imports the original's resolutions (`enrichment_resolutions`, `seed-contract.md` §1) from a
/// JSON Lines file, so that a store seeded from a live deployment does not curate again what is
/// already decided: a prospect with a resolution is not pending. All or nothing, and idempotent.
///
/// Each line: `prospect_id` (string, required), `decision` (`commit`, `merge`, `deepen`, `reject`
/// or `skip`, required), `resolved_at` (ISO-8601, required), `committed_ids` (an array of strings,
/// a string holding one, or null), `note` and `curator` (strings or null), `curator_version` (an
/// integer, a string of one, or null). Other fields are ignored.
///
/// A prospect keeps its first resolution: a line for a prospect already resolved in the store, or
/// earlier in the file, is already present. Rows are stored with `source = 'import'`, so
/// `curate export resolutions` leaves them out unless asked (they came from the original).
///
/// ```swift
/// let summary = try ResolutionImporter(store: store).importFile("resolutions.jsonl")
/// ```
public struct ResolutionImporter: PlainRowImporter {
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
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importData(_ data: Data, path: String) throws(ImportError) -> ImportSummary {
        try ImportPlan.importLines(data, path: path, store: store, onProgress: onProgress, into: ImportTable(
            identity: ImportIdentity(field: "prospect_id", existsSQL: "SELECT 1 FROM resolutions WHERE prospect_id = ?",
                                     duplicatesAreErrors: false),
            format: .hypaware,
            insertSQL: """
                INSERT INTO resolutions (prospect_id, decision, committed_ids, note, curator, curator_version, source,
                                         resolved_at)
                VALUES (?, ?, ?, ?, ?, ?, 'import', ?)
                """,
            parse: { (line, fields) throws(ImportError) -> ResolutionRecord in
                let text = try fields.requiredString("decision")
                guard let decision = ResolutionDecision(rawValue: text) else {
                    throw .invalidField(path: fields.path, line: line, field: "decision",
                                        problem: "must be one of \(ResolutionDecision.allCases.map(\.rawValue).joined(separator: ", ")), found \(text.debugDescription)")
                }
                return ResolutionRecord(
                    line: line, id: try fields.requiredString("prospect_id"), decision: decision,
                    committedIDs: try fields.stringArray("committed_ids").map { JSONValue.array($0.map(JSONValue.string)).serialized() },
                    note: try fields.optionalString("note"), curator: try fields.optionalString("curator"),
                    curatorVersion: try fields.optionalInteger("curator_version"), resolvedAt: try fields.timestamp("resolved_at"))
            },
            arguments: { record, _ in
                [record.id, record.decision.rawValue, record.committedIDs, record.note, record.curator, record.curatorVersion,
                 record.resolvedAt.text]
            }))
    }
}

/// One parsed resolution line.
struct ResolutionRecord: ImportRecord {
    let line: Int
    /// The prospect id.
    let id: String
    let decision: ResolutionDecision
    /// JSON array text, nil: none.
    let committedIDs: String?
    let note: String?
    let curator: String?
    let curatorVersion: Int?
    let resolvedAt: UTCTimestamp
    var vector: Data? = nil
    var inlineCount: Int? { nil }
    var text: String { "" }
}
