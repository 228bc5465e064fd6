import Foundation
import GRDB

/// Counts of what routing decisions wrote.
public struct DecisionTally: Sendable, Equatable {
    /// `commit` resolutions written.
    public var committed = 0
    /// `deepen` resolutions written.
    public var deepened = 0
    /// `merge` resolutions written.
    public var merged = 0
    /// `reject` resolutions written (explicit, and prospects the curator omitted).
    public var rejected = 0
    /// `skip` resolutions written (below the salience threshold).
    public var skipped = 0
    /// Prospects left pending: their cluster had no usable answer, or their decision could not be
    /// routed (a merge without target, …), or they were resolved meanwhile by someone else.
    public var leftPending = 0
    /// Committed rows written (one per commit, deepen and merge).
    public var committedRows = 0
    /// Of those, rows that created a node `(item_type, item_id)` the store did not hold.
    public var newItems = 0
    /// Clusters whose answer was unusable (all their prospects stay pending).
    public var unusableClusters = 0

    /// All zero.
    public init() {}

    /// Resolutions written: committed + deepened + merged + rejected + skipped.
    public var processed: Int { committed + deepened + merged + rejected + skipped }

    /// The sum of two tallies.
    public static func + (a: DecisionTally, b: DecisionTally) -> DecisionTally {
        var sum = a
        sum.committed += b.committed
        sum.deepened += b.deepened
        sum.merged += b.merged
        sum.rejected += b.rejected
        sum.skipped += b.skipped
        sum.leftPending += b.leftPending
        sum.committedRows += b.committedRows
        sum.newItems += b.newItems
        sum.unusableClusters += b.unusableClusters
        return sum
    }

    private enum CodingKeys: String, CodingKey {
        case committed, deepened, merged, rejected, skipped, leftPending = "left_pending", committedRows = "committed_rows"
        case newItems = "new_items", unusableClusters = "unusable_clusters"
    }
}

/// Writes the routes of parsed curator answers (`ProspectRoute`) into the store as the original writes them
/// (`seed-contract.md` §5.4–5.5), inside the caller's write transaction (the job collect
/// transaction), so that a job's results, committed rows, resolutions and the cleared slot
/// commit together.
///
/// For commit, deepen and a well-formed merge: **one committed row** (`CommittedRow`, appended:
/// a node keeps one row per contributing decision, its provenance) **and one resolution** (the
/// entry's decision, `committed_ids` = `[key]`, the entry's note). A prospect without a label
/// whose decision names no key stays pending: an item needs a key.
///
/// A reject writes only a resolution (`committed_ids` NULL, the entry's note); a skip likewise
/// with the note `skipNote`. Every row is signed `curator` = `curatorName`, `curator_version` =
/// `curatorVersion`. A prospect that already has a resolution (resolved meanwhile) is left as it
/// is, and nothing is written for it.
package enum DecisionRouter {
    /// The note of salience skips.
    package static let skipNote = "below salience threshold"
    /// The `curator` column of the rows written: the original's curate step.
    package static let curatorName = "enrich.t2"
    /// The `curator_version` column of the rows written.
    package static let curatorVersion = 1

    /// Writes one cluster's answer.
    /// - Parameters:
    ///   - routes: the parsed answer's routes, one per prospect; nil for an unusable answer.
    ///   - prospectIDs: the cluster's prospects, index 1 first.
    ///   - jobID: recorded in each resolution's `job_id`.
    ///   - resolvedAt: the resolutions' and committed rows' timestamp.
    ///   - rowVectors: vectors of committed rows' texts (`rowTexts(of:db:)`); a row whose text
    ///     has none keeps its prospect's vector.
    ///   - db: a connection inside a write transaction.
    /// - Throws: a `DatabaseError`.
    package static func apply(_ routes: [ProspectRoute]?, prospectIDs: [String], jobID: String, resolvedAt: UTCTimestamp,
                             rowVectors: [String: Data] = [:], db: Database) throws -> DecisionTally {
        var tally = DecisionTally()
        guard let routes, routes.count == prospectIDs.count else {
            tally.unusableClusters = 1
            tally.leftPending = prospectIDs.count
            return tally
        }
        for (route, prospectID) in zip(routes, prospectIDs) {
            guard case let .resolve(decision) = route else {
                tally.leftPending += 1
                continue
            }
            try write(decision, prospectID: prospectID, jobID: jobID, at: resolvedAt, rowVectors: rowVectors, db: db,
                      tally: &tally)
        }
        return tally
    }

    /// The texts of the committed rows `answers` would write (each answer's routes with its
    /// cluster's prospect ids, index 1 first), without duplicates: what an embedder embeds for
    /// `apply(_:prospectIDs:jobID:resolvedAt:rowVectors:db:)`.
    /// - Throws: a `DatabaseError`.
    package static func rowTexts(of answers: [(routes: [ProspectRoute]?, prospectIDs: [String])],
                                 in store: CurationStore) throws -> [String] {
        try store.read { db in try rowTexts(of: answers, db: db) }
    }

    private static func rowTexts(of answers: [(routes: [ProspectRoute]?, prospectIDs: [String])], db: Database) throws -> [String] {
        var texts: [String] = []
        var seen = Set<String>()
        for (routes, prospectIDs) in answers {
            guard let routes, routes.count == prospectIDs.count else { continue }
            for (route, prospectID) in zip(routes, prospectIDs) {
                guard case let .resolve(decision) = route, let prospect = try CommittedRow.prospect(prospectID, db: db),
                      let row = CommittedRow(decision, prospect: prospect), seen.insert(row.text).inserted else { continue }
                texts.append(row.text)
            }
        }
        return texts
    }

    /// Writes `skip` resolutions (note `skipNote`) for `prospectIDs`, leaving resolved ones alone.
    /// - Throws: a `DatabaseError`.
    package static func writeSkips(_ prospectIDs: [String], jobID: String, resolvedAt: UTCTimestamp,
                                  db: Database) throws -> DecisionTally {
        var tally = DecisionTally()
        for id in prospectIDs {
            if try insertResolution(id, .skip, key: nil, note: skipNote, jobID: jobID, at: resolvedAt, db: db) {
                tally.skipped += 1
            } else {
                tally.leftPending += 1
            }
        }
        return tally
    }

    private static func write(_ decision: RoutedDecision, prospectID: String, jobID: String, at time: UTCTimestamp,
                              rowVectors: [String: Data], db: Database, tally: inout DecisionTally) throws {
        guard let prospect = try CommittedRow.prospect(prospectID, db: db) else {
            tally.leftPending += 1
            return
        }
        let row = CommittedRow(decision, prospect: prospect)
        let writesRow = decision.decision != .reject && decision.decision != .skip
        guard !writesRow || row != nil,
              try insertResolution(prospectID, decision.decision, key: row?.itemID, note: decision.note, jobID: jobID,
                                   at: time, db: db) else {
            tally.leftPending += 1
            return
        }
        switch decision.decision {
        case .commit: tally.committed += 1
        case .deepen: tally.deepened += 1
        case .merge: tally.merged += 1
        case .reject: tally.rejected += 1
        case .skip: tally.skipped += 1
        }
        guard let row else { return }
        let known = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM committed WHERE item_type = ? AND item_id = ?)
            """), arguments: [row.itemType, row.itemID]) ?? false
        let vector = rowVectors[row.text] ?? row.embedding
        try db.cachedStatement(sql: """
            INSERT INTO committed (item_id, item_type, label, summary, props, confidence, anchor_type, anchor_key,
                                   source_dataset, source_keys, curator, curator_version, committed_at, source, decision,
                                   row_key, embedding, dim)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'curator', ?, ?, ?, ?)
            """).execute(arguments: [
                row.itemID, row.itemType, row.label, row.summary ?? "", row.props, row.confidence, row.anchorType,
                row.anchorKey, row.sourceDataset, row.sourceKeys, curatorName, curatorVersion, time.text,
                decision.decision.rawValue, row.rowKey(curator: curatorName, curatorVersion: curatorVersion, committedAt: time),
                vector, vector.map { $0.count / 4 },
            ])
        tally.committedRows += 1
        if !known { tally.newItems += 1 }
    }

    /// Inserts a resolution unless the prospect has one; true when inserted.
    private static func insertResolution(_ prospectID: String, _ decision: ResolutionDecision, key: String?,
                                         note: String?, jobID: String, at time: UTCTimestamp, db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO resolutions (prospect_id, decision, committed_ids, note, curator, curator_version, source,
                                     job_id, resolved_at)
            VALUES (?, ?, ?, ?, ?, ?, 'curator', ?, ?) ON CONFLICT(prospect_id) DO NOTHING
            """).execute(arguments: [prospectID, decision.rawValue, key.map { JSONValue.array([.string($0)]).serialized() },
                                     note, curatorName, curatorVersion, jobID, time.text])
        return db.changesCount > 0
    }
}
