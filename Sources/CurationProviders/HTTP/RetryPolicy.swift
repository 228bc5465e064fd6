import CurationStore
import Foundation

/// When `ProviderHTTPClient` retries a failed call and how long it waits first: the retry
/// policy of the Anthropic SDKs (`shared/design/provider-wire-formats.md` §1), with the number
/// of retries from the configuration (`max_retries`).
///
/// - A response carrying `x-should-retry: true|false` is retried or not as it says; otherwise
///   statuses 408, 409, 429, 500, 502, 503, 504 and 529 are retried, and so are connection
///   failures and timeouts (for a request that is not `ProviderHTTPRequest.idempotent`, only
///   those that happened before it was sent).
/// - The wait is the server's `retry-after-ms` (milliseconds) or `retry-after` (seconds or an
///   HTTP date) when it asks for more than zero, capped at `maxRetryAfter`; otherwise
///   `initialDelay × 2ⁿ` for retry n (0-based), capped at `maxDelay`, minus up to 25 % jitter.
///   Any number a server sends is range-checked before it becomes a duration: none can trap.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt (0: never retry).
    public var maxRetries: Int
    /// The backoff before the first retry.
    public var initialDelay: Duration = .milliseconds(500)
    /// The longest backoff.
    public var maxDelay: Duration = .seconds(8)
    /// The longest server-requested wait: a longer one is capped to it.
    public var maxRetryAfter: Duration = .seconds(60)

    /// A policy of `maxRetries` retries with the given waits.
    public init(maxRetries: Int, initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8),
                maxRetryAfter: Duration = .seconds(60)) {
        self.maxRetries = max(0, maxRetries)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The statuses retried when the response does not say (`x-should-retry`).
    public static let retryableStatuses: Set<Int> = [408, 409, 429, 500, 502, 503, 504, 529]

    /// Whether a non-2xx `response` is worth retrying (budget aside).
    package func isRetryable(_ response: ProviderHTTPResponse) -> Bool {
        switch response.header("x-should-retry")?.lowercased() {
        case "true": true
        case "false": false
        default: Self.retryableStatuses.contains(response.status)
        }
    }

    /// The wait before retry `retry` (0-based).
    /// - Parameters:
    ///   - response: the failed response, or nil after a connection failure.
    ///   - now: the current time, for a `retry-after` HTTP date.
    ///   - random: a number in [0, 1): the fraction of the 25 % jitter taken off the backoff.
    package func delay(beforeRetry retry: Int, after response: ProviderHTTPResponse?, now: Date = Date(),
                      random: Double) -> Duration {
        if let response, let requested = requestedDelay(response, now: now) { return requested }
        return backoff(retry: retry, random: random)
    }

    /// The server's requested wait, capped at `maxRetryAfter`, when it asks for a finite wait
    /// above zero; else nil.
    package func requestedDelay(_ response: ProviderHTTPResponse, now: Date = Date()) -> Duration? {
        let seconds: Double? =
            if let ms = response.header("retry-after-ms").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                ms / 1000
            } else if let text = response.header("retry-after")?.trimmingCharacters(in: .whitespaces) {
                Double(text) ?? Self.httpDate(text).map { $0.timeIntervalSince(now) }
            } else {
                nil
            }
        guard let seconds, seconds.isFinite, seconds > 0 else { return nil }
        // Capped before the conversion: an absurd value (1e20 s) would trap in Int64(_:).
        return min(Duration.milliseconds(Int64((min(seconds, Self.seconds(maxRetryAfter)) * 1000).rounded(.up))), maxRetryAfter)
    }

    /// `initialDelay × 2^retry`, capped at `maxDelay`, times `1 − 0.25 × random`.
    public func backoff(retry: Int, random: Double) -> Duration {
        let base = min(Self.seconds(initialDelay) * pow(2, Double(min(max(retry, 0), 62))), Self.seconds(maxDelay))
        let jitter = 1 - 0.25 * min(max(random, 0), 1)
        return .microseconds(Int64((base * jitter * 1_000_000).rounded()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form `retry-after` dates take.
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
