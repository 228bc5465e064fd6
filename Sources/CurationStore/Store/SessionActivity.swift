import GRDB

/// What a session's latest activity — the instant windows (`--since`, `--until`, `--window`)
/// compare — is read from (`seed-contract.md` §3).
///
/// A store holding source rows (`curate import sources`) windows on them, as the original does:
/// a session's latest activity is the newest timestamp of its source rows, and a session without
/// source rows has none, so its prospects fall outside every window (they stay pending, and an
/// unwindowed run still plans them). A store without any source row falls back to the newest
/// `created_at` (`ts`) of the session's prospects: the window is then approximate, since a history
/// proposed in one day falls inside every window that holds that day.
public enum ActivityBasis: String, Sendable, Equatable, Codable {
    /// The newest timestamp of the session's source rows.
    case sources
    /// The newest `ts` of the session's prospects (no source rows in the store): approximate.
    case prospects

    /// The `sessions` column holding the activity of this basis.
    var column: String { self == .sources ? "source_activity" : "prospect_activity" }

    /// The one line the job and report commands print when a window is approximate.
    public static let approximateNote = "note: the store holds no source rows (curate import sources), so a session's "
        + "latest activity is its newest prospect's created_at: the window is approximate"
}

extension CurationStore {
    /// What sessions' latest activity is read from in this store.
    /// - Throws: a `DatabaseError`.
    public func activityBasis() throws -> ActivityBasis {
        try read { try Self.activityBasis($0) }
    }

    static func activityBasis(_ db: Database) throws -> ActivityBasis {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sources)") == true ? .sources : .prospects
    }

    /// The earliest latest-activity in `window` of a session with a pending prospect, or nil when
    /// there is none.
    /// - Throws: a `DatabaseError`, or `TimestampError` for a stored activity that is not a timestamp.
    public func earliestPendingActivity(in window: JobWindow) throws -> UTCTimestamp? {
        let next = try read { db in
            let column = try Self.activityBasis(db).column
            return try String.fetchOne(db, sql: """
                SELECT s.\(column) FROM sessions s
                WHERE s.\(column) IS NOT NULL AND (?1 IS NULL OR s.\(column) >= ?1) AND (?2 IS NULL OR s.\(column) < ?2)
                  AND EXISTS (SELECT 1 FROM prospects p WHERE p.anchor_key = s.anchor_key
                              AND NOT EXISTS (SELECT 1 FROM resolutions r WHERE r.prospect_id = p.prospect_id))
                ORDER BY s.\(column) LIMIT 1
                """, arguments: Self.windowArguments(window))
        }
        return try next.map { try UTCTimestamp(iso8601: $0) }
    }

    /// Raises the `basis` activity of each session in `rows` to the latest of its timestamps
    /// (creating the sessions as needed); returns how many sessions that touched.
    static func raiseActivity(_ basis: ActivityBasis, _ rows: [(anchorKey: String, ts: UTCTimestamp)],
                              db: Database) throws -> Int {
        var latest: [String: UTCTimestamp] = [:]
        for row in rows where latest[row.anchorKey].map({ row.ts > $0 }) ?? true { latest[row.anchorKey] = row.ts }
        let column = basis.column
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO sessions (anchor_key, \(column)) VALUES (?, ?)
            ON CONFLICT (anchor_key) DO UPDATE SET \(column) = max(coalesce(\(column), excluded.\(column)), excluded.\(column))
            """)
        for (anchor, ts) in latest.sorted(by: { $0.key < $1.key }) { try upsert.execute(arguments: [anchor, ts.text]) }
        return latest.count
    }
}
