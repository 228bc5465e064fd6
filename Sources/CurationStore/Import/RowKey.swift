/// The identity of an imported row that has no unique id of its own (an original committed row,
/// a source row): a hash of its columns, so that importing the same row again finds it.
enum RowKey {
    /// The hex SHA-256 of `columns` as a JSON array (nil and "" told apart).
    static func of(_ columns: [String?]) -> String {
        sha256Hex(JSONValue.array(columns.map { $0.map(JSONValue.string) ?? .null }).serialized())
    }

    /// The identity of a committed row: its exported columns, JSON ones in one canonical form
    /// (so the row a job wrote and the same row exported and imported again have one identity).
    static func committed(itemID: String, itemType: String, label: String?, props: String?, confidence: Double?,
                          anchorType: String?, anchorKey: String?, sourceDataset: String?, sourceKeys: String?,
                          curator: String?, curatorVersion: Int?, committedAt: UTCTimestamp?) -> String {
        of([itemID, itemType, label, canonical(props), confidence.map { "\($0)" }, anchorType, anchorKey, sourceDataset,
            canonical(sourceKeys), curator, curatorVersion.map { "\($0)" }, committedAt?.text])
    }

    /// JSON text re-serialized by `JSONValue` (keys sorted, no whitespace); text that is not
    /// JSON as it is.
    private static func canonical(_ json: String?) -> String? {
        json.map { text in (try? JSONValue(parsing: text))?.serialized() ?? text }
    }
}
