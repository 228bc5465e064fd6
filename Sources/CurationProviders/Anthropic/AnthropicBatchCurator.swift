import CurationStore
import Foundation

/// The `anthropic` curator: each job's requests go to the Message Batches API
/// (`shared/design/provider-wire-formats.md` §1) as one or more batches.
///
/// - `submit`: `POST /v1/messages/batches` with every request's body as its `params`, the
///   configured `model` added (see `AnthropicBatchRequestBody`). Error statuses are retried,
///   but a create whose fate is unknown (the connection broke or timed out after the request
///   was sent) is not: a retry could create and bill the batch twice. `submit` then fails, the
///   job stays `submitting`, and resuming it adopts the batch through `findBatches`.
/// - `status`: `GET /v1/messages/batches/{id}`; ended when `processing_status` is `ended`.
/// - `results`: streams the batch's JSONL results line by line (see `AnthropicBatchResult`),
///   checking that there are as many lines as the batch has requests: a shorter stream was cut
///   and is downloaded again.
/// - `findBatches`: see `findBatches(jobNonce:claimedAt:)`.
///
/// HTTP calls go through `ProviderHTTPClient` (retries, timeouts). Errors are
/// `CuratorProviderError`s naming the operation, status, error type and request id; neither
/// the API key nor a response's message text ever reaches one.
public struct AnthropicBatchCurator: CuratorProvider {
    /// The provider name stored with jobs: `"anthropic"`.
    public static let providerName = "anthropic"

    /// The endpoint, key, model, limits and poll interval.
    public let settings: RemoteCuratorSettings
    private let http: ProviderHTTPClient

    /// A curator reaching the API as `settings` say, through `http`.
    public init(settings: RemoteCuratorSettings, http: ProviderHTTPClient) {
        self.settings = settings
        self.http = http
    }

    /// `"anthropic"`.
    public var name: String { Self.providerName }

    /// The host and model of `settings`.
    public var destination: String? { settings.destination }

    /// `.adaptiveThinking`: adaptive thinking, high effort, the tool left to the model.
    public var requestStyle: CuratorRequestStyle { .adaptiveThinking }

    /// `settings.limits`, with the byte limit lowered where needed so that a batch `partition` sizes
    /// with `CuratorBatchLimits.requestOverheadEstimate` per request is, with this provider's envelope and
    /// `model`, within `AnthropicBatchRequestBody.maxBytes` on the wire.
    public var limits: CuratorBatchLimits {
        let model = JSONValue.string(settings.model).serialized().utf8.count
        let excess = max(0, AnthropicBatchRequestBody.requestOverhead + model - CuratorBatchLimits.requestOverheadEstimate)
        let wire = AnthropicBatchRequestBody.maxBytes - AnthropicBatchRequestBody.envelopeOverhead
            - settings.limits.maxRequests * excess
        return CuratorBatchLimits(maxRequests: settings.limits.maxRequests, maxBytes: min(settings.limits.maxBytes, wire))
    }

    /// `settings.pollInterval`.
    public var pollInterval: Duration { settings.pollInterval }

    /// The HTTP attempts and retries made so far.
    public var transportStats: ProviderHTTPStats? { http.stats }

    public func submit(requests: [CuratorRequest], jobNonce: String) async throws(CuratorProviderError) -> String {
        guard (1...limits.maxRequests).contains(requests.count) else {
            throw .invalidRequest("a batch holds 1 to \(limits.maxRequests) requests, not \(requests.count)")
        }
        var seen = Set<String>()
        for request in requests {
            guard CuratorRequest.isValidCustomID(request.customID) else {
                throw .invalidRequest("custom_id \(request.customID.debugDescription) does not match ^[a-zA-Z0-9_-]{1,64}$")
            }
            guard request.customID.hasPrefix(jobNonce + "-c") else {
                throw .invalidRequest("custom_id \(request.customID.debugDescription) does not carry the job nonce")
            }
            guard seen.insert(request.customID).inserted else {
                throw .invalidRequest("duplicate custom_id \(request.customID.debugDescription)")
            }
        }
        let body = try AnthropicBatchRequestBody.encode(requests, model: settings.model)
        let response = try await send("POST", batchesURL, body: body, operation: Self.createOperation)
        guard let batch = AnthropicBatch.decode(response.body) else {
            throw .unavailable("create batch: the reply is not a message batch")
        }
        return batch.id
    }

    public func status(batchID: String) async throws(CuratorProviderError) -> CuratorBatchStatus {
        try await retrieve(batchID).ended ? .ended : .inProgress
    }

    /// Streams the batch's results; the stream is stopped at a result for an id not in
    /// `customIDs` or past `customIDs.count` lines (a hostile or broken server cannot make it
    /// endless).
    public func results(batchID: String, expecting customIDs: Set<String>) async throws(CuratorProviderError) -> [String: CuratorOutcome] {
        let batch = try await retrieve(batchID)
        guard batch.ended else { throw .batchNotEnded(batchID) }
        var outcomes: [String: CuratorOutcome] = [:]
        try await forEachResult(of: batch, lines: customIDs.count, accepting: customIDs.contains,
                                restart: { outcomes.removeAll() }) { result in
            if outcomes[result.customID] == nil { outcomes[result.customID] = result.outcome }
        }
        return outcomes
    }

    // MARK: HTTP

    var batchesURL: String { settings.baseURL + "/v1/messages/batches" }

    private static let createOperation = "create batch"

    /// `GET /v1/messages/batches/{id}`.
    /// - Throws: `.unknownBatch` on 404.
    func retrieve(_ batchID: String) async throws(CuratorProviderError) -> AnthropicBatch {
        let response = try await send("GET", batchesURL + "/" + Self.urlComponent(batchID), operation: "retrieve batch",
                                      batchID: batchID)
        guard let batch = AnthropicBatch.decode(response.body) else {
            throw .unavailable("retrieve batch \(batchID): the reply is not a message batch")
        }
        return batch
    }

    /// Streams the results of the ended `batch` into `each`, downloading again (after `restart`)
    /// when the stream breaks, holds a malformed line or a result whose id `accepting` refuses,
    /// or has another number of lines than `expected` (at most the batch's own count); a stream
    /// is stopped as soon as it has more.
    func forEachResult(of batch: AnthropicBatch, lines expected: Int, accepting: (String) -> Bool, restart: () -> Void,
                       _ each: (AnthropicBatchResult) -> Void) async throws(CuratorProviderError) {
        let expected = min(expected, batch.requestCount)
        var lines = 0
        do {
            try await http.streamLines(request("GET", resultsURL(of: batch), operation: "download results of \(batch.id)"),
                                       restart: {
                                           lines = 0
                                           restart()
                                       },
                                       line: { bytes in
                                           lines += 1
                                           guard lines <= expected else {
                                               throw ResultCountMismatch(lines: lines, expected: expected)
                                           }
                                           let result: AnthropicBatchResult
                                           do throws(AnthropicBatchResult.Malformed) {
                                               result = try AnthropicBatchResult(line: bytes)
                                           } catch {
                                               throw BadResultLine(number: lines, problem: error.problem)
                                           }
                                           guard accepting(result.customID) else {
                                               throw BadResultLine(number: lines, problem: "a custom_id not in the batch")
                                           }
                                           each(result)
                                       },
                                       end: {
                                           guard lines == expected else {
                                               throw ResultCountMismatch(lines: lines, expected: expected)
                                           }
                                       })
        } catch {
            throw Self.providerError(error, batchID: batch.id)
        }
    }

    /// The batch's `results_url` when it is on the configured API origin (the key is never sent
    /// elsewhere), else the documented `GET /v1/messages/batches/{id}/results`.
    private func resultsURL(of batch: AnthropicBatch) -> String {
        if let given = batch.resultsURL, let url = URL(string: given), let base = URL(string: settings.baseURL),
           url.scheme == base.scheme, url.host == base.host, url.port == base.port {
            return given
        }
        return batchesURL + "/" + Self.urlComponent(batch.id) + "/results"
    }

    func send(_ method: String, _ url: String, body: [UInt8]? = nil, operation: String,
              batchID: String? = nil) async throws(CuratorProviderError) -> ProviderHTTPResponse {
        do {
            return try await http.send(request(method, url, body: body, operation: operation))
        } catch {
            throw Self.providerError(error, batchID: batchID)
        }
    }

    /// A request with the API headers; creating a batch is not idempotent (see
    /// `ProviderHTTPRequest.idempotent`).
    private func request(_ method: String, _ url: String, body: [UInt8]? = nil, operation: String) -> ProviderHTTPRequest {
        ProviderHTTPRequest(method: method, url: url,
                            headers: [("x-api-key", settings.apiKey.value), ("anthropic-version", "2023-06-01"),
                                      ("content-type", "application/json")],
                            body: body, operation: operation, idempotent: operation != Self.createOperation)
    }

    /// A 404 for batch `batchID` is `.unknownBatch`; a 400 or 413 on create is
    /// `.invalidRequest`; any other failure is `.unavailable`, saying so when a create may have
    /// reached the provider all the same.
    private static func providerError(_ error: ProviderHTTPError, batchID: String?) -> CuratorProviderError {
        switch error {
        case .status(_, 404, _, _) where batchID != nil: .unknownBatch(batchID ?? "")
        case let .status(operation, code, _, _) where operation == createOperation && (code == 400 || code == 413):
            .invalidRequest(error.description)
        case .transport(createOperation, _), .timedOut(createOperation):
            .unavailable(error.description + " (the batch may have been created all the same: "
                         + "resuming the job finds it by the job's nonce instead of submitting again)")
        default: .unavailable(error.description)
        }
    }

    /// `id` percent-encoded for use as a path segment or query value.
    static func urlComponent(_ id: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }
}

/// A results line that is not a result (cut or garbled).
private struct BadResultLine: Error, CustomStringConvertible {
    let number: Int
    let problem: String
    var description: String { "results line \(number) is malformed (\(problem))" }
}

/// A results stream with fewer (cut short) or more lines than the batch has requests.
private struct ResultCountMismatch: Error, CustomStringConvertible {
    let lines: Int
    let expected: Int
    var description: String { "the results stream held \(lines) lines, the batch has \(expected) requests" }
}
