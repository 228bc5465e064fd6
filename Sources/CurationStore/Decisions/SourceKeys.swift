/// A prospect's `source_keys` (`seed-contract.md` §1): JSON naming the source rows it was
/// proposed from, `{"message_id": ["m1", "m2"], …}`, stored as the import gave it (an object, or
/// a string holding one, or anything else).
enum SourceKeys {
    /// The stored JSON text as an object, as a committed row carries it (§5.4): an object as it
    /// is, a JSON string holding an object parsed, anything else (nothing, an array, a number, a
    /// string that is not an object's JSON) `{}`.
    static func object(_ stored: String?) -> JSONObject {
        guard let stored, var value = try? JSONValue(parsing: stored) else { return [:] }
        if let text = value.stringValue, let parsed = try? JSONValue(parsing: text) { value = parsed }
        return value.objectValue ?? [:]
    }

    /// The source row ids under `column` (the configured id column, `message_id` by default):
    /// the non-empty strings of that array and its integers (as digits, as `curate import
    /// sources` stores an integer id), in order; other values are not ids.
    static func ids(_ stored: String?, column: String) -> [String] {
        (object(stored)[column]?.arrayValue ?? []).compactMap { value in
            if case let .integer(number) = value { return String(number) }
            return value.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        }
    }
}
