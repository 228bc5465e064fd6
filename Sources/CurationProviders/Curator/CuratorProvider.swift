import CurationStore
import Foundation

/// A curator behind a batch interface, shaped like a remote batch API (Anthropic Message
/// Batches): requests go in as one batch, the batch is polled until it has ended, then its
/// results are read, one per request, keyed by `custom_id`.
///
/// The job driver never talks to a model directly: it renders one `CuratorRequest` per cluster,
/// splits them into batches within `limits`, submits them, stores the batch ids in the job slot,
/// polls, and routes the results through the one decision parser (`CuratorAnswer`). The
/// embedded `LocalCurator` implements this protocol with its batches stored in the database; a
/// remote provider (Anthropic Message Batches, an OpenAI-compatible endpoint) implements the
/// same four calls over HTTP.
///
/// Implementations must be safe to call from several tasks (`Sendable`) and must never log
/// request bodies' secrets (API keys come from the environment, not from requests).
public protocol CuratorProvider: Sendable {
    /// The provider's name as configured and as stored with a job (`"local"`, `"anthropic"`, …).
    var name: String { get }

    /// How large one batch may be; the driver splits a job's requests to fit.
    var limits: CuratorBatchLimits { get }

    /// How long the driver waits between two polls of a batch that has not ended.
    var pollInterval: Duration { get }

    /// Submits `requests` as one batch.
    /// - Parameters:
    ///   - requests: at most `limits.maxRequests`, each `custom_id` unique in the batch and
    ///     carrying `jobNonce`.
    ///   - jobNonce: the job's nonce, recorded with the batch where the provider can, so that
    ///     `findBatches(jobNonce:claimedAt:)` can reconcile a batch whose id the driver failed to store.
    /// - Returns: the provider's id for the batch.
    /// - Throws: `CuratorProviderError`.
    func submit(requests: [CuratorRequest], jobNonce: String) async throws(CuratorProviderError) -> String

    /// Whether the batch is still being processed or has ended (all its results are final).
    /// - Throws: `CuratorProviderError` (`.unknownBatch` for an id the provider does not know).
    func status(batchID: String) async throws(CuratorProviderError) -> CuratorBatchStatus

    /// The results of an ended batch, by `custom_id`. A request with no entry had no result.
    /// - Parameter customIDs: the `custom_id`s of the batch's requests: a result for another id,
    ///   or more results than ids, is refused (a remote provider stops reading the stream there).
    /// - Throws: `CuratorProviderError` (`.batchNotEnded` before the batch has ended).
    func results(batchID: String, expecting customIDs: Set<String>) async throws(CuratorProviderError) -> [String: CuratorOutcome]

    /// The batches the provider holds for `jobNonce`, with the `custom_id`s of their requests,
    /// or nil when the provider cannot list them. Used after a crash between the provider
    /// accepting a batch and the driver storing its id: the batch is adopted, not re-billed.
    /// - Parameter claimedAt: when the job was claimed; its batches were created after that
    ///   (by the provider's clock, which may differ a little).
    /// - Throws: `CuratorProviderError`.
    func findBatches(jobNonce: String, claimedAt: UTCTimestamp) async throws(CuratorProviderError) -> [CuratorSubmittedBatch]?

    /// HTTP requests sent and retries taken so far, for providers that speak HTTP (nil else).
    var transportStats: ProviderHTTPStats? { get }

    /// How this provider's requests offer the decision tool (`seed-contract.md` §4).
    var requestStyle: CuratorRequestStyle { get }

    /// Where the provider sends requests, for the notice printed before a job is submitted
    /// (`"api.anthropic.com (anthropic, model claude-opus-4-8)"`); nil for a provider that sends
    /// nothing over the network.
    var destination: String? { get }

    /// Whether the provider has a batch API. One without (chat completions, sent request by
    /// request) is the synchronous regime of `seed-contract.md` §6: a daemon tick plans at most
    /// `max_prospects_per_tick` prospects, the most novel first.
    var hasBatchAPI: Bool { get }
}

extension CuratorProvider {
    /// nil: the provider speaks no HTTP.
    public var transportStats: ProviderHTTPStats? { nil }
    /// `.forcedTool`: the tool is forced with `tool_choice`.
    public var requestStyle: CuratorRequestStyle { .forcedTool }
    /// true: a batch API.
    public var hasBatchAPI: Bool { true }
    /// nil: nothing goes over the network.
    public var destination: String? { nil }
}

/// How large one provider batch may be.
public struct CuratorBatchLimits: Sendable, Equatable {
    /// Requests per batch (Anthropic: 100,000).
    public var maxRequests: Int
    /// Bytes of rendered request bodies per batch (Anthropic: 256 MB for the whole request).
    public var maxBytes: Int

    /// Limits of `maxRequests` requests and `maxBytes` bytes.
    public init(maxRequests: Int, maxBytes: Int) {
        self.maxRequests = max(1, maxRequests)
        self.maxBytes = max(1, maxBytes)
    }

    /// The Message Batches limits: 100,000 requests, 256 MB (with a margin for the envelope).
    public static let messageBatches = CuratorBatchLimits(maxRequests: 100_000, maxBytes: 250_000_000)

    /// Bytes `partition` counts per request on top of its body and `custom_id`: the allowance for
    /// a provider's per-request envelope. A provider whose envelope is larger, or which adds a
    /// batch envelope, lowers its `maxBytes` to match (as `AnthropicBatchCurator` does), so
    /// that what it sends for one batch never exceeds its hard limit.
    package static let requestOverheadEstimate = 64

    /// Batch sizes (consecutive requests) within these limits: a batch is closed when it holds
    /// `maxRequests` requests or the next request would take its estimated size (body, `custom_id`
    /// and `requestOverheadEstimate`) past `maxBytes`.
    package func partition(_ requests: [CuratorRequest]) -> [Int] {
        var sizes: [Int] = []
        var count = 0, bytes = 0
        for request in requests {
            let size = request.body.utf8.count + request.customID.utf8.count + Self.requestOverheadEstimate
            if count > 0 && (count == maxRequests || bytes + size > maxBytes) {
                sizes.append(count)
                count = 0
                bytes = 0
            }
            count += 1
            bytes += size
        }
        if count > 0 { sizes.append(count) }
        return sizes
    }
}

/// A batch the provider holds, as `findBatches(jobNonce:claimedAt:)` reports it.
public struct CuratorSubmittedBatch: Sendable, Equatable {
    /// The provider's id of the batch.
    public let batchID: String
    /// The `custom_id`s of its requests, in submission order.
    public let customIDs: [String]

    /// A batch `batchID` holding the requests `customIDs`.
    public init(batchID: String, customIDs: [String]) {
        self.batchID = batchID
        self.customIDs = customIDs
    }
}

/// Where a batch is.
public enum CuratorBatchStatus: String, Sendable, Equatable, Codable {
    /// Still being processed: results are not final.
    case inProgress = "in_progress"
    /// Every request has its final result (succeeded, errored, expired or canceled).
    case ended
}

/// One request to the curator: one cluster.
///
/// `body` is the Messages-API-shaped JSON text a remote provider sends as the request's
/// `params` (system prompt, one user message, the `curate_decisions` tool, and either a
/// `tool_choice` forcing it or adaptive thinking, per `CuratorRequestStyle`; the provider adds
/// its `model`). `prospectIDs` lists the cluster's prospects in
/// prompt order (index 1 first): it is never sent to a remote model; the driver and the local
/// curator use it to map decision indices back to prospects.
public struct CuratorRequest: Sendable, Equatable, Codable {
    /// The name of the decision tool every request offers.
    public static let toolName = "curate_decisions"

    /// The request's id within its batch: `^[a-zA-Z0-9_-]{1,64}$`, carrying the job nonce
    /// (`<nonce>-c<cluster index>`).
    public let customID: String
    /// The rendered request body (JSON text).
    public let body: String
    /// The cluster's prospect ids, index 1 first.
    public let prospectIDs: [String]

    /// A request; see `CuratorRequest.isValidCustomID(_:)` for the id's form.
    public init(customID: String, body: String, prospectIDs: [String]) {
        self.customID = customID
        self.body = body
        self.prospectIDs = prospectIDs
    }

    /// The `custom_id` of cluster `clusterIndex` of the job with `jobNonce`: `<nonce>-c<index>`.
    public static func customID(jobNonce: String, clusterIndex: Int) -> String {
        "\(jobNonce)-c\(clusterIndex)"
    }

    /// Whether `id` matches `^[a-zA-Z0-9_-]{1,64}$`, the form batch APIs accept.
    public static func isValidCustomID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case customID = "custom_id", body, prospectIDs = "prospect_ids"
    }
}

/// What became of one request.
public enum CuratorOutcome: Sendable, Equatable, Codable {
    /// The model answered with a `curate_decisions` tool call; `toolInput` is its input (an
    /// object when the model behaved; the parser copes with anything).
    case succeeded(toolInput: JSONValue)
    /// The model answered without calling the tool (a refusal, text only, max tokens…);
    /// `reason` is the stop reason or a short description.
    case noToolCall(reason: String)
    /// The request failed; `message` is the provider's error.
    case errored(message: String)
    /// The batch expired before the request was processed.
    case expired
    /// The batch was canceled before the request was processed.
    case canceled

    /// A short description for notes and logs.
    public var summary: String {
        switch self {
        case .succeeded: "succeeded"
        case let .noToolCall(reason): "no tool call (\(reason))"
        case let .errored(message): "errored: \(message)"
        case .expired: "expired"
        case .canceled: "canceled"
        }
    }

    private enum CodingKeys: String, CodingKey { case type, input, reason, message }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "succeeded": self = .succeeded(toolInput: try container.decode(JSONValue.self, forKey: .input))
        case "no_tool_call": self = .noToolCall(reason: try container.decode(String.self, forKey: .reason))
        case "errored": self = .errored(message: try container.decode(String.self, forKey: .message))
        case "expired": self = .expired
        case "canceled": self = .canceled
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown outcome \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .succeeded(input):
            try container.encode("succeeded", forKey: .type)
            try container.encode(input, forKey: .input)
        case let .noToolCall(reason):
            try container.encode("no_tool_call", forKey: .type)
            try container.encode(reason, forKey: .reason)
        case let .errored(message):
            try container.encode("errored", forKey: .type)
            try container.encode(message, forKey: .message)
        case .expired: try container.encode("expired", forKey: .type)
        case .canceled: try container.encode("canceled", forKey: .type)
        }
    }
}

/// Why a provider call failed.
public enum CuratorProviderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The provider does not know this batch id.
    case unknownBatch(String)
    /// Results were asked for before the batch ended.
    case batchNotEnded(String)
    /// A request was refused before submission (bad `custom_id`, too many requests, …).
    case invalidRequest(String)
    /// The provider's storage or transport failed; `reason` says how.
    case unavailable(String)

    public var description: String {
        switch self {
        case let .unknownBatch(id): "unknown batch \(id.debugDescription)"
        case let .batchNotEnded(id): "batch \(id.debugDescription) has not ended"
        case let .invalidRequest(reason): "invalid curator request: \(reason)"
        case let .unavailable(reason): "curator provider unavailable: \(reason)"
        }
    }
}

/// How a provider's requests offer the decision tool (`seed-contract.md` §4).
public enum CuratorRequestStyle: Sendable, Equatable {
    /// Anthropic: adaptive thinking (`"thinking": {"type": "adaptive"}`) and high effort
    /// (`"output_config": {"effort": "high"}`); the tool is offered and the model chooses to call
    /// it (the API refuses a forced tool with thinking on); the system prompt demands one call.
    case adaptiveThinking
    /// Every other provider: the tool is forced with `tool_choice`.
    case forcedTool
}
