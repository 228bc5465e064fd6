import CurationStore
import Foundation

/// The fields of a Message Batches batch object the curator reads
/// (`shared/design/provider-wire-formats.md` §1).
package struct AnthropicBatch: Sendable, Equatable {
    /// `msgbatch_…`.
    let id: String
    /// `processing_status` is `ended`: every request has its final result.
    let ended: Bool
    /// The sum of `request_counts`: how many result lines the batch has once it ended.
    package let requestCount: Int
    /// Where its results are (set once it ended).
    let resultsURL: String?
    /// When it was created (by the provider's clock).
    let createdAt: UTCTimestamp?

    /// The most requests a batch holds (Message Batches: 100,000); larger counts are refused.
    static let maxRequests = 100_000

    /// The batch `json` describes, or nil when it is not a batch object (also when a request
    /// count is not an integer in 0...`maxRequests`: no number from the network can trap).
    package init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let status = json["processing_status"]?.stringValue,
              let counts = json["request_counts"]?.objectValue else { return nil }
        var total = 0
        for member in counts.members {
            guard let value = member.value.numberValue, value >= 0, value <= Double(Self.maxRequests),
                  let count = Int(exactly: value) else { return nil }
            total += count
        }
        guard total <= Self.maxRequests else { return nil }
        self.id = id
        ended = status == "ended"
        requestCount = total
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
