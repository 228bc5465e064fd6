import Foundation
import GRDB

/// The committed row a commit, deepen or merge writes (`seed-contract.md` §5.4), from the
/// decision and the first row of its prospect:
/// - key = the decision's (`merge_into` for a merge, else `item_key`), else the prospect's label;
/// - type = the decision's, else the prospect's (`"item"` for a prospect without one);
/// - label = the decision's, else the prospect's; summary = the decision's, else (not for a
///   merge) the prospect's; `props` = `{"summary": …}` when there is one;
/// - confidence = the decision's, else (not for a merge) the prospect's;
/// - anchor, `source_dataset`, `source_keys` (as an object, `SourceKeys.object`) and the vector:
///   the prospect's.
struct CommittedRow {
    let itemID: String
    let itemType: String
    let label: String?
    let summary: String?
    let confidence: Double?
    let anchorType: String?
    let anchorKey: String?
    let sourceDataset: String?
    /// `source_keys` as JSON object text.
    let sourceKeys: String
    /// The prospect's vector (little-endian float32) and dimension, when it has one.
    let embedding: Data?
    let dim: Int?

    /// The columns of the first row of `prospectID` that rows are made from, or nil when the
    /// store has no such prospect.
    static func prospect(_ prospectID: String, db: Database) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT prospect_type, label, summary, confidence, anchor_type, anchor_key, source_dataset, source_keys,
                   embedding, dim
            FROM prospects WHERE prospect_id = ? ORDER BY seq LIMIT 1
            """), arguments: [prospectID])
    }

    /// The row `decision` writes for `prospect` (a row of `prospect(_:db:)`); nil for a reject
    /// or a skip, and when neither the decision nor the prospect has a key.
    init?(_ decision: RoutedDecision, prospect: Row) {
        guard decision.decision != .reject, decision.decision != .skip,
              let key = decision.itemKey ?? RoutedDecision.nonEmpty(prospect["label"]) else { return nil }
        let isMerge = decision.decision == .merge
        itemID = key
        itemType = decision.itemType ?? prospect["prospect_type"] ?? "item"
        label = decision.label ?? prospect["label"]
        summary = decision.summary ?? (isMerge ? nil : RoutedDecision.nonEmpty(prospect["summary"]))
        confidence = decision.confidence ?? (isMerge ? nil : prospect["confidence"] as Double?)
        anchorType = prospect["anchor_type"]
        anchorKey = prospect["anchor_key"]
        sourceDataset = prospect["source_dataset"]
        sourceKeys = JSONValue.object(SourceKeys.object(prospect["source_keys"])).serialized()
        embedding = prospect["embedding"]
        dim = embedding == nil ? nil : prospect["dim"]
    }

    /// `props`: `{"summary": …}` as JSON text, or nil without a summary.
    var props: String? { summary.map { JSONValue.object(["summary": .string($0)]).serialized() } }

    /// The row's text (`itemText(type:label:summary:)`): what recall shows, and embeds when the
    /// store's vectors come from an embedder.
    var text: String { itemText(type: itemType, label: label, summary: summary) }

    /// The row's identity as `CommittedImporter` computes it for the same row exported, so that
    /// importing an export of the store's own rows inserts none of them again.
    func rowKey(curator: String, curatorVersion: Int, committedAt: UTCTimestamp) -> String {
        RowKey.committed(itemID: itemID, itemType: itemType, label: label, props: props, confidence: confidence,
                         anchorType: anchorType, anchorKey: anchorKey, sourceDataset: sourceDataset, sourceKeys: sourceKeys,
                         curator: curator, curatorVersion: curatorVersion, committedAt: committedAt)
    }
}
