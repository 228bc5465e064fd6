import Foundation
import NIOHTTP1
import Synchronization

/// Answers requests: admin paths, then per provider route the pending fault, the admission
/// checks (body size, key, `anthropic-version`) and the route's handler.
final class EmulatorCore: Sendable {
    let configuration: EmulatorConfiguration
    /// `http://127.0.0.1:<port>`, the base of `results_url`.
    let baseURL: String
    let state = Mutex(EmulatorState())

    /// The largest body of a route other than create-batch.
    static let maxOtherBodyBytes = 64 << 20

    init(configuration: EmulatorConfiguration, baseURL: String) {
        self.configuration = configuration
        self.baseURL = baseURL
    }

    /// The largest body accepted for a request with this head; larger ones are discarded and
    /// answered 413.
    func bodyLimit(for head: HTTPRequestHead) -> Int {
        bodyLimit(for: EmulatorRoute.match(method: head.method, path: String(head.uri.prefix { $0 != "?" }))?.route)
    }

    /// `maxBatchBytes` for create-batch, at least `maxOtherBodyBytes` for every other request.
    private func bodyLimit(for route: EmulatorRoute?) -> Int {
        route == .createBatch ? configuration.maxBatchBytes : max(configuration.maxBatchBytes, Self.maxOtherBodyBytes)
    }

    /// What to do with `request`.
    func respond(to request: WireRequest) async -> WireAction {
        if request.path.hasPrefix("/_emulator/") { return .reply(admin(request)) }
        guard let (route, batchID) = EmulatorRoute.match(method: request.head.method, path: request.path) else {
            return .reply(.anthropicError(404, "no route for \(request.head.method.rawValue) \(request.path)"))
        }
        let fault = state.withLock { state in
            state.stats.requestsByRoute[route.rawValue, default: 0] += 1
            return state.takeFault(for: route) { kind in
                switch kind {
                case .truncateResults, .endlessResults: false
                default: true
                }
            }
        }
        var dropAnswer = false
        switch fault {
        case let .status(code, seconds, milliseconds)?:
            return .reply(statusFault(code, retryAfterSeconds: seconds, retryAfterMilliseconds: milliseconds,
                                      request: request, route: route))
        case .dropConnection?: return .drop
        case .dropResponse?: dropAnswer = true
        case let .delay(seconds)?: await pause(seconds)
        case let .redirect(status, location)?:
            return .reply(WireReply(status: WireReply.httpStatus(status), headers: ["location": location], body: .init()))
        case .hostileCounts?:
            return .reply(.json(["id": .string(batchID ?? ""), "type": "message_batch", "processing_status": "ended",
                                 "request_counts": ["processing": 0, "succeeded": .double(1e300), "errored": 0, "canceled": 0,
                                                    "expired": 0],
                                 "results_url": .string(baseURL + "/v1/messages/batches/\(batchID ?? "")/results")]))
        case .truncateResults?, .endlessResults?, nil: break
        }
        if let refusal = admission(of: request, on: route) { return .reply(refusal) }
        let reply: WireReply
        switch route {
        case .createBatch: reply = createBatch(request)
        case .retrieveBatch: reply = retrieveBatch(batchID ?? "")
        case .listBatches: reply = listBatches(request)
        case .cancelBatch: reply = cancelBatch(batchID ?? "")
        case .batchResults: reply = batchResults(batchID ?? "")
        case .deleteBatch: reply = deleteBatch(batchID ?? "")
        case .chatCompletions:
            await pause(configuration.requestDelay)
            reply = chatCompletion(request)
        case .embeddings:
            await pause(configuration.requestDelay)
            reply = embeddings(request)
        }
        return dropAnswer ? .drop : .reply(reply)
    }

    /// The answer to a request the server refuses before its handler runs, if any.
    private func admission(of request: WireRequest, on route: EmulatorRoute) -> WireReply? {
        if request.bodyTooLarge {
            return .error(413, "request body is larger than \(bodyLimit(for: route)) bytes", on: route)
        }
        if route.isAnthropic {
            if let key = configuration.apiKey, request.header("x-api-key") != key {
                return .anthropicError(401, "invalid x-api-key")
            }
            if request.header("anthropic-version")?.isEmpty ?? true {
                return .anthropicError(400, "anthropic-version: header is required")
            }
        } else if let key = configuration.apiKey, request.header("authorization") != "Bearer \(key)" {
            return .openAIError(401, "Incorrect API key provided.")
        }
        return nil
    }

    /// The error answer of an injected status fault, with its retry headers.
    private func statusFault(_ code: Int, retryAfterSeconds: Double?, retryAfterMilliseconds: Int?,
                             request: WireRequest, route: EmulatorRoute) -> WireReply {
        var reply = WireReply.error(code, "emulated fault \(code) (\(request.promptExcerpt))", on: route)
        if let seconds = retryAfterSeconds {
            let whole = seconds == seconds.rounded() && seconds.magnitude < 1e15
            reply.headers.add(name: "retry-after", value: whole ? String(Int(seconds)) : String(seconds))
        }
        if let milliseconds = retryAfterMilliseconds {
            reply.headers.add(name: "retry-after-ms", value: String(milliseconds))
        }
        return reply
    }

    /// Sleeps `seconds` (not past cancellation) and adds them to `processingSeconds`.
    private func pause(_ seconds: Double) async {
        guard seconds > 0 else { return }
        state.withLock { $0.stats.processingSeconds += seconds }
        try? await Task.sleep(for: .seconds(seconds))
    }
}
