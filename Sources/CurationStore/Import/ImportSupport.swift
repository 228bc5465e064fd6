import Foundation
import GRDB

/// Where an import's vectors come from.
public enum VectorSource: Sendable {
    /// A `.f32` file (raw little-endian float32, row-major, no header) of `dimension` values per
    /// row: row `i` belongs to line `i + 1`. Lines must not carry an inline `embedding`.
    case file(path: String, dimension: Int)
    /// Inline `embedding` arrays when the first line has one (then every line must, all of one
    /// length); otherwise the embedder `makeEmbedder` returns (called only then; nil: the rows
    /// are stored without vectors).
    case automatic(makeEmbedder: @Sendable () throws -> (any Embedder)?)

    /// Inline vectors, or else `embedder` (nil: no vectors).
    public static func automatic(_ embedder: (any Embedder)?) -> VectorSource {
        .automatic(makeEmbedder: { embedder })
    }
}

/// What an import did.
public struct ImportSummary: Equatable, Sendable {
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

/// The shared steps of the importers: reading, vectors, presence, dimension and model checks,
/// and the write.
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

    /// Imports JSON Lines `data` (`path` names it in errors), all or nothing: parses every line
    /// with `parse`, finds the records already present (`identity`: in the store, or earlier in
    /// the file), attaches vectors (nil `vectors`: the rows have none; the embedder runs only for
    /// the new records, outside the write), then in one transaction checks the store's dimension
    /// and model, inserts with `insertSQL` each record still absent (`arguments` gives its
    /// values; `now` is one timestamp taken just before the write), runs `finish` on the inserted
    /// records (it returns the sessions touched) and records the model. Each line read, chunk
    /// embedded and row written is reported to `onProgress`.
    static func importLines<R: ImportRecord>(
        _ data: Data, path: String, store: CurationStore, onProgress: ImportProgress.Handler?, vectors: VectorSource?,
        identity: ImportIdentity, format: ImportFormat = .curate, insertSQL: String,
        parse: (_ line: Int, _ fields: FieldReader) throws(ImportError) -> R,
        arguments: (_ record: R, _ now: UTCTimestamp) -> StatementArguments,
        finish: (_ db: Database, _ inserted: [R]) throws -> Int = { _, _ in 0 }
    ) throws(ImportError) -> ImportSummary {
        let plan = ImportPlan(path: path, store: store, onProgress: onProgress)
        var records = try plan.parseLines(data, identity: identity, parse)
        // Which lines are new (read first, so the embedder runs only for them, outside the write).
        let present = try plan.database {
            try store.read { db in
                let statement = try db.cachedStatement(sql: identity.existsSQL)
                var seen = Set<String>()
                return try Set(records.indices.filter { index in
                    try !seen.insert(records[index].id).inserted || Bool.fetchOne(statement, arguments: [records[index].id]) != nil
                })
            }
        }
        let needed = records.indices.filter { !present.contains($0) }
        var (space, dimension, source, embedded): (String?, Int?, String, Int) = (nil, nil, "none", 0)
        if let vectors { (space, dimension, source, embedded) = try plan.attachVectors(&records, needed: needed, source: vectors) }
        let inserting = records
        let now = UTCTimestamp.now()
        let (inserted, sessions) = try plan.database {
            try store.write { db -> (Int, Int) in
                try plan.checkCompatible(db, space: space, dimension: dimension)
                // Check, then insert (an upsert would burn AUTOINCREMENT numbers on conflicts).
                let exists = try db.cachedStatement(sql: identity.existsSQL)
                let insert = try db.cachedStatement(sql: insertSQL)
                var inserted: [R] = []
                for (n, record) in inserting.enumerated() {
                    if try Bool.fetchOne(exists, arguments: [record.id]) != nil { continue }
                    try insert.execute(arguments: arguments(record, now))
                    inserted.append(record)
                    plan.report(.writing, done: n + 1, total: inserting.count)
                }
                let sessions = try finish(db, inserted)
                if !inserted.isEmpty { try plan.recordSpace(db, space: space) }
                return (inserted.count, sessions)
            }
        }
        return ImportSummary(path: path, read: records.count, inserted: inserted, alreadyPresent: records.count - inserted,
                             sessionsTouched: sessions, embedded: embedded, vectorSource: source,
                             dimension: inserted > 0 ? dimension : nil, format: format.rawValue)
    }

    /// Attaches the vectors to `records` (all of them when they come from the data, only the
    /// `needed` ones for an embedder) and returns (space, dimension, source name, embedded).
    func attachVectors<R: ImportRecord>(
        _ records: inout [R], needed: [Int], source: VectorSource
    ) throws(ImportError) -> (space: String?, dimension: Int?, source: String, embedded: Int) {
        switch source {
        case let .file(vectorsPath, dimension):
            if let bad = records.first(where: { $0.inlineCount != nil }) {
                throw .invalidField(path: path, line: bad.line, field: "embedding",
                                    problem: "is given inline but the vectors come from \(vectorsPath) (--embeddings): use one or the other")
            }
            let rows = try Self.readVectorFile(vectorsPath, dimension: dimension, lines: records.count, jsonlPath: path)
            for i in records.indices { records[i].vector = rows[i] }
            return (Self.externalSpace, dimension, "file", 0)
        case let .automatic(makeEmbedder):
            if let first = records.first, let dimension = first.inlineCount {
                for record in records {
                    guard let count = record.inlineCount else {
                        throw .invalidField(path: path, line: record.line, field: "embedding",
                                            problem: "is missing, but line \(first.line) has one (give every line an \"embedding\", or none)")
                    }
                    guard count == dimension else {
                        throw .invalidField(path: path, line: record.line, field: "embedding",
                                            problem: "has \(count) values, expected \(dimension) like line \(first.line)")
                    }
                }
                return (Self.externalSpace, dimension, "inline", 0)
            }
            if let bad = records.first(where: { $0.inlineCount != nil }), let first = records.first {
                throw .invalidField(path: path, line: bad.line, field: "embedding",
                                    problem: "is given, but line \(first.line) has none (give every line an \"embedding\", or none)")
            }
            let embedder: (any Embedder)?
            do {
                embedder = try makeEmbedder()
            } catch {
                throw .embedderFailed(path: path, reason: "\(error)")
            }
            guard let embedder else { return (nil, nil, "none", 0) }
            try embed(&records, needed: needed, with: embedder)
            return (embedder.model, embedder.dimension, embedder.model, needed.count)
        }
    }

    /// Embeds the texts of `records[needed]` in chunks, checking every vector.
    private func embed<R: ImportRecord>(_ records: inout [R], needed: [Int], with embedder: any Embedder) throws(ImportError) {
        let chunk = 256
        var done = 0
        while done < needed.count {
            let indices = needed[done..<min(done + chunk, needed.count)]
            let vectors: [[Float]]
            do {
                vectors = try embedder.embed(indices.map { records[$0].text })
            } catch {
                throw .embedderFailed(path: path, reason: "\(error)")
            }
            guard vectors.count == indices.count else {
                throw .embedderFailed(path: path, reason: "\(embedder.model) returned \(vectors.count) vectors for \(indices.count) texts")
            }
            for (index, vector) in zip(indices, vectors) {
                guard vector.count == embedder.dimension, vector.allSatisfy(\.isFinite) else {
                    throw .embedderFailed(path: path, reason: "\(embedder.model) returned an invalid vector for line \(records[index].line) "
                                          + "(\(vector.count) values, expected \(embedder.dimension) finite values)")
                }
                records[index].vector = EmbeddingBlob.data(from: vector)
            }
            done += indices.count
            report(.embedding, done: done, total: needed.count)
        }
    }

    /// Reads a `.f32` file and splits it in `lines` rows, refusing a dimension out of range, a
    /// file that is not a regular file, a size that is not a whole number of rows or a row count
    /// other than `lines` (all from the dimension and the size, before anything is read), NaN
    /// or infinite values and all-zero rows.
    static func readVectorFile(_ path: String, dimension: Int, lines: Int, jsonlPath: String) throws(ImportError) -> [Data] {
        func refuse(_ reason: InputFileError.Reason) -> ImportError { .input(InputFileError(path: path, reason: reason)) }
        do {
            try InputLimits.checkDimension(dimension, path: path)
        } catch {
            throw .input(error)
        }
        let file: RegularFile
        do {
            file = try RegularFile(path: path)
        } catch {
            throw .input(error)
        }
        // lines × dimension × 4, checked: neither product may overflow.
        let (rowBytes, rowOverflow) = dimension.multipliedReportingOverflow(by: 4)
        guard !rowOverflow, file.size % rowBytes == 0 else {
            throw refuse(.embeddingByteCount(bytes: file.size, dimension: dimension))
        }
        let (expected, overflow) = lines.multipliedReportingOverflow(by: rowBytes)
        guard !overflow, file.size == expected else {
            throw refuse(.rowCountMismatch(rows: file.size / rowBytes, lines: lines, jsonlPath: jsonlPath))
        }
        let data: Data
        do {
            data = try file.bytes(upTo: expected)
        } catch {
            throw .input(error)
        }
        guard data.count == expected else { throw refuse(.unreadable("the file shrank while it was read")) }
        let bad: Int? = data.withUnsafeBytes { bytes in
            let words = bytes.bindMemory(to: UInt32.self)
            // Exponent bits all ones: NaN or infinity, in either byte order of the host.
            return words.firstIndex { UInt32(littleEndian: $0) & 0x7F80_0000 == 0x7F80_0000 }
        }
        if let bad {
            throw .input(InputFileError(path: path, reason: .nonFiniteEmbedding(row: bad / dimension, column: bad % dimension, jsonlPath: jsonlPath)))
        }
        let rows = (0..<lines).map { data[($0 * rowBytes)..<(($0 + 1) * rowBytes)] }
        if let zero = rows.firstIndex(where: Self.isAllZeros) {
            throw .input(InputFileError(path: path, reason: .zeroEmbedding(row: zero, jsonlPath: jsonlPath)))
        }
        return rows
    }

    /// Whether every float32 of `row` is +0 or -0.
    private static func isAllZeros(_ row: Data) -> Bool {
        row.withUnsafeBytes { bytes in
            stride(from: 0, to: bytes.count, by: 4).allSatisfy { bytes.loadUnaligned(fromByteOffset: $0, as: UInt32.self) & 0x7FFF_FFFF == 0 }
        }
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
