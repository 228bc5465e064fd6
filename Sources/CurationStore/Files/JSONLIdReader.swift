import Foundation

/// Reads the ids of a JSON Lines file: one JSON object per line, each with a string id field
/// (`prospect_id` for prospects, `item_id` for committed items); other fields are ignored.
///
/// The ids come back in line order, so id `i` is on line `i + 1` and belongs to row `i` of the
/// matching `.f32` embeddings file. The reader refuses, naming the file and the 1-based line:
/// unreadable files (and anything but a regular file, or a file over `InputLimits.maxFileBytes`,
/// before it is read), lines over `InputLimits.maxLineBytes`, invalid JSON, lines that are not
/// objects, a missing or non-string id, a duplicate id (naming both lines), and a blank line
/// followed by more data (blank lines at the very end, such as the trailing newline, are fine).
/// CRLF line endings are accepted. Lines are parsed by Foundation's `JSONSerialization`, which
/// also tolerates trailing commas.
///
/// Ids are compared as sequences of Unicode scalars, never by Swift's canonical equivalence:
/// `"\u{E9}"` and `"e\u{301}"` are two different ids, as they are in the original system and
/// in SQLite.
///
/// ```swift
/// let ids = try JSONLIdReader(field: "prospect_id").read(contentsOfFile: "prospects.jsonl")
/// ```
package struct JSONLIdReader: Sendable {
    /// The name of the id field of every line.
    package var field: String

    /// A reader of the string field `field` (`prospect_id` by default).
    package init(field: String = "prospect_id") {
        self.field = field
    }

    /// The ids of the file at `path`, in line order.
    /// - Throws: `InputFileError` naming `path` and, except for an unreadable file, the line.
    /// - Complexity: O(file size); each line is parsed with `JSONSerialization`.
    package func read(contentsOfFile path: String) throws(InputFileError) -> [String] {
        try read(JSONLines.contents(ofFile: path), path: path)
    }

    /// The ids of JSON Lines `data`, in line order.
    /// - Parameter path: the file name used in errors.
    /// - Throws: `InputFileError` naming `path` and the line at fault.
    package func read(_ data: Data, path: String) throws(InputFileError) -> [String] {
        var ids: [String] = []
        var lineOf: [[UInt8]: Int] = [:]
        let field = self.field
        try JSONLines.forEachObject(in: data, path: path) { (line, object) throws(InputFileError) in
            guard let value = object[field] else {
                throw InputFileError(path: path, line: line, reason: .missingField(field))
            }
            guard let id = value as? String else {
                throw InputFileError(path: path, line: line,
                                     reason: .nonStringField(field, found: JSONLines.kind(of: value)))
            }
            if let first = lineOf.updateValue(line, forKey: Array(id.utf8)) {
                throw InputFileError(path: path, line: line, reason: .duplicateID(field: field, id: id, firstLine: first))
            }
            ids.append(id)
        }
        return ids
    }
}
