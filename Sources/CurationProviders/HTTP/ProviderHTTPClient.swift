import AsyncHTTPClient
import CurationStore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends provider API requests, retrying as `RetryPolicy` says.
///
/// - **No redirect is followed**: a 3xx answer fails the call (`ProviderHTTPError.redirected`,
///   naming the status and the target host), so the key and the prospects go to the configured
///   host only.
/// - **One deadline per attempt**, `timeout`, covers the response head and the body: a body
///   still arriving when it passes is cut off and the attempt fails as timed out.
/// - Every call returns a 2xx answer or throws a `ProviderHTTPError` that is safe to log: a
///   failed response is reduced to its status, error type and request id (see
///   `ProviderHTTPError.rejected(_:operation:)`); a transport failure to a fixed text. Bodies,
///   headers and library error texts (which can carry a header value) never reach an error.
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

    /// The HTTP client behind every provider call: it follows no redirect, and drops a
    /// connection silent for `idleReadTimeout`. One per process, never shut down (as
    /// `HTTPClient.shared`).
    private static let transport: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(30), read: idleReadTimeout)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// How long a connection may stay silent while a response is awaited or read.
    static let idleReadTimeout = TimeAmount.seconds(120)

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
    package func send(_ request: ProviderHTTPRequest) async throws(ProviderHTTPError) -> ProviderHTTPResponse {
        try await run(request, beforeRetry: {}) { response, deadline in
            var body = ByteBuffer()
            for try await chunk in response.body {
                try Self.check(deadline)
                guard body.readableBytes + chunk.readableBytes <= Self.maxBodyBytes else { throw BodyTooLarge() }
                body.writeImmutableBuffer(chunk)
            }
            return ProviderHTTPResponse(status: Int(response.status.code), headers: Self.headers(of: response),
                                        body: Array(body.readableBytesView))
        }
    }

    /// Streams a 2xx body line by line (see `LineSplitter`: `\n` or `\r\n` endings, empty lines
    /// skipped) without holding it whole.
    ///
    /// A failure after the response started (the connection broke, the body was cut short, a
    /// line was longer than `maxLineBytes`, the attempt's deadline passed, or `line` or `end`
    /// threw) fails the attempt: the whole request is retried under the same policy and budget
    /// as a failed status, after `restart` is called so the caller can drop what it gathered. A
    /// `line` that throws stops the stream at once (the rest is never read).
    /// - Parameters:
    ///   - restart: called before each retry.
    ///   - line: called with each line; throwing marks the stream as corrupt (the thrown
    ///     error's description, which must not quote the line, ends up in the final error).
    ///   - end: called once the body ended; throwing marks the stream as incomplete (for a
    ///     caller that knows how many lines to expect).
    /// - Throws: `ProviderHTTPError`; a stream still corrupt after the last retry gives
    ///   `.transport` with the reason.
    package func streamLines(_ request: ProviderHTTPRequest, restart: () -> Void, line: ([UInt8]) throws -> Void,
                            end: () throws -> Void = {}) async throws(ProviderHTTPError) {
        try await run(request, beforeRetry: restart) { response, deadline in
            var splitter = LineSplitter(maxLineBytes: Self.maxLineBytes)
            let deliver: ([UInt8]) throws -> Void = { bytes in
                do { try line(bytes) } catch { throw StreamRejected(reason: "\(error)") }
            }
            for try await chunk in response.body {
                try Self.check(deadline)
                try splitter.feed(chunk.readableBytesView, deliver)
            }
            try splitter.finish(deliver)
            do { try end() } catch { throw StreamRejected(reason: "\(error)") }
        }
    }

    /// Runs attempts until `read` accepts a 2xx response or the failure is final; `read` gets
    /// the attempt's deadline.
    private func run<T>(_ request: ProviderHTTPRequest, beforeRetry: () -> Void,
                        read: (HTTPClientResponse, ContinuousClock.Instant) async throws -> T) async throws(ProviderHTTPError) -> T {
        let prepared = Self.prepare(request)
        let operation = request.operation
        var retry = 0
        while true {
            counters.withLock { stats in
                stats.requests += 1
                if retry > 0 { stats.retries += 1 }
            }
            let failure: AttemptFailure
            let deadline = ContinuousClock.now + timeout
            do {
                let response = try await Self.transport.execute(prepared, timeout: Self.timeAmount(timeout))
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return try await read(response, deadline) }
                if (300..<400).contains(status) {
                    failure = .redirected(status: status, host: response.headers.first(name: "location").flatMap(Self.host))
                } else {
                    let body = try? await response.body.collect(upTo: Self.maxErrorBodyBytes)
                    failure = .rejected(ProviderHTTPResponse(status: status, headers: Self.headers(of: response),
                                                             body: body.map { Array($0.readableBytesView) } ?? []))
                }
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

    /// Throws when `deadline` has passed.
    private static func check(_ deadline: ContinuousClock.Instant) throws {
        if ContinuousClock.now >= deadline { throw AttemptDeadline() }
    }

    /// The host a `location` header names (an absolute URL), when it looks like a host name.
    private static func host(_ location: String) -> String? {
        URL(string: location)?.host.flatMap(ProviderHTTPError.identifier)
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

/// The attempt's deadline passed while its body was read.
private struct AttemptDeadline: Error {}

/// A 2xx body larger than `ProviderHTTPClient.maxBodyBytes`.
private struct BodyTooLarge: Error {}

/// Why one attempt failed.
private enum AttemptFailure {
    /// A non-2xx, non-3xx response (its body read up to `maxErrorBodyBytes`, for the error type only).
    case rejected(ProviderHTTPResponse)
    /// A 3xx answer: never followed, never retried.
    case redirected(status: Int, host: String?)
    /// The connection failed, broke off or the body was refused; `reason` is a fixed text (never
    /// a library's error text, which can quote a header); `retryable` is false for a request
    /// that cannot work (a malformed URL, a body too large to read); `unsent` is true when the
    /// request certainly never reached the server (no connection was made).
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
        case is AttemptDeadline:
            self = .timedOut(unsent: false)
        case is BodyTooLarge, is NIOTooManyBytesError:
            self = .transport(reason: "the response body is larger than \(ProviderHTTPClient.maxBodyBytes) bytes",
                              retryable: false, unsent: false)
        case is CancellationError:
            self = .cancelled
        case let error as HTTPClientError:
            if error == .cancelled {
                self = .cancelled
            } else if Self.connectTimeouts.contains(error) {
                self = .timedOut(unsent: true)
            } else if error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout {
                self = .timedOut(unsent: false)
            } else if let misuse = Self.misuses.first(where: { $0.error == error }) {
                self = .transport(reason: misuse.reason, retryable: false, unsent: true)
            } else {
                let known = Self.known.first { $0.error == error }?.reason
                self = .transport(reason: known ?? "the HTTP exchange failed (\(Self.kind(of: error)))", retryable: true,
                                  unsent: false)
            }
        default:
            self = .transport(reason: "the connection failed (\(Self.kind(of: error)))", retryable: true, unsent: false)
        }
    }

    /// Timeouts before a connection was ready: the request was never sent.
    private static let connectTimeouts: [HTTPClientError] = [
        .connectTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .getConnectionFromPoolTimeout,
    ]
    /// Failures that no retry can mend, with their fixed texts.
    private static let misuses: [(error: HTTPClientError, reason: String)] = [
        (.invalidURL, "the URL is not valid"), (.emptyHost, "the URL has no host"), (.emptyScheme, "the URL has no scheme"),
        (.alreadyShutdown, "the HTTP client is shut down"),
    ]
    /// Other failures with a fixed text of their own.
    private static let known: [(error: HTTPClientError, reason: String)] = [
        (.remoteConnectionClosed, "the server closed the connection"), (.bodyLengthMismatch, "the response body was cut short"),
        (.invalidProxyResponse, "the proxy answered wrongly"),
    ]

    /// The name of `error`'s type: the one part of a library error that cannot carry data.
    private static func kind(of error: any Error) -> String {
        String(describing: type(of: error))
    }

    var response: ProviderHTTPResponse? {
        if case let .rejected(response) = self { return response }
        return nil
    }

    /// Whether another attempt may help and do no harm.
    func isRetryable(by policy: RetryPolicy, idempotent: Bool) -> Bool {
        switch self {
        case let .rejected(response): policy.isRetryable(response)
        case .redirected: false
        case let .transport(_, retryable, unsent): retryable && (idempotent || unsent)
        case let .timedOut(unsent): idempotent || unsent
        case .cancelled: false
        }
    }

    func error(operation: String) -> ProviderHTTPError {
        switch self {
        case let .rejected(response): .rejected(response, operation: operation)
        case let .redirected(status, host): .redirected(operation: operation, code: status, host: host)
        case let .transport(reason, _, _): .transport(operation: operation, reason: reason)
        case .timedOut: .timedOut(operation: operation)
        case .cancelled: .cancelled(operation: operation)
        }
    }
}
