/// Why an input file was refused: the file, the 1-based line when one is to blame, and the reason.
///
/// `description` is one line meant for a user, in the `file:line: reason` form of compilers:
///
/// ```
/// prospects.jsonl:7: duplicate prospect_id "a1" (first on line 2)
/// vectors.f32: row 4, column 17 is NaN or infinite (row 4 is line 5 of prospects.jsonl; rows and columns count from 0)
/// ```
public struct InputFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file at fault, as the caller named it.
    public let path: String
    /// The 1-based line of `path` at fault, or nil when the error is not about one line (a
    /// `.f32` file has no lines: its errors name rows, and the JSONL line of the row).
    public let line: Int?
    /// What is wrong.
    public let reason: Reason

    /// What is wrong with an input file.
    public enum Reason: Equatable, Sendable {
        /// The file could not be opened or read; the associated text is the system's reason, or
        /// why it was refused unread (not a regular file, larger than `InputLimits.maxFileBytes`).
        case unreadable(String)
        /// The line has `bytes` bytes (its line ending not counted), more than `limit`
        /// (`InputLimits.maxLineBytes`).
        case lineTooLong(bytes: Int, limit: Int)
        /// An empty or whitespace-only line before the last non-blank line.
        case blankLine
        /// The line is not valid JSON; the associated text is the parser's explanation.
        case invalidJSON(String)
        /// The line is valid JSON but not an object; the associated text names what it is.
        case notAnObject(found: String)
        /// The object has no such field.
        case missingField(String)
        /// The field is present but is not a string; `found` names what it is.
        case nonStringField(String, found: String)
        /// The id already appeared on `firstLine` (the error's `line` is the second occurrence).
        case duplicateID(field: String, id: String, firstLine: Int)
        /// A dimension below 1 was requested.
        case invalidDimension(Int)
        /// A dimension above `limit` (`InputLimits.maxDimension`) was requested.
        case dimensionTooLarge(Int, limit: Int)
        /// The `.f32` file's size is not a whole number of rows of `dimension` float32 values.
        case embeddingByteCount(bytes: Int, dimension: Int)
        /// The `.f32` file has `rows` rows but the JSONL file at `jsonlPath` has `lines` lines.
        case rowCountMismatch(rows: Int, lines: Int, jsonlPath: String)
        /// Row `row`, column `column` (both 0-based) of the `.f32` file is NaN or infinite; the row
        /// belongs to line `row + 1` of the JSONL file at `jsonlPath`.
        case nonFiniteEmbedding(row: Int, column: Int, jsonlPath: String)
        /// Row `row` (0-based) of the `.f32` file is all zeros: a vector without a direction,
        /// refused by importers (it has no cosine with anything); line `row + 1` of `jsonlPath`.
        case zeroEmbedding(row: Int, jsonlPath: String)
    }

    /// An error about `path`, at 1-based `line` when given.
    public init(path: String, line: Int? = nil, reason: Reason) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    /// One line for a user: `file:line: reason`, or `file: reason` when no line is to blame.
    public var description: String {
        let place = line.map { "\(path):\($0)" } ?? path
        switch reason {
        case let .unreadable(why):
            return "cannot read \(place): \(why)"
        case let .lineTooLong(bytes, limit):
            return "\(place): line of \(bytes) bytes is longer than \(InputLimits.size(limit)) (\(limit) bytes)"
        case .blankLine:
            return "\(place): blank line (only the end of the file may have blank lines)"
        case let .invalidJSON(why):
            return "\(place): invalid JSON: \(why)"
        case let .notAnObject(found):
            return "\(place): expected a JSON object, found \(found)"
        case let .missingField(field):
            return "\(place): missing \"\(field)\" field"
        case let .nonStringField(field, found):
            return "\(place): \"\(field)\" must be a string, found \(found)"
        case let .duplicateID(field, id, firstLine):
            return "\(place): duplicate \(field) \(Self.quoted(id)) (first on line \(firstLine))"
        case let .invalidDimension(dimension):
            return "\(place): dimension \(dimension) is invalid, it must be at least 1"
        case let .dimensionTooLarge(dimension, limit):
            return "\(place): dimension \(dimension) is too large, it must be at most \(limit)"
        case let .embeddingByteCount(bytes, dimension):
            let (rowBytes, overflow) = dimension.multipliedReportingOverflow(by: 4)
            return "\(place): \(bytes) bytes is not a whole number of float32 rows of dimension \(dimension)"
                + (overflow ? "" : " (\(rowBytes) bytes each)")
        case let .rowCountMismatch(rows, lines, jsonlPath):
            return "\(place): has \(rows) row\(rows == 1 ? "" : "s") but \(jsonlPath) has \(lines) line\(lines == 1 ? "" : "s") "
                + "(row i of the .f32 is line i+1 of the .jsonl)"
        case let .nonFiniteEmbedding(row, column, jsonlPath):
            return "\(place): row \(row), column \(column) is NaN or infinite "
                + "(row \(row) is line \(row + 1) of \(jsonlPath); rows and columns count from 0)"
        case let .zeroEmbedding(row, jsonlPath):
            return "\(place): row \(row) is all zeros, a vector without direction (row \(row) is line \(row + 1) of "
                + "\(jsonlPath); rows count from 0)"
        }
    }

    /// `id` in double quotes with control characters escaped (so the message stays one line),
    /// shortened when very long.
    private static func quoted(_ id: String) -> String {
        let limit = 120
        let scalars = id.unicodeScalars
        let shown = scalars.count > limit ? String(String.UnicodeScalarView(scalars.prefix(limit))) + "…" : id
        return shown.debugDescription
    }
}
