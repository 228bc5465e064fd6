import CurationStore
import Foundation

/// A curator on an OpenAI-compatible endpoint (OpenAI, vLLM, …), which has no batch surface:
/// each cluster goes through `POST {baseURL}/chat/completions` with the `curate_decisions` tool
/// forced, a few at a time.
///
/// Batches live in the store, as the local curator's do (`local_batches` rows with
/// `provider = 'openai-compatible'`, results in `local_batch_results`, see `StoreSchema.v2`):
/// - `submit` converts every request to a chat completions body (`ChatCompletionsWire`, with
///   `settings.model`), stores them and returns a generated id. Nothing is sent yet.
/// - `status` sends every request that has no stored result, at most `settings.concurrency` at
///   once, and stores **each result as soon as it arrives** (one small write transaction each).
///   A process killed mid-batch therefore resumes without sending again any request whose
///   result is stored: a cluster already resolved is never billed twice. The batch has ended
///   once every request has a result.
/// - A request that fails for good (an HTTP error status after the client's retries, a
///   timeout) is stored as `.errored` with the status and error type only; the router leaves
///   its cluster pending.
/// - A failure of the whole endpoint (connection refused or reset after every retry,
///   401/403/404, cancellation) stores nothing for the requests it hit: the requests still
///   in flight are cancelled, `status` throws `.unavailable`, and the job stays in its slot;
///   the next poll (or run) sends only the requests still without a result.
/// - `results` and `findBatches` read the store.
///
/// Each request carries its `custom_id` in an `x-custom-id` header (servers ignore it; proxies
/// and the emulator can trace it). Prompts, replies and error bodies are never logged; the API
/// key travels only in the `Authorization` header.
public struct OpenAICompatibleCurator: CuratorProvider {
    /// The provider name stored with jobs: `"openai-compatible"`.
    public static let providerName = "openai-compatible"

    /// Endpoint, key, model, limits and concurrency.
    public let settings: RemoteCuratorSettings
    private let batches: StoredChatBatches
    private let http: ProviderHTTPClient

    /// `"openai-compatible"`.
    public var name: String { Self.providerName }

    /// The host and model of `settings`.
    public var destination: String? { settings.destination }

    /// false: chat completions have no batch API, so a daemon tick is the synchronous regime.
    public var hasBatchAPI: Bool { false }
    /// `settings.limits`.
    public var limits: CuratorBatchLimits { settings.limits }
    /// `settings.pollInterval` (a poll does the work, so a batch normally ends at its first).
    public var pollInterval: Duration { settings.pollInterval }
    /// HTTP attempts (first tries and retries) made so far.
    public var transportStats: ProviderHTTPStats? { http.stats }

    /// A curator storing its batches in `store` and sending them with `http`.
    public init(store: CurationStore, settings: RemoteCuratorSettings, http: ProviderHTTPClient) {
        self.settings = settings
        self.batches = StoredChatBatches(store: store)
        self.http = http
    }

    /// Stores `requests` as a new batch, each body converted to chat completions for
    /// `settings.model`.
    /// - Throws: `.invalidRequest` for too many requests, a `custom_id` that is malformed,
    ///   repeated or without `jobNonce`, or a body that cannot be converted; `.unavailable`
    ///   when the store fails.
    public func submit(requests: [CuratorRequest], jobNonce: String) async throws(CuratorProviderError) -> String {
        guard requests.count <= limits.maxRequests else {
            throw .invalidRequest("\(requests.count) requests exceed the batch limit of \(limits.maxRequests)")
        }
        var seen = Set<String>()
        var converted: [CuratorRequest] = []
        converted.reserveCapacity(requests.count)
        for request in requests {
            let id = request.customID
            guard CuratorRequest.isValidCustomID(id), id.contains(jobNonce), seen.insert(id).inserted else {
                throw .invalidRequest("custom_id \(id.debugDescription) is malformed, repeated or lacks the job nonce")
            }
            let body: String
            do {
                body = try ChatCompletionsWire.body(fromMessagesBody: request.body, model: settings.model)
            } catch {
                throw .invalidRequest("request \(id): \(error)")
            }
            converted.append(CuratorRequest(customID: id, body: body, prospectIDs: request.prospectIDs))
        }
        let batchID = "chatbatch_" + randomHex(bytes: 12)
        try batches.insert(batchID: batchID, jobNonce: jobNonce, requests: converted)
        return batchID
    }

    /// Sends the batch's requests that have no stored result (at most `settings.concurrency`
    /// in flight), storing each result as it arrives.
    /// - Returns: `.ended` once every request has its result.
    /// - Throws: `.unknownBatch`; `.unavailable` when the endpoint fails as a whole (nothing is
    ///   stored for the requests it hit; the next call resumes) or the store fails.
    public func status(batchID: String) async throws(CuratorProviderError) -> CuratorBatchStatus {
        let batch = try batches.load(batchID)
        if batch.state == .ended { return .ended }
        let missing = batch.requests.filter { batch.results[$0.customID] == nil }
        try await send(missing, batchID: batchID)
        try batches.markEnded(batchID)
        return .ended
    }

    /// The stored results of an ended batch, by `custom_id`, those of `customIDs` only.
    /// - Throws: `.unknownBatch`, `.batchNotEnded`, `.unavailable`.
    public func results(batchID: String, expecting customIDs: Set<String>) async throws(CuratorProviderError) -> [String: CuratorOutcome] {
        let batch = try batches.load(batchID)
        guard batch.state == .ended else { throw .batchNotEnded(batchID) }
        return batch.results.filter { customIDs.contains($0.key) }
    }

    /// The stored batches of `jobNonce` (all of them: they were stored before being sent).
    public func findBatches(jobNonce: String,
                            claimedAt: UTCTimestamp) async throws(CuratorProviderError) -> [CuratorSubmittedBatch]? {
        try batches.batches(jobNonce: jobNonce)
    }

    // MARK: Implementation

    /// What became of one sent request.
    private enum Sent: Sendable {
        /// A result to store.
        case outcome(customID: String, CuratorOutcome)
        /// The endpoint failed as a whole: nothing to store.
        case endpointFailed(ProviderHTTPError)
    }

    /// Sends `requests` through a task group with at most `settings.concurrency` in flight,
    /// storing each outcome as it arrives. On the first endpoint-wide failure the rest is
    /// cancelled (not stored) and `.unavailable` is thrown once the group has drained.
    private func send(_ requests: [CuratorRequest], batchID: String) async throws(CuratorProviderError) {
        let width = max(1, settings.concurrency)
        let failure: CuratorProviderError? = await withTaskGroup(of: Sent.self) { group in
            var pending = requests.makeIterator()
            var failure: CuratorProviderError?
            for _ in 0..<width {
                guard let request = pending.next() else { break }
                group.addTask { await self.sendOne(request) }
            }
            while let sent = await group.next() {
                switch sent {
                case let .outcome(customID, outcome):
                    do throws(CuratorProviderError) {
                        try batches.record(batchID: batchID, customID: customID, outcome: outcome)
                    } catch {
                        failure = failure ?? error
                        group.cancelAll()
                    }
                case let .endpointFailed(error):
                    failure = failure ?? .unavailable("\(error)")
                    group.cancelAll()
                }
                if failure == nil, let request = pending.next() {
                    group.addTask { await self.sendOne(request) }
                }
            }
            return failure
        }
        if let failure { throw failure }
    }

    /// Sends one request and turns the reply into its outcome.
    private func sendOne(_ request: CuratorRequest) async -> Sent {
        let httpRequest = ProviderHTTPRequest(
            method: "POST", url: settings.baseURL + "/chat/completions",
            headers: [("authorization", "Bearer \(settings.apiKey.value)"), ("content-type", "application/json"),
                      ("x-custom-id", request.customID)],
            body: Array(request.body.utf8), operation: "chat completion")
        do {
            let response = try await http.send(httpRequest)
            return .outcome(customID: request.customID,
                            ChatCompletionsWire.outcome(ofReply: response.body, toolName: CuratorRequest.toolName))
        } catch {
            guard let outcome = ChatCompletionsWire.outcome(of: error) else { return .endpointFailed(error) }
            return .outcome(customID: request.customID, outcome)
        }
    }
}
