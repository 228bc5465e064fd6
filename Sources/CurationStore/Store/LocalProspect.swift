import Foundation
import GRDB

/// A prospect as the local curator sees it.
package struct LocalProspect: Sendable, Equatable {
    /// The prospect's id.
    package let prospectID: String
    /// Its type, when the import gave one (the derived key's prefix; `"item"` without).
    package let prospectType: String?
    /// Its label (the derived key's slug) and summary.
    package let label: String
    /// See `label`.
    package let summary: String
    /// In [0, 1]: picks the leader, and the floor applies to it; nil (the row had none) counts as
    /// `LocalProspect.unknownConfidence`.
    package let confidence: Double?
    /// The stored vector, if any.
    package let embedding: [Float]?

    /// A prospect with the given values.
    package init(prospectID: String, prospectType: String? = nil, label: String = "", summary: String = "",
                confidence: Double? = 0.5, embedding: [Float]? = nil) {
        self.prospectID = prospectID
        self.prospectType = prospectType
        self.label = label
        self.summary = summary
        self.confidence = confidence
        self.embedding = embedding
    }

    /// What the rules take for a prospect without confidence.
    package static let unknownConfidence = 0.5

    /// The confidence the rules use.
    package var ruleConfidence: Double { confidence ?? Self.unknownConfidence }

    /// The first occurrence of `prospectID` in the store, or nil.
    static func fetch(_ prospectID: String, db: Database) throws -> LocalProspect? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT prospect_type, label, summary, confidence, embedding FROM prospects
            WHERE prospect_id = ? ORDER BY seq LIMIT 1
            """), arguments: [prospectID]) else { return nil }
        let blob: Data? = row["embedding"]
        return LocalProspect(prospectID: prospectID, prospectType: row["prospect_type"], label: row["label"] ?? "",
                             summary: row["summary"], confidence: row["confidence"],
                             embedding: try blob.map { try EmbeddingBlob.floats(from: $0) })
    }
}
