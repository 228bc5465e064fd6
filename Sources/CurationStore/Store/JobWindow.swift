/// A part of the history: `[since, until)` on the sessions' latest activity (`ActivityBasis`).
/// A job covers one; the store reads the pending pool, and counts it, over one.
public struct JobWindow: Sendable, Equatable, Codable {
    /// Inclusive lower bound, nil: from the beginning.
    public var since: UTCTimestamp?
    /// Exclusive upper bound, nil: to the end.
    public var until: UTCTimestamp?

    /// The window `[since, until)`.
    public init(since: UTCTimestamp? = nil, until: UTCTimestamp? = nil) {
        self.since = since
        self.until = until
    }

    /// `[since, until)` as text, e.g. `[2026-01-01T00:00:00.000Z, 2026-01-15T00:00:00.000Z)`.
    public var description: String {
        "[\(since?.text ?? "-∞"), \(until?.text ?? "+∞"))"
    }

    private enum CodingKeys: String, CodingKey { case since, until }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func read(_ key: CodingKeys) throws -> UTCTimestamp? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            return try UTCTimestamp(iso8601: text)
        }
        since = try read(.since)
        until = try read(.until)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(since?.text, forKey: .since)
        try container.encodeIfPresent(until?.text, forKey: .until)
    }
}
