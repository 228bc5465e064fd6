import Foundation
import GRDB

/// Counts of what routing decisions wrote.
public struct DecisionTally: Sendable, Equatable, Codable {
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

/// Writes the decisions of parsed curator answers into the store as the original writes them
/// (`seed-contract.md` §5.4–5.5), inside the caller's write transaction (the job collect
/// transaction), so that a job's results, committed rows, resolutions and the cleared slot
/// commit together.
///
/// For commit, deepen and a well-formed merge: **one committed row** (appended: a node keeps one
/// row per contributing decision, its provenance) **and one resolution**:
/// - key = `merge_into` for a merge, else `item_key`; when empty, the prospect's label (a
///   prospect without a label then stays pending: an item needs a key);
/// - type = `item_type`, else the prospect's type (`"item"` for a prospect without one);
/// - label = the entry's, else the prospect's; summary = the entry's, else (not for a merge) the
///   prospect's, and `props` = `{"summary": …}` when non-empty, else NULL;
/// - confidence = the entry's, else (not for a merge) the prospect's, else NULL;
/// - anchor type and key, `source_dataset`, `source_keys` (as an object, `SourceKeys.object`)
///   and the vector: the prospect's;
/// - the resolution: the entry's decision, `committed_ids` = `[key]`, the entry's note.
///
/// A reject writes only a resolution (`committed_ids` NULL, the entry's note); a skip likewise
/// with the note `skipNote`. Every row is signed `curator` = `curatorName`, `curator_version` =
/// `curatorVersion`. A prospect that already has a resolution (resolved meanwhile) is left as it
/// is, and nothing is written for it.
public enum DecisionRouter {
    /// The note of salience skips.
    public static let skipNote = "below salience threshold"
    /// The `curator` column of the rows written: the original's curate step.
    public static let curatorName = "enrich.t2"
    /// The `curator_version` column of the rows written.
    public static let curatorVersion = 1

    /// Writes one cluster's answer.
    /// - Parameters:
    ///   - answer: the parsed answer (`CuratorAnswer.parse`).
    ///   - prospectIDs: the cluster's prospects, index 1 first.
    ///   - jobID: recorded in each resolution's `job_id`.
    ///   - resolvedAt: the resolutions' and committed rows' timestamp.
    ///   - db: a connection inside a write transaction.
    /// - Throws: a `DatabaseError`.
    public static func apply(_ answer: CuratorAnswer, prospectIDs: [String], jobID: String,
                             resolvedAt: UTCTimestamp, db: Database) throws -> DecisionTally {
        var tally = DecisionTally()
        guard case let .routes(routes) = answer, routes.count == prospectIDs.count else {
            tally.unusableClusters = 1
            tally.leftPending = prospectIDs.count
            return tally
        }
        for (route, prospectID) in zip(routes, prospectIDs) {
            guard case let .resolve(decision) = route else {
                tally.leftPending += 1
                continue
            }
            try write(decision, prospectID: prospectID, jobID: jobID, at: resolvedAt, db: db, tally: &tally)
        }
        return tally
    }

    /// Writes `skip` resolutions (note `skipNote`) for `prospectIDs`, leaving resolved ones alone.
    /// - Throws: a `DatabaseError`.
    public static func writeSkips(_ prospectIDs: [String], jobID: String, resolvedAt: UTCTimestamp,
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
                              db: Database, tally: inout DecisionTally) throws {
        guard let prospect = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT prospect_type, label, summary, confidence, anchor_type, anchor_key, source_dataset, source_keys,
                   embedding, dim
            FROM prospects WHERE prospect_id = ? ORDER BY seq LIMIT 1
            """), arguments: [prospectID]) else {
            tally.leftPending += 1
            return
        }
        let isMerge = decision.decision == .merge
        let writesRow = decision.decision != .reject && decision.decision != .skip
        let key = writesRow ? decision.itemKey ?? CuratorAnswer.nonEmpty(prospect["label"]) : nil
        guard !writesRow || key != nil else {
            tally.leftPending += 1
            return
        }
        guard try insertResolution(prospectID, decision.decision, key: key, note: decision.note, jobID: jobID,
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
        guard let key else { return }
        let type = decision.itemType ?? prospect["prospect_type"] ?? "item"
        let summary = decision.summary ?? (isMerge ? nil : CuratorAnswer.nonEmpty(prospect["summary"]))
        let known = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM committed WHERE item_type = ? AND item_id = ?)
            """), arguments: [type, key]) ?? false
        let embedding: Data? = prospect["embedding"]
        try db.cachedStatement(sql: """
            INSERT INTO committed (item_id, item_type, label, summary, props, confidence, anchor_type, anchor_key,
                                   source_dataset, source_keys, curator, curator_version, committed_at, source, decision,
                                   embedding, dim)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'curator', ?, ?, ?)
            """).execute(arguments: [
                key, type, decision.label ?? prospect["label"], summary ?? "",
                summary.map { JSONValue.object(["summary": .string($0)]).serialized() },
                decision.confidence ?? (isMerge ? nil : prospect["confidence"] as Double?),
                prospect["anchor_type"], prospect["anchor_key"], prospect["source_dataset"],
                JSONValue.object(SourceKeys.object(prospect["source_keys"])).serialized(),
                curatorName, curatorVersion, time.text, decision.decision.rawValue,
                embedding, embedding == nil ? nil : prospect["dim"] as Int?,
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
