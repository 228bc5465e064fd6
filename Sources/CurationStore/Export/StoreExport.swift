import Foundation
import GRDB

/// The store's committed rows or resolutions as the original's tables hold them
/// (`seed-contract.md` §1), as JSON Lines ready to append to `enrichment_committed` or
/// `enrichment_resolutions`: one object per row, in insertion order.
///
/// - Committed: `item_id`, `item_type`, `label`, `props` (an object or null), `confidence`,
///   `anchor_type`, `anchor_key`, `source_dataset`, `source_keys` (as stored: an object for the
///   rows `curate` writes), `curator`, `curator_version`, `committed_at`.
/// - Resolutions: `prospect_id`, `decision`, `committed_ids` (an array or null), `note`,
///   `curator`, `curator_version`, `resolved_at`.
///
/// Timestamps are ISO-8601 (`2026-01-10T12:00:00.000Z`). By default only the rows `curate` wrote
/// are exported (rows imported from the original are already in its tables); `includeImported`
/// exports every row. `after` exports only the rows added since the export that returned that
/// cursor; every export returns the cursor to pass next time (the newest row of the table then,
/// exported or not).
///
/// ```swift
/// let export = try StoreExport.rows(of: .committed, in: store, after: nil)
/// try Data(export.jsonLines.utf8).write(to: url)
/// print(export.cursor)   // "committed:42": pass it as `after` next time
/// ```
public enum StoreExport {
    /// A table that can be exported.
    public enum Table: String, Sendable, CaseIterable {
        case committed, resolutions
    }

    /// Where an export stopped: the table and the insertion number (`seq`) of its newest row.
    /// Its text form is `<table>:<seq>`, e.g. `committed:42`.
    public struct Cursor: Sendable, Equatable, CustomStringConvertible {
        /// The table the cursor belongs to.
        public let table: Table
        /// Rows with a higher `seq` were added after it.
        public let seq: Int64

        /// A cursor at `seq` of `table`.
        public init(table: Table, seq: Int64) {
            self.table = table
            self.seq = seq
        }

        /// Parses `<table>:<seq>`.
        /// - Throws: `ExportError.badCursor` for any other text.
        public init(parsing text: String) throws(ExportError) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let table = Table(rawValue: String(parts[0])), let seq = Int64(parts[1]), seq >= 0 else {
                throw .badCursor(text)
            }
            self.init(table: table, seq: seq)
        }

        public var description: String { "\(table.rawValue):\(seq)" }
    }

    /// What an export produced.
    public struct Result: Sendable {
        /// The rows, one JSON object per line, each line ending in `\n` (empty: no row).
        public let jsonLines: String
        /// The number of rows.
        public let rows: Int
        /// The cursor to pass as `after` next time.
        public let cursor: Cursor
    }

    /// The rows of `table` in `store` added after `after` (all when nil), in insertion order,
    /// read in one transaction.
    /// - Parameter includeImported: also the rows imported from the original.
    /// - Throws: `ExportError.cursorOfOtherTable`, `.cursorAhead` (a cursor past the table's
    ///   newest row: not this store's), or a `DatabaseError`.
    public static func rows(of table: Table, in store: CurationStore, after: Cursor?,
                            includeImported: Bool = false) throws -> Result {
        if let after, after.table != table { throw ExportError.cursorOfOtherTable(after, expected: table) }
        return try store.read { db in
            let newest = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM \(table.rawValue)") ?? 0
            let start = after?.seq ?? 0
            if let after, after.seq > newest { throw ExportError.cursorAhead(after, newest: newest) }
            let filter = includeImported ? "" : "AND source = 'curator'"
            var text = ""
            var rows = 0
            let cursor = try Row.fetchCursor(db, sql: "\(select(table)) WHERE seq > ? AND seq <= ? \(filter) ORDER BY seq",
                                             arguments: [start, newest])
            while let row = try cursor.next() {
                text += json(row, table).serialized() + "\n"
                rows += 1
            }
            return Result(jsonLines: text, rows: rows, cursor: Cursor(table: table, seq: newest))
        }
    }

    private static func select(_ table: Table) -> String {
        switch table {
        case .committed:
            "SELECT item_id, item_type, label, props, confidence, anchor_type, anchor_key, source_dataset, source_keys, "
                + "curator, curator_version, committed_at FROM committed"
        case .resolutions:
            "SELECT prospect_id, decision, committed_ids, note, curator, curator_version, resolved_at FROM resolutions"
        }
    }

    /// One row as the original's JSON: JSON columns parsed, integers and reals as numbers.
    private static func json(_ row: Row, _ table: Table) -> JSONValue {
        let jsonColumns: Set<String> = ["props", "source_keys", "committed_ids"]
        return .object(JSONObject(row.columnNames.enumerated().map { index, name in
            let value: JSONValue
            switch (row[index] as DatabaseValue).storage {
            case .null, .blob: value = .null
            case let .int64(n): value = .integer(Int(n))
            case let .double(x): value = .number(x)
            case let .string(text):
                value = jsonColumns.contains(name) ? (try? JSONValue(parsing: text)) ?? .string(text) : .string(text)
            }
            return (key: name, value: value)
        }))
    }
}

/// Why an export was refused.
public enum ExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A cursor that is not `<table>:<seq>`.
    case badCursor(String)
    /// A cursor of the other table.
    case cursorOfOtherTable(StoreExport.Cursor, expected: StoreExport.Table)
    /// A cursor past the newest row: it came from another store.
    case cursorAhead(StoreExport.Cursor, newest: Int64)

    public var description: String {
        switch self {
        case let .badCursor(text):
            "invalid cursor \(text.debugDescription): expected <table>:<n> as a previous export printed it, e.g. committed:42"
        case let .cursorOfOtherTable(cursor, expected):
            "the cursor \(cursor) belongs to the \(cursor.table.rawValue) export, not the \(expected.rawValue) export"
        case let .cursorAhead(cursor, newest):
            "the cursor \(cursor) is past the newest row of this store's \(cursor.table.rawValue) (\(newest)): it comes from another store"
        }
    }
}
