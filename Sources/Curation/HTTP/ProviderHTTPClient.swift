import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends provider API requests over `HTTPClient.shared`, retrying as `RetryPolicy` says.
///
/// Every call returns a 2xx answer or throws a `ProviderHTTPError` that is safe to log: a failed
/// response is reduced to its status, error type and request id (see
/// `ProviderHTTPError.rejected(_:operation:)`); bodies and headers never reach an error.
///
/// ```swift
/// let http = ProviderHTTPClient(policy: RetryPolicy(maxRetries: 6), timeout: .seconds(600))
/// let response = try await http.send(ProviderHTTPRequest(method: "GET", url: url, headers: headers,
///                                                        operation: "retrieve batch"))
/// ```
public final class ProviderHTTPClient: Sendable {
    /// When and how long to wait before retrying.
    public let policy: RetryPolicy
    /// The longest one attempt may take, body included.
    public let timeout: Duration

    /// The largest body `send` reads (a longer one fails the call).
    public static let maxBodyBytes = 64 << 20
    /// The longest line `streamLines` accepts.
    public static let maxLineBytes = 64 << 20
    /// The most of an error body read to find its error type and request id.
    static let maxErrorBodyBytes = 1 << 20

    private let counters = Mutex(ProviderHTTPStats())

    /// A client retrying by `policy`, each attempt within `timeout`.
    public init(policy: RetryPolicy, timeout: Duration) {
        self.policy = policy
        self.timeout = timeout
    }

    /// The attempts made so far by every call of this client.
    public var stats: ProviderHTTPStats { counters.withLock { $0 } }

    /// Sends `request`, retrying per `policy`.
    /// - Returns: the 2xx response, its body read whole (at most `maxBodyBytes`).
    /// - Throws: `ProviderHTTPError` once the call failed and may not (or may no more) be retried.
    public func send(_ request: ProviderHTTPRequest) async throws(ProviderHTTPError) -> ProviderHTTPResponse {
        try await run(request, beforeRetry: {}) { response in
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return ProviderHTTPResponse(status: Int(response.status.code), headers: Self.headers(of: response),
                                        body: Array(body.readableBytesView))
        }
    }

    /// Streams a 2xx body line by line (see `LineSplitter`: `\n` or `\r\n` endings, empty lines
    /// skipped) without holding it whole.
    ///
    /// A failure after the response started (the connection broke, the body was cut short, a
    /// line was longer than `maxLineBytes`, or `line` or `end` threw) fails the attempt: the
    /// whole request is retried under the same policy and budget as a failed status, after
    /// `restart` is called so the caller can drop what it gathered.
    /// - Parameters:
    ///   - restart: called before each retry.
    ///   - line: called with each line; throwing marks the stream as corrupt (the thrown
    ///     error's description, which must not quote the line, ends up in the final error).
    ///   - end: called once the body ended; throwing marks the stream as incomplete (for a
    ///     caller that knows how many lines to expect).
    /// - Throws: `ProviderHTTPError`; a stream still corrupt after the last retry gives
    ///   `.transport` with the reason.
    public func streamLines(_ request: ProviderHTTPRequest, restart: () -> Void, line: ([UInt8]) throws -> Void,
                            end: () throws -> Void = {}) async throws(ProviderHTTPError) {
        try await run(request, beforeRetry: restart) { response in
            var splitter = LineSplitter(maxLineBytes: Self.maxLineBytes)
            let deliver: ([UInt8]) throws -> Void = { bytes in
                do { try line(bytes) } catch { throw StreamRejected(reason: "\(error)") }
            }
            for try await chunk in response.body {
                try splitter.feed(chunk.readableBytesView, deliver)
            }
            try splitter.finish(deliver)
            do { try end() } catch { throw StreamRejected(reason: "\(error)") }
        }
    }

    /// Runs attempts until `read` accepts a 2xx response or the failure is final.
    private func run<T>(_ request: ProviderHTTPRequest, beforeRetry: () -> Void,
                        read: (HTTPClientResponse) async throws -> T) async throws(ProviderHTTPError) -> T {
        let prepared = Self.prepare(request)
        let operation = request.operation
        var retry = 0
        while true {
            counters.withLock { stats in
                stats.requests += 1
                if retry > 0 { stats.retries += 1 }
            }
            let failure: AttemptFailure
            do {
                let response = try await HTTPClient.shared.execute(prepared, timeout: Self.timeAmount(timeout))
                if (200..<300).contains(Int(response.status.code)) { return try await read(response) }
                let body = try? await response.body.collect(upTo: Self.maxErrorBodyBytes)
                failure = .rejected(ProviderHTTPResponse(status: Int(response.status.code), headers: Self.headers(of: response),
                                                         body: body.map { Array($0.readableBytesView) } ?? []))
            } catch {
                failure = AttemptFailure(error)
            }
            if Task.isCancelled { throw .cancelled(operation: operation) }
            guard retry < policy.maxRetries, failure.isRetryable(by: policy, idempotent: request.idempotent) else {
                throw failure.error(operation: operation)
            }
            let wait = policy.delay(beforeRetry: retry, after: failure.response, random: Double.random(in: 0..<1))
            do {
                try await Task.sleep(for: wait)
            } catch {
                throw .cancelled(operation: operation)
            }
            beforeRetry()
            retry += 1
        }
    }

    private static func prepare(_ request: ProviderHTTPRequest) -> HTTPClientRequest {
        var prepared = HTTPClientRequest(url: request.url)
        prepared.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { prepared.headers.add(name: name, value: value) }
        if let body = request.body { prepared.body = .bytes(body) }
        return prepared
    }

    private static func headers(of response: HTTPClientResponse) -> [(String, String)] {
        response.headers.map { ($0.name, $0.value) }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// A 2xx body the caller refused (a corrupt or incomplete stream): the attempt is retried.
private struct StreamRejected: Error {
    let reason: String
}

/// Why one attempt failed.
private enum AttemptFailure {
    /// A non-2xx response (its body read up to `maxErrorBodyBytes`, for the error type only).
    case rejected(ProviderHTTPResponse)
    /// The connection failed, broke off or the body was refused; `retryable` is false for a
    /// request that cannot work (a malformed URL, a body too large to read); `unsent` is true
    /// when the request certainly never reached the server (no connection was made).
    case transport(reason: String, retryable: Bool, unsent: Bool)
    /// The deadline passed; `unsent` as for `.transport`.
    case timedOut(unsent: Bool)
    /// The task was cancelled.
    case cancelled

    init(_ error: any Error) {
        switch error {
        case let error as StreamRejected:
            self = .transport(reason: error.reason, retryable: true, unsent: false)
        case let error as LineSplitter.Overlong:
            self = .transport(reason: error.description, retryable: true, unsent: false)
        case is CancellationError:
            self = .cancelled
        case let error as HTTPClientError:
            if error == .cancelled {
                self = .cancelled
            } else if Self.connectTimeouts.contains(error) {
                self = .timedOut(unsent: true)
            } else if error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout {
                self = .timedOut(unsent: false)
            } else {
                let misuse = Self.misuses.contains(error)
                self = .transport(reason: "\(error)", retryable: !misuse, unsent: misuse)
            }
        case is NIOTooManyBytesError:
            self = .transport(reason: "the response body is larger than \(ProviderHTTPClient.maxBodyBytes) bytes",
                              retryable: false, unsent: false)
        default:
            self = .transport(reason: "\(error)", retryable: true, unsent: false)
        }
    }

    /// Timeouts before a connection was ready: the request was never sent.
    private static let connectTimeouts: [HTTPClientError] = [
        .connectTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .getConnectionFromPoolTimeout,
    ]
    /// Failures that no retry can mend.
    private static let misuses: [HTTPClientError] = [.invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown]

    var response: ProviderHTTPResponse? {
        if case let .rejected(response) = self { return response }
        return nil
    }

    /// Whether another attempt may help and do no harm.
    func isRetryable(by policy: RetryPolicy, idempotent: Bool) -> Bool {
        switch self {
        case let .rejected(response): policy.isRetryable(response)
        case let .transport(_, retryable, unsent): retryable && (idempotent || unsent)
        case let .timedOut(unsent): idempotent || unsent
        case .cancelled: false
        }
    }

    func error(operation: String) -> ProviderHTTPError {
        switch self {
        case let .rejected(response): .rejected(response, operation: operation)
        case let .transport(reason, _, _): .transport(operation: operation, reason: reason)
        case .timedOut: .timedOut(operation: operation)
        case .cancelled: .cancelled(operation: operation)
        }
    }
}
