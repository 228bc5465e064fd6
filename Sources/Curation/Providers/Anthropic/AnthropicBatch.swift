import Foundation

/// The fields of a Message Batches batch object the curator reads
/// (`shared/design/provider-wire-formats.md` §1).
struct AnthropicBatch: Sendable, Equatable {
    /// `msgbatch_…`.
    let id: String
    /// `processing_status` is `ended`: every request has its final result.
    let ended: Bool
    /// The sum of `request_counts`: how many result lines the batch has once it ended.
    let requestCount: Int
    /// Where its results are (set once it ended).
    let resultsURL: String?
    /// When it was created (by the provider's clock).
    let createdAt: UTCTimestamp?

    /// The batch `json` describes, or nil when it is not a batch object.
    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let status = json["processing_status"]?.stringValue,
              let counts = json["request_counts"]?.objectValue else { return nil }
        self.id = id
        ended = status == "ended"
        requestCount = counts.members.reduce(0) { $0 + Int($1.value.numberValue ?? 0) }
        resultsURL = json["results_url"]?.stringValue
        createdAt = json["created_at"]?.stringValue.flatMap { try? UTCTimestamp(iso8601: $0) }
    }

    /// The batch a response body holds, or nil.
    static func decode(_ body: [UInt8]) -> AnthropicBatch? {
        (try? JSONValue(parsing: Data(body))).flatMap(AnthropicBatch.init(json:))
    }
}

/// One page of the batch list (`GET /v1/messages/batches`), newest first.
struct AnthropicBatchPage: Sendable {
    /// The batches of the page.
    let batches: [AnthropicBatch]
    /// The id to pass as `after_id` for the next page, when there is one.
    let nextAfterID: String?

    /// The page a response body holds, or nil when it is not a list reply.
    static func decode(_ body: [UInt8]) -> AnthropicBatchPage? {
        guard let json = try? JSONValue(parsing: Data(body)), let data = json["data"]?.arrayValue else { return nil }
        let batches = data.compactMap(AnthropicBatch.init(json:))
        guard batches.count == data.count else { return nil }
        let more = json["has_more"] == .bool(true)
        return AnthropicBatchPage(batches: batches, nextAfterID: more ? json["last_id"]?.stringValue : nil)
    }
}
