import GRDB

/// The store's schema: append-only migrations registered by id, each a list of SQL statements.
///
/// A migration is never modified once shipped; a schema change is a new migration ("v2", …)
/// appended to `migrations`. The migrator records applied ids in `grdb_migrations`.
///
/// Conventions of every table:
/// - Timestamps are `TEXT` in the `UTCTimestamp` form `YYYY-MM-DDTHH:MM:SS.mmmZ`, so text order is
///   time order.
/// - Embeddings are `BLOB`s of `dim` little-endian IEEE-754 float32 values (`EmbeddingBlob`);
///   `embedding` and `dim` are both NULL or both set, with `length(embedding) = 4 * dim`.
/// - Every embedding of `prospects` and `committed` has the store's one dimension, recorded in
///   `store_info` under `embedding_dim` by the first row that has one; the triggers refuse
///   another. (`embedding_cache` is keyed by model and may hold any dimension.)
/// - JSON columns (`source_keys`, `plan`, `batch_ids`, `requests`, `results`, `outcome`) hold
///   JSON text.
package enum StoreSchema {
    /// The migrations in the order they apply: `(id, statements)`.
    package static let migrations: [(id: String, statements: [String])] = [
        ("v1", v1),
        ("v2", v2),
        ("v3", v3),
    ]

    /// The migrator of `migrations`.
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            let statements = migration.statements
            migrator.registerMigration(migration.id) { db in
                for sql in statements { try db.execute(sql: sql) }
            }
        }
        return migrator
    }

    /// The first schema.
    static let v1: [String] = [
        """
        CREATE TABLE store_info (
            key   TEXT PRIMARY KEY NOT NULL,
            value
        )
        """,
        // Append-only: seq is the insertion order (AUTOINCREMENT: never reused, never renumbered
        // by VACUUM). prospect_id is not unique by design: the pool reads the first occurrence.
        """
        CREATE TABLE prospects (
            seq            INTEGER PRIMARY KEY AUTOINCREMENT,
            prospect_id    TEXT NOT NULL CHECK (prospect_id <> ''),
            anchor_key     TEXT NOT NULL CHECK (anchor_key <> ''),
            anchor_type    TEXT,
            prospect_type  TEXT,
            label          TEXT NOT NULL DEFAULT '',
            summary        TEXT NOT NULL DEFAULT '',
            confidence     REAL NOT NULL DEFAULT 0.5 CHECK (confidence >= 0 AND confidence <= 1),
            source_dataset TEXT,
            source_keys    TEXT,
            ts             TEXT NOT NULL,
            embedding      BLOB,
            dim            INTEGER,
            CHECK ((embedding IS NULL AND dim IS NULL)
                   OR (dim > 0 AND typeof(embedding) = 'blob' AND length(embedding) = 4 * dim))
        )
        """,
        "CREATE INDEX prospects_by_id ON prospects(prospect_id, seq)",
        "CREATE INDEX prospects_by_anchor ON prospects(anchor_key)",
        """
        CREATE TABLE sessions (
            anchor_key    TEXT PRIMARY KEY NOT NULL,
            last_activity TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        "CREATE INDEX sessions_by_activity ON sessions(last_activity)",
        """
        CREATE TABLE committed (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            item_id    TEXT NOT NULL UNIQUE CHECK (item_id <> ''),
            item_type  TEXT NOT NULL,
            label      TEXT NOT NULL DEFAULT '',
            summary    TEXT NOT NULL DEFAULT '',
            embedding  BLOB,
            dim        INTEGER,
            source     TEXT NOT NULL CHECK (source IN ('import', 'curator')),
            created_at TEXT NOT NULL,
            CHECK ((embedding IS NULL AND dim IS NULL)
                   OR (dim > 0 AND typeof(embedding) = 'blob' AND length(embedding) = 4 * dim))
        )
        """,
        """
        CREATE TABLE resolutions (
            prospect_id TEXT PRIMARY KEY NOT NULL,
            decision    TEXT NOT NULL CHECK (decision IN ('commit', 'merge', 'deepen', 'reject', 'skip')),
            item_key    TEXT,
            note        TEXT NOT NULL DEFAULT '',
            job_id      TEXT,
            resolved_at TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        // The single in-flight job slot. owner NULL reads as 'daemon' (jobs stored before owners).
        """
        CREATE TABLE jobs (
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            job_nonce  TEXT NOT NULL,
            owner      TEXT CHECK (owner IS NULL OR owner IN ('backfill', 'daemon')),
            provider   TEXT NOT NULL,
            state      TEXT NOT NULL,
            created_at TEXT NOT NULL,
            plan       TEXT NOT NULL DEFAULT '{}',
            batch_ids  TEXT NOT NULL DEFAULT '[]'
        )
        """,
        """
        CREATE TABLE local_batches (
            batch_id   TEXT PRIMARY KEY NOT NULL,
            job_nonce  TEXT NOT NULL,
            created_at TEXT NOT NULL,
            requests   TEXT NOT NULL,
            results    TEXT,
            state      TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        "CREATE INDEX local_batches_by_nonce ON local_batches(job_nonce)",
        """
        CREATE TABLE embedding_cache (
            model       TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            dim         INTEGER NOT NULL CHECK (dim > 0),
            embedding   BLOB NOT NULL CHECK (length(embedding) = 4 * dim),
            PRIMARY KEY (model, text_sha256)
        ) WITHOUT ROWID
        """,
    ] + dimensionTriggers

    /// Triggers keeping every embedding of `prospects` and `committed` at the store's one
    /// dimension (recorded by the first row that has one).
    static let dimensionTriggers: [String] = ["prospects", "committed"].flatMap { table in
        ["INSERT", "UPDATE OF dim"].map { event in
            let name = "\(table)_\(event == "INSERT" ? "insert" : "update")_dim"
            return """
                CREATE TRIGGER \(name) BEFORE \(event) ON \(table) WHEN NEW.dim IS NOT NULL
                BEGIN
                    INSERT OR IGNORE INTO store_info(key, value) VALUES ('embedding_dim', NEW.dim);
                    SELECT RAISE(ABORT, 'embedding dimension does not match the store''s embedding_dim')
                    WHERE NEW.dim <> (SELECT value FROM store_info WHERE key = 'embedding_dim');
                END
                """
        }
    }

    /// Store-held batches of more than one provider, with results stored one by one.
    ///
    /// - `local_batches.provider` names the curator a batch belongs to: `'local'` (every batch
    ///   stored before v2) or `'openai-compatible'`, whose batches are sent request by request
    ///   through chat completions when polled.
    /// - `local_batch_results` holds one outcome per request (`CuratorOutcome` as JSON), written
    ///   as soon as it arrives, so a process killed mid-batch resumes without sending a request
    ///   whose result is stored. The local curator keeps writing its results in one piece to
    ///   `local_batches.results`.
    static let v2: [String] = [
        "ALTER TABLE local_batches ADD COLUMN provider TEXT NOT NULL DEFAULT 'local'",
        """
        CREATE TABLE local_batch_results (
            batch_id  TEXT NOT NULL REFERENCES local_batches(batch_id) ON DELETE CASCADE,
            custom_id TEXT NOT NULL,
            outcome   TEXT NOT NULL,
            PRIMARY KEY (batch_id, custom_id)
        ) WITHOUT ROWID
        """,
    ]
}
