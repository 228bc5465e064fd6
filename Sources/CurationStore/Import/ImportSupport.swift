import Foundation
import GRDB

/// What an import did.
public struct ImportSummary: Equatable, Sendable, Encodable {
    /// The JSON Lines file.
    public var path: String
    /// Lines read (objects; blank lines at the end are not counted).
    public var read: Int
    /// Rows inserted.
    public var inserted: Int
    /// Lines skipped because their id was already in the store (importing a file twice inserts
    /// nothing the second time).
    public var alreadyPresent: Int
    /// Distinct sessions (`anchor_key`s) of the inserted prospects, whose latest activity was
    /// created or raised; 0 for committed items.
    public var sessionsTouched: Int
    /// Vectors computed by the embedder (the rows inserted without given vectors).
    public var embedded: Int
    /// Where the inserted vectors came from: `"file"`, `"inline"`, an embedder's model, or `"none"`.
    public var vectorSource: String
    /// The dimension of the inserted vectors, nil when none.
    public var dimension: Int?
    /// The rows' shape: `"curate"` or `"hypaware"` (`ImportFormat`).
    public var format: String

    /// A summary with the given values.
    private enum CodingKeys: String, CodingKey {
        case path = "file", read, inserted, alreadyPresent = "already_present", sessionsTouched = "sessions_touched"
        case embedded, vectorSource = "vector_source", dimension, format
    }

    public init(path: String, read: Int, inserted: Int, alreadyPresent: Int, sessionsTouched: Int,
                embedded: Int, vectorSource: String, dimension: Int?, format: String = ImportFormat.curate.rawValue) {
        self.path = path
        self.read = read
        self.inserted = inserted
        self.alreadyPresent = alreadyPresent
        self.sessionsTouched = sessionsTouched
        self.embedded = embedded
        self.vectorSource = vectorSource
        self.dimension = dimension
        self.format = format
    }
}

/// One line of an import, as the shared steps see it.
protocol ImportRecord {
    var line: Int { get }
    /// The line's identity (`ImportIdentity`): a line whose identity is in the store, or on an
    /// earlier line, is already present.
    var id: String { get }
    /// The text an embedder embeds.
    var text: String { get }
    /// Little-endian float32 bytes: from the line, then from the file or the embedder.
    var vector: Data? { get set }
    /// Values in the inline `embedding`, when the line had one.
    var inlineCount: Int? { get }
}

/// How an import tells a line already present: by the identity of its record (`ImportRecord.id`),
/// looked up with `existsSQL` (one `?`, the identity).
struct ImportIdentity {
    /// What the identity is, for messages (`prospect_id`, `item_id`, …).
    let field: String
    /// Selects a row of the store with this identity.
    let existsSQL: String
    /// Whether a second line with the same identity in one file is an error (an id that must be
    /// unique) or the same row again (kept once, the first).
    let duplicatesAreErrors: Bool
}

/// What an importer writes: how it parses a line, tells a line already present and inserts a
/// new record.
struct ImportTable<R: ImportRecord> {
    /// How a line already present is told.
    let identity: ImportIdentity
    /// The rows' shape, for the summary.
    var format: ImportFormat = .curate
    /// Inserts one record; `arguments` gives its values.
    let insertSQL: String
    /// Parses line `line` (1-based) into a record.
    let parse: (_ line: Int, _ fields: FieldReader) throws(ImportError) -> R
    /// The values of `insertSQL` for `record`; `now` is one timestamp taken just before the write.
    let arguments: (_ record: R, _ now: UTCTimestamp) -> StatementArguments
    /// Runs in the write on the records inserted and returns the sessions touched.
    var finish: (_ db: Database, _ inserted: [R]) throws -> Int = { _, _ in 0 }
}

/// The shared steps of the importers: reading, presence, vectors (`ImportVectors.swift`),
/// dimension and model checks, and the write.
struct ImportPlan {
    /// The `embedding_space` of vectors given with the data.
    static let externalSpace = "external"

    let path: String
    let store: CurationStore
    let onProgress: ImportProgress.Handler?

    /// The contents of the file at `path`.
    static func contents(ofFile path: String) throws(ImportError) -> Data {
        do {
            return try JSONLines.contents(ofFile: path)
        } catch {
            throw .input(error)
        }
    }

    /// Imports JSON Lines `data` (`path` names it in errors) into `table`, the rows without
    /// vectors, all or nothing: parses every line, then writes (`write`). Each line read and row
    /// written is reported to `onProgress`.
    static func importLines<R: ImportRecord>(
        _ data: Data, path: String, store: CurationStore, onProgress: ImportProgress.Handler?, into table: ImportTable<R>
    ) throws(ImportError) -> ImportSummary {
        let plan = ImportPlan(path: path, store: store, onProgress: onProgress)
        return try plan.write(plan.parseLines(data, identity: table.identity, table.parse), vectors: .none, into: table)
    }

    /// Imports JSON Lines `data` (`path` names it in errors) into `table`, all or nothing: parses
    /// every line, finds the records already present (in the store, or earlier in the file),
    /// attaches vectors from `vectors` (the embedder runs only for the new records, outside the
    /// write), then writes (`write`). Each line read, chunk embedded and row written is reported
    /// to `onProgress`.
    static func importLines<R: ImportRecord>(
        _ data: Data, path: String, store: CurationStore, onProgress: ImportProgress.Handler?, vectors: VectorSource,
        into table: ImportTable<R>
    ) async throws(ImportError) -> ImportSummary {
        let plan = ImportPlan(path: path, store: store, onProgress: onProgress)
        var records = try plan.parseLines(data, identity: table.identity, table.parse)
        let needed = try plan.newRecords(records, identity: table.identity)
        let attached = try await plan.attachVectors(&records, needed: needed, source: vectors)
        return try plan.write(records, vectors: attached, into: table)
    }

    /// The indices of the `records` neither in the store nor on an earlier line (read before the
    /// vectors, so the embedder runs only for them).
    private func newRecords<R: ImportRecord>(_ records: [R], identity: ImportIdentity) throws(ImportError) -> [Int] {
        let present = try database {
            try store.read { db in
                let statement = try db.cachedStatement(sql: identity.existsSQL)
                var seen = Set<String>()
                return try Set(records.indices.filter { index in
                    try !seen.insert(records[index].id).inserted || Bool.fetchOne(statement, arguments: [records[index].id]) != nil
                })
            }
        }
        return records.indices.filter { !present.contains($0) }
    }

    /// Writes `records` in one transaction: checks the store's dimension and model against
    /// `vectors`, inserts each record still absent, runs `table.finish` on the inserted ones and
    /// records the model.
    private func write<R: ImportRecord>(_ records: [R], vectors: AttachedVectors, into table: ImportTable<R>) throws(ImportError) -> ImportSummary {
        let now = UTCTimestamp.now()
        let (inserted, sessions) = try database {
            try store.write { db -> (Int, Int) in
                try checkCompatible(db, space: vectors.space, dimension: vectors.dimension)
                // Check, then insert (an upsert would burn AUTOINCREMENT numbers on conflicts).
                let exists = try db.cachedStatement(sql: table.identity.existsSQL)
                let insert = try db.cachedStatement(sql: table.insertSQL)
                var inserted: [R] = []
                for (n, record) in records.enumerated() {
                    if try Bool.fetchOne(exists, arguments: [record.id]) != nil { continue }
                    try insert.execute(arguments: table.arguments(record, now))
                    inserted.append(record)
                    report(.writing, done: n + 1, total: records.count)
                }
                let sessions = try table.finish(db, inserted)
                if !inserted.isEmpty { try recordSpace(db, space: vectors.space) }
                return (inserted.count, sessions)
            }
        }
        return ImportSummary(path: path, read: records.count, inserted: inserted, alreadyPresent: records.count - inserted,
                             sessionsTouched: sessions, embedded: vectors.embedded, vectorSource: vectors.source,
                             dimension: inserted > 0 ? vectors.dimension : nil, format: table.format.rawValue)
    }


    /// Refuses vectors of another dimension or model than the store's.
    func checkCompatible(_ db: Database, space: String?, dimension: Int?) throws -> Void {
        guard let dimension, let space else { return }
        if let stored = try CurationStore.embeddingDimension(db), stored != dimension {
            throw ImportError.dimensionMismatch(path: path, storeDimension: stored, importDimension: dimension)
        }
        if let stored = try CurationStore.embeddingSpace(db), stored != space {
            throw ImportError.embeddingSpaceMismatch(path: path, store: stored, importing: space)
        }
    }

    /// Records the model of the store's embeddings when it has none yet.
    func recordSpace(_ db: Database, space: String?) throws {
        guard let space else { return }
        try db.execute(sql: "INSERT OR IGNORE INTO store_info(key, value) VALUES ('embedding_space', ?)", arguments: [space])
    }

    /// Runs `body` against the store, turning database errors into `ImportError.store`.
    func database<T>(_ body: () throws -> T) throws(ImportError) -> T {
        do {
            return try body()
        } catch let error as ImportError {
            throw error
        } catch let error as DatabaseError {
            throw .store(path: path, reason: error.description)
        } catch {
            throw .store(path: path, reason: "\(error)")
        }
    }

    /// Reports that `done` lines (of `total`, when known) went through `phase`.
    func report(_ phase: ImportProgress.Phase, done: Int, total: Int? = nil) {
        onProgress?(ImportProgress(path: path, phase: phase, done: done, total: total))
    }

    /// Parses every line of `data` with `parse`; a repeated identity is an error when
    /// `identity.duplicatesAreErrors` (the record is kept otherwise: row `i` of a `.f32` file
    /// still belongs to line `i + 1`).
    func parseLines<R: ImportRecord>(
        _ data: Data, identity: ImportIdentity,
        _ parse: (_ line: Int, _ object: FieldReader) throws(ImportError) -> R
    ) throws(ImportError) -> [R] {
        var records: [R] = []
        var lineOf: [[UInt8]: Int] = [:]
        var failure: ImportError? = nil
        let outcome = Result { () throws(InputFileError) in
            try JSONLines.forEachObject(in: data, path: path) { (line, object) throws(InputFileError) in
                let parsed = Result { () throws(ImportError) in try parse(line, FieldReader(object: object, path: path, line: line)) }
                let record: R
                switch parsed {
                case let .success(value): record = value
                case let .failure(.input(inputError)): throw inputError
                case let .failure(error):
                    // Stop the reader; the field error is reported below.
                    failure = error
                    throw InputFileError(path: path, line: line, reason: .unreadable("field error"))
                }
                if identity.duplicatesAreErrors, let first = lineOf.updateValue(line, forKey: Array(record.id.utf8)) {
                    throw InputFileError(path: path, line: line,
                                         reason: .duplicateID(field: identity.field, id: record.id, firstLine: first))
                }
                records.append(record)
                report(.reading, done: line)
            }
        }
        if case let .failure(error) = outcome { throw failure ?? .input(error) }
        return records
    }
}
