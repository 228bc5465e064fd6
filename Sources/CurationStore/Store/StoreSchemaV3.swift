extension StoreSchema {
    /// The original pipeline's rows (`seed-contract.md` §1): the tables that hold them are
    /// rebuilt (SQLite cannot drop a constraint in place) and the source rows get a table.
    ///
    /// - `prospects`: `label` and `confidence` may be NULL (the original's rows may lack them;
    ///   the curator's fallbacks must see the difference), plus `evidence`, `extractor` and
    ///   `extractor_version`. `ts` keeps the original's `created_at`.
    /// - `committed`: **append-only, several rows per item**, one per contributing session, with
    ///   the provenance columns (`confidence`, anchor, `source_dataset`, `source_keys`,
    ///   `curator`, `curator_version`), `props` as JSON text (`{"summary": …}` or NULL) beside
    ///   the `summary` it carries, `committed_at`, the `decision` that wrote a curator row
    ///   (NULL for imported rows) and `row_key`, the identity of a row as exported (`RowKey`), so
    ///   that importing a row twice, or an export of the store's own rows, inserts it once. A
    ///   node is `(item_type, item_id)`.
    /// - `resolutions`: insertion order `seq` (export cursors), `committed_ids` (a JSON array or
    ///   NULL), a NULL-able `note`, `curator`, `curator_version` and `source` (`import` or
    ///   `curator`: written by `curate`'s jobs).
    /// - `sessions`: the latest `ts` of the session's prospects and, separately, the latest
    ///   timestamp of its source rows (`seed-contract.md` §3 windows on the latter).
    /// - `sources`: the source rows (`curate import sources`): `source_id` (not unique: one id
    ///   may name several rows), session, timestamp, text, and `row_key` for idempotent imports.
    static let v3: [String] = rebuild(
        "prospects",
        columns: """
            seq               INTEGER PRIMARY KEY AUTOINCREMENT,
            prospect_id       TEXT NOT NULL CHECK (prospect_id <> ''),
            anchor_key        TEXT NOT NULL CHECK (anchor_key <> ''),
            anchor_type       TEXT,
            prospect_type     TEXT,
            label             TEXT,
            summary           TEXT NOT NULL DEFAULT '',
            confidence        REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
            source_dataset    TEXT,
            source_keys       TEXT,
            ts                TEXT NOT NULL,
            evidence          TEXT,
            extractor         TEXT,
            extractor_version INTEGER,
            embedding         BLOB,
            dim               INTEGER,
            \(embeddingCheck)
            """,
        copy: """
            (seq, prospect_id, anchor_key, anchor_type, prospect_type, label, summary, confidence, source_dataset,
             source_keys, ts, embedding, dim)
            SELECT seq, prospect_id, anchor_key, anchor_type, prospect_type, label, summary, confidence, source_dataset,
                   source_keys, ts, embedding, dim FROM prospects
            """,
        indexes: ["CREATE INDEX prospects_by_id ON prospects(prospect_id, seq)",
                  "CREATE INDEX prospects_by_anchor ON prospects(anchor_key)"]
    ) + rebuild(
        "committed",
        columns: """
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id         TEXT NOT NULL CHECK (item_id <> ''),
            item_type       TEXT NOT NULL,
            label           TEXT,
            summary         TEXT NOT NULL DEFAULT '',
            props           TEXT,
            confidence      REAL,
            anchor_type     TEXT,
            anchor_key      TEXT,
            source_dataset  TEXT,
            source_keys     TEXT,
            curator         TEXT,
            curator_version INTEGER,
            committed_at    TEXT NOT NULL,
            source          TEXT NOT NULL CHECK (source IN ('import', 'curator')),
            decision        TEXT CHECK (decision IS NULL OR decision IN ('commit', 'merge', 'deepen')),
            row_key         TEXT,
            embedding       BLOB,
            dim             INTEGER,
            \(embeddingCheck)
            """,
        copy: """
            (seq, item_id, item_type, label, summary, props, curator, curator_version, committed_at, source, embedding, dim)
            SELECT seq, item_id, item_type, label, summary,
                   CASE WHEN summary <> '' THEN json_object('summary', summary) END,
                   CASE source WHEN 'curator' THEN 'enrich.t2' END, CASE source WHEN 'curator' THEN 1 END,
                   created_at, source, embedding, dim FROM committed
            """,
        indexes: ["CREATE INDEX committed_by_item ON committed(item_type, item_id)",
                  "CREATE INDEX committed_by_row_key ON committed(row_key)"]
    ) + rebuild(
        "resolutions",
        columns: """
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            prospect_id     TEXT NOT NULL UNIQUE,
            decision        TEXT NOT NULL CHECK (decision IN ('commit', 'merge', 'deepen', 'reject', 'skip')),
            committed_ids   TEXT,
            note            TEXT,
            curator         TEXT,
            curator_version INTEGER,
            source          TEXT NOT NULL CHECK (source IN ('import', 'curator')),
            job_id          TEXT,
            resolved_at     TEXT NOT NULL
            """,
        copy: """
            (prospect_id, decision, committed_ids, note, curator, curator_version, source, job_id, resolved_at)
            SELECT prospect_id, decision, CASE WHEN item_key IS NOT NULL THEN json_array(item_key) END, NULLIF(note, ''),
                   'enrich.t2', 1, 'curator', job_id, resolved_at FROM resolutions ORDER BY resolved_at, prospect_id
            """,
        indexes: []
    ) + rebuild(
        "sessions",
        columns: """
            anchor_key        TEXT PRIMARY KEY NOT NULL,
            prospect_activity TEXT,
            source_activity   TEXT
            """,
        withoutRowID: true,
        copy: "(anchor_key, prospect_activity) SELECT anchor_key, last_activity FROM sessions",
        indexes: ["CREATE INDEX sessions_by_prospect_activity ON sessions(prospect_activity)",
                  "CREATE INDEX sessions_by_source_activity ON sessions(source_activity)"]
    ) + [
        """
        CREATE TABLE sources (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            source_id  TEXT NOT NULL CHECK (source_id <> ''),
            anchor_key TEXT NOT NULL CHECK (anchor_key <> ''),
            ts         TEXT NOT NULL,
            text       TEXT NOT NULL DEFAULT '',
            row_key    TEXT NOT NULL UNIQUE
        )
        """,
        "CREATE INDEX sources_by_id ON sources(source_id, seq)",
    ] + dimensionTriggers

    /// `embedding` and `dim` both NULL, or `dim` values of float32 in the blob.
    private static let embeddingCheck = """
        CHECK ((embedding IS NULL AND dim IS NULL)
               OR (dim > 0 AND typeof(embedding) = 'blob' AND length(embedding) = 4 * dim))
        """

    /// The statements rebuilding `table` with `columns`: a new table, the rows copied by
    /// `copy` (an `INSERT INTO new` tail), the old table dropped (with its indexes and triggers),
    /// the new one renamed, then `indexes` created.
    private static func rebuild(_ table: String, columns: String, withoutRowID: Bool = false, copy: String,
                                indexes: [String]) -> [String] {
        let next = "\(table)_next"
        return ["CREATE TABLE \(next) (\n\(columns)\n)\(withoutRowID ? " WITHOUT ROWID" : "")",
                "INSERT INTO \(next) \(copy)",
                "DROP TABLE \(table)",
                "ALTER TABLE \(next) RENAME TO \(table)"] + indexes
    }
}
