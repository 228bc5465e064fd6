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
    /// Committed rows inserted (a decision for an existing key inserts none).
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
        sum.newItems += b.newItems
        sum.unusableClusters += b.unusableClusters
        return sum
    }

    private enum CodingKeys: String, CodingKey {
        case committed, deepened, merged, rejected, skipped, leftPending = "left_pending", newItems = "new_items"
        case unusableClusters = "unusable_clusters"
    }
}

/// Writes the decisions of parsed curator answers into the store (ARCHITECTURE §5), inside the
/// caller's write transaction (the job collect transaction), so that a job's results, committed
/// rows, resolutions and the cleared slot commit together.
///
/// - `commit`/`deepen`/`merge` write a committed row and a resolution row. The committed row goes
///   under the decision's key (for merge: the target's key and type); when the key already
///   exists no second row is written. A new row gets the decision's label and summary (else the
///   prospect's), its type (else the prospect's type, else `"item"`), source `curator`, and the
///   prospect's embedding, so later recall sees it. A commit without `item_key` gets
///   `ItemKey.derive(type:label:fallback:)`.
/// - `reject` writes only a resolution row.
/// - Within a cluster, commits and deepens are written before merges, so a merge into a key the
///   same answer commits finds the committed row.
/// - A prospect that already has a resolution (resolved meanwhile) is left as it is.
public enum DecisionRouter {
    /// The note of salience skips.
    public static let skipNote = "below salience threshold"

    /// Writes one cluster's answer.
    /// - Parameters:
    ///   - answer: the parsed answer (`CuratorAnswer.parse`).
    ///   - prospectIDs: the cluster's prospects, index 1 first.
    ///   - jobID: recorded in each resolution's `job_id`.
    ///   - resolvedAt: the resolutions' and new committed rows' timestamp.
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
        let order = routes.indices.sorted { a, b in
            let (x, y) = (isMerge(routes[a]), isMerge(routes[b]))
            return x != y ? !x : a < b
        }
        for position in order {
            guard case let .resolve(decision) = routes[position] else {
                tally.leftPending += 1
                continue
            }
            try write(decision, prospectID: prospectIDs[position], jobID: jobID, at: resolvedAt, db: db, tally: &tally)
        }
        return tally
    }

    /// Writes `skip` resolutions (note `skipNote`) for `prospectIDs`, leaving resolved ones alone.
    /// - Throws: a `DatabaseError`.
    public static func writeSkips(_ prospectIDs: [String], jobID: String, resolvedAt: UTCTimestamp,
                                  db: Database) throws -> DecisionTally {
        var tally = DecisionTally()
        for id in prospectIDs {
            if try insertResolution(id, .skip, itemKey: nil, note: skipNote, jobID: jobID, at: resolvedAt, db: db) {
                tally.skipped += 1
            } else {
                tally.leftPending += 1
            }
        }
        return tally
    }

    private static func isMerge(_ route: ProspectRoute) -> Bool {
        if case let .resolve(decision) = route { return decision.decision == .merge }
        return false
    }

    private static func write(_ decision: RoutedDecision, prospectID: String, jobID: String, at time: UTCTimestamp,
                              db: Database, tally: inout DecisionTally) throws {
        guard let prospect = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT prospect_type, label, summary, embedding, dim FROM prospects
            WHERE prospect_id = ? ORDER BY seq LIMIT 1
            """), arguments: [prospectID]) else {
            tally.leftPending += 1
            return
        }
        let prospectType: String? = prospect["prospect_type"]
        let prospectLabel: String = prospect["label"]
        var key = decision.itemKey
        if decision.decision == .commit, key == nil {
            key = ItemKey.derive(type: decision.itemType ?? prospectType, label: decision.label ?? prospectLabel,
                                 fallback: prospectID)
        }
        guard try insertResolution(prospectID, decision.decision, itemKey: key, note: decision.note, jobID: jobID,
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
        guard decision.decision != .reject, decision.decision != .skip, let key else { return }
        let embedding: Data? = prospect["embedding"]
        let dim: Int? = prospect["dim"]
        try db.cachedStatement(sql: """
            INSERT INTO committed (item_id, item_type, label, summary, embedding, dim, source, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 'curator', ?) ON CONFLICT(item_id) DO NOTHING
            """).execute(arguments: [key, decision.itemType ?? prospectType ?? "item", decision.label ?? prospectLabel,
                             decision.summary ?? (prospect["summary"] as String), embedding, embedding == nil ? nil : dim,
                             time.text])
        if db.changesCount > 0 { tally.newItems += 1 }
    }

    /// Inserts a resolution unless the prospect has one; true when inserted.
    private static func insertResolution(_ prospectID: String, _ decision: ResolutionDecision, itemKey: String?,
                                         note: String, jobID: String, at time: UTCTimestamp, db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO resolutions (prospect_id, decision, item_key, note, job_id, resolved_at)
            VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(prospect_id) DO NOTHING
            """).execute(arguments: [prospectID, decision.rawValue, itemKey, note, jobID, time.text])
        return db.changesCount > 0
    }
}
