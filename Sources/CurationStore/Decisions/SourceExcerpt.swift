import GRDB

/// A cluster's shared source excerpt (`seed-contract.md` §4): the texts of the source rows its
/// prospects were proposed from.
///
/// The ids are the union, in member order, of the ids in each member's `source_keys.<id column>`
/// array (`message_id` by default), first `idLimit` of them; the rows are the imported source
/// rows with those ids and a non-empty text, at most `rowLimit` (one id may name several rows),
/// in import order; the texts are joined with newlines and cut at
/// `characterLimit` characters, counted as JavaScript counts them (UTF-16 code units; a
/// surrogate pair is never split). The original also drops tool-result parts here: with `curate`,
/// the source rows a user imports are the rows admitted.
///
/// ```swift
/// let ids = SourceExcerpt.ids(of: members.map { pool.prospects[$0] }, column: "message_id")
/// let excerpt = try SourceExcerpt.read([ids], from: store)[0]   // nil: "(unavailable)"
/// ```
package enum SourceExcerpt {
    /// Ids looked up per cluster.
    package static let idLimit = 40
    /// Source rows read per cluster.
    package static let rowLimit = 40
    /// Characters (UTF-16 code units) of the excerpt.
    package static let characterLimit = 8_000

    /// The source row ids of `members`: the union of their ids under `column`, in member order,
    /// at most `idLimit`.
    package static func ids(of members: [PendingProspect], column: String) -> [String] {
        var seen = Set<String>()
        var ids: [String] = []
        for member in members {
            for id in SourceKeys.ids(member.sourceKeys, column: column) where seen.insert(id).inserted {
                ids.append(id)
                if ids.count == idLimit { return ids }
            }
        }
        return ids
    }

    /// The excerpt of the source rows of each list of ids, read in one transaction; nil when
    /// there is none (no ids, no rows, or only empty texts).
    /// - Throws: a `DatabaseError`.
    package static func read(_ idLists: [[String]], from store: CurationStore) throws -> [String?] {
        try store.read { db in try idLists.map { try read(ids: $0, db: db) } }
    }

    private static func read(ids: [String], db: Database) throws -> String? {
        guard !ids.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let texts = try String.fetchAll(db, sql: """
            SELECT text FROM sources WHERE source_id IN (\(marks)) AND text <> '' ORDER BY seq LIMIT \(rowLimit)
            """, arguments: StatementArguments(ids))
        let joined = texts.joined(separator: "\n")
        return joined.isEmpty ? nil : prefix(joined, utf16Units: characterLimit)
    }

    /// The longest prefix of `text` of at most `limit` UTF-16 code units that does not split a
    /// surrogate pair.
    package static func prefix(_ text: String, utf16Units limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        var end = text.utf16.index(text.utf16.startIndex, offsetBy: limit)
        while end > text.startIndex, String.Index(end, within: text.unicodeScalars) == nil {
            end = text.utf16.index(before: end)
        }
        return String(text[..<end])
    }
}
