/// The identity of an imported row that has no unique id of its own (an original committed row,
/// a source row): a hash of its columns, so that importing the same row again finds it.
enum RowKey {
    /// The hex SHA-256 of `columns` as a JSON array (nil and "" told apart).
    static func of(_ columns: [String?]) -> String {
        sha256Hex(JSONValue.array(columns.map { $0.map(JSONValue.string) ?? .null }).serialized())
    }
}
