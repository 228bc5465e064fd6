import Foundation
import GRDB

/// The curation database: one SQLite file in WAL mode holding prospects, sessions, committed
/// items, resolutions, the job slot, local batches and the embedding cache (`StoreSchema`).
///
/// Access is closure-scoped, as in GRDB: `read { db in … }` runs in a read transaction (a
/// consistent snapshot), `write { db in … }` in a `BEGIN IMMEDIATE` transaction that commits when
/// the closure returns and rolls back when it throws. One store object per file and process;
/// other processes may open the same file (writes are serialised by SQLite, waiting up to
/// `busyTimeout` for the lock).
///
/// ```swift
/// let store = try CurationStore(path: "curate.sqlite")
/// let counts = try store.counts()
/// let pool = try store.loadPendingPool(in: JobWindow(since: try UTCTimestamp(day: "2026-01-10")))
/// ```
///
/// Errors from SQLite are GRDB `DatabaseError`s: they carry the result code, the message and
/// the SQL, and keep bound values out of their description.
public final class CurationStore: Sendable {
    /// How the file is opened.
    public enum Access: Sendable {
        /// A GRDB `DatabasePool`: WAL, one writer and concurrent readers (the default).
        case pool
        /// A GRDB `DatabaseQueue` in WAL mode: one connection, every access serialised. Opening
        /// an up-to-date store this way writes nothing to it (the command-line tool's choice).
        case queue
    }

    /// What opening may do to the file.
    public enum Opening: Sendable {
        /// Create the file when it is missing and give it (or an empty database) the schema
        /// (importers); another application's database is refused untouched.
        case createIfNeeded
        /// The file must already be a curate store (job and report commands): a missing file,
        /// an empty database or another application's database is refused untouched.
        case existingStore
    }

    /// How long a write waits for another process's lock before failing with `SQLITE_BUSY`.
    public static let busyTimeout: TimeInterval = 5

    /// Test hook (hidden): `PRAGMA max_page_count` of every connection, to simulate a full disk.
    static let maxPageCountVariable = "CURATE_SQLITE_MAX_PAGE_COUNT"

    /// The path the store was opened with (`":memory:"` for an in-memory store).
    public let path: String

    private let writer: any DatabaseWriter

    /// Opens the store at `path` and applies the pending migrations. `":memory:"` opens a
    /// private in-memory store (a queue, whatever `access`). A missing file is created readable
    /// and writable by its owner only (0600, whatever the umask), and so are its `-wal` and
    /// `-shm` (SQLite gives them the database's mode): the store holds people's text. An existing
    /// file keeps its mode. A file without any write permission bit is opened read-only (also for
    /// root, whom the bits do not stop): reads work, writes fail with SQLite's "attempt to write a
    /// readonly database".
    /// - Parameters:
    ///   - path: the database file; its directory must exist.
    ///   - access: `.pool` (default) or `.queue`.
    ///   - opening: `.createIfNeeded` (default) or `.existingStore`.
    /// - Throws: `StoreError.cannotOpen` when the file cannot be opened or is not a database,
    ///   `.notACurateStore` (`.existingStore` only), `.newerSchema` when it was migrated by a
    ///   newer version of this library, `.readOnly` when a read-only file needs migrating.
    public init(path: String, access: Access = .pool, opening: Opening = .createIfNeeded) throws(StoreError) {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "curate"
        if let pages = ProcessInfo.processInfo.environment[Self.maxPageCountVariable].flatMap(Int.init) {
            configuration.prepareDatabase { db in _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)") }
        }
        self.path = path
        let readOnly = path != ":memory:" && Self.lacksWritePermission(path)
        configuration.readonly = readOnly
        if path != ":memory:" && (opening == .existingStore || FileManager.default.fileExists(atPath: path)) {
            try Self.checkIsCurateStore(path, allowEmpty: opening == .createIfNeeded)
        } else if path != ":memory:" {
            try Self.createOwnerOnly(path)
        }
        do {
            if path == ":memory:" {
                writer = try DatabaseQueue(configuration: configuration)
            } else if access == .queue {
                // WAL is persistent: an existing store already is in WAL mode, and asking for it
                // again would make GRDB write to the file (it forces a non-empty -wal file).
                let exists = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0) > 0
                configuration.journalMode = exists ? .default : .wal
                writer = try DatabaseQueue(path: path, configuration: configuration)
            } else {
                writer = try DatabasePool(path: path, configuration: configuration)
            }
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
        let migrator = StoreSchema.migrator()
        do {
            if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
                let known = Set(StoreSchema.migrations.map(\.id))
                let applied = try writer.read { try migrator.appliedIdentifiers($0) }
                throw StoreError.newerSchema(path: path, unknownMigrations: applied.subtracting(known).sorted())
            }
            // Migrating only when needed: an up-to-date store is not written to by opening it.
            if try !writer.read({ try migrator.hasCompletedMigrations($0) }) {
                guard !readOnly else { throw StoreError.readOnly(path: path) }
                try migrator.migrate(writer)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
    }

    /// A private in-memory store (for tests and dry runs of library users).
    public static func inMemory() throws(StoreError) -> CurationStore {
        try CurationStore(path: ":memory:")
    }

    /// Runs `body` in a read transaction: it sees one consistent snapshot of the store.
    /// - Throws: whatever `body` throws, or a `DatabaseError`.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` write transaction, committed when `body` returns and
    /// rolled back when it throws. Writes of other connections wait up to `busyTimeout`.
    /// - Throws: whatever `body` throws, or a `DatabaseError` (also when the commit fails).
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.write(body)
    }

    /// Runs `body` on the writer connection **outside** any transaction: every statement
    /// commits on its own unless `body` opens a transaction itself (`db.inTransaction(.immediate)`).
    /// Prefer `write`; use this only to control the transaction yourself.
    public func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction(body)
    }

    /// The ids of the applied migrations, in registration order.
    public func appliedMigrations() throws -> [String] {
        let migrator = StoreSchema.migrator()
        return try read { try migrator.appliedMigrations($0) }
    }

    /// The dimension shared by every embedding of `prospects` and `committed`, or nil while
    /// no row has an embedding.
    public func embeddingDimension() throws -> Int? {
        try read { try Self.embeddingDimension($0) }
    }

    static func embeddingDimension(_ db: Database) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT value FROM store_info WHERE key = 'embedding_dim'")
    }

    /// Where the store's embeddings come from (`"external"` for imported vectors, or an
    /// embedder's model name), recorded by the first import that stores one; nil before.
    public func embeddingSpace() throws -> String? {
        try read { try Self.embeddingSpace($0) }
    }

    static func embeddingSpace(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM store_info WHERE key = 'embedding_space'")
    }

    /// Row counts of the store (one consistent snapshot).
    /// - Complexity: O(rows); `pending` reads the prospect index once.
    public func counts() throws -> StoreCounts {
        try read { db in
            let prospects = try Int.fetchOne(db, sql: "SELECT count(*) FROM prospects") ?? 0
            let distinct = try Int.fetchOne(db, sql: "SELECT count(DISTINCT prospect_id) FROM prospects") ?? 0
            let pending = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM (SELECT DISTINCT prospect_id FROM prospects) AS p
                WHERE NOT EXISTS (SELECT 1 FROM resolutions r WHERE r.prospect_id = p.prospect_id)
                """) ?? 0
            var byDecision: [ResolutionDecision: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT decision, count(*) FROM resolutions GROUP BY decision") {
                if let decision = ResolutionDecision(rawValue: row[0]) { byDecision[decision] = row[1] }
            }
            return StoreCounts(
                prospects: prospects, distinctProspects: distinct, pending: pending,
                resolutions: byDecision,
                committed: try Int.fetchOne(db, sql: "SELECT count(*) FROM committed") ?? 0,
                sessions: try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions") ?? 0)
        }
    }

    /// Creates the missing database file, empty (SQLite then gives it the schema), with mode 0600
    /// set explicitly against the umask. A file created meanwhile by another process is left as
    /// it is.
    private static func createOwnerOnly(_ path: String) throws(StoreError) {
        func failure() -> StoreError { .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return }
            throw failure()
        }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else {
            let error = failure()
            unlink(path)
            throw error
        }
    }

    /// Whether the file at `path` exists with no write permission bit at all.
    private static func lacksWritePermission(_ path: String) -> Bool {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int else { return false }
        return mode & 0o222 == 0
    }

    /// Refuses, without writing anything, a file that is not a database with the curate schema
    /// (an empty database passes when `allowEmpty`).
    private static func checkIsCurateStore(_ path: String, allowEmpty: Bool) throws(StoreError) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        let (tables, curateTables): (Int, Int)
        do {
            let probe = try DatabaseQueue(path: path, configuration: configuration)
            (tables, curateTables) = try probe.read { db in
                let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                return (names.count, names.filter { $0 == "grdb_migrations" || $0 == "store_info" }.count)
            }
            try probe.close()
        } catch {
            throw .cannotOpen(path: path, reason: reason(error))
        }
        guard curateTables == 2 || (allowEmpty && tables == 0) else { throw .notACurateStore(path: path) }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? error.description }
        return "\(error)"
    }
}

/// What a prospect's resolution says: the `decision` column of `resolutions`.
public enum ResolutionDecision: String, CaseIterable, Sendable, Codable {
    case commit, merge, deepen, reject, skip
}

/// Row counts of a store.
public struct StoreCounts: Equatable, Sendable {
    /// Rows of `prospects` (every import line that was inserted).
    public var prospects: Int
    /// Distinct `prospect_id`s.
    public var distinctProspects: Int
    /// Distinct `prospect_id`s with no resolution row: the unwindowed pending pool.
    public var pending: Int
    /// Resolution rows by decision (decisions with no row are absent).
    public var resolutions: [ResolutionDecision: Int]
    /// Rows of `committed`.
    public var committed: Int
    /// Rows of `sessions`.
    public var sessions: Int

    /// All resolution rows.
    public var resolved: Int { resolutions.values.reduce(0, +) }

    /// Counts with the given values.
    public init(prospects: Int, distinctProspects: Int, pending: Int, resolutions: [ResolutionDecision: Int],
                committed: Int, sessions: Int) {
        self.prospects = prospects
        self.distinctProspects = distinctProspects
        self.pending = pending
        self.resolutions = resolutions
        self.committed = committed
        self.sessions = sessions
    }
}

/// Why a store could not be opened or used.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// SQLite could not open the file, or it is not a database; `reason` is SQLite's message.
    case cannotOpen(path: String, reason: String)
    /// The file has migrations this version does not know: a newer `curate` wrote it.
    case newerSchema(path: String, unknownMigrations: [String])
    /// The file is a database without the curate schema (empty, or another application's).
    case notACurateStore(path: String)
    /// The file is read-only and its schema is older than this version's: it cannot be migrated.
    case readOnly(path: String)
    /// A stored embedding has the wrong size for the store's dimension.
    case corruptEmbedding(table: String, id: String, bytes: Int, dimension: Int)
    /// A stored timestamp is not in the store's form.
    case corruptTimestamp(table: String, id: String, text: String)
    /// Stored embeddings were refused by `EmbeddingMatrix` (a NaN or infinite value).
    case invalidEmbeddings(table: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open the database \(path): \(reason)"
        case let .newerSchema(path, unknown):
            "the database \(path) was written by a newer version of curate (unknown migrations: \(unknown.joined(separator: ", ")))"
        case let .notACurateStore(path):
            "the database \(path) is not a curate store (no curate schema; create one with `curate import`)"
        case let .readOnly(path): "the database \(path) is read-only and needs migrating to this version's schema"
        case let .corruptEmbedding(table, id, bytes, dimension):
            "corrupt embedding in \(table) for \(id.debugDescription): \(bytes) bytes, expected \(dimension * 4) (dimension \(dimension))"
        case let .corruptTimestamp(table, id, text):
            "corrupt timestamp in \(table) for \(id.debugDescription): \(text.debugDescription)"
        case let .invalidEmbeddings(table, reason): "invalid embeddings in \(table): \(reason)"
        }
    }
}
