import CurationStore
import Foundation

/// One HTTP request to a provider API, as `ProviderHTTPClient` sends it.
///
/// `headers` may carry an API key: descriptions and mirrors show the method, URL and operation
/// only, and the errors the client throws name only `operation`, never a header or the body.
public struct ProviderHTTPRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `GET`, `POST`, …
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Header names and values, in order (a name may repeat).
    public var headers: [(String, String)]
    /// The body, if any.
    public var body: [UInt8]?
    /// What the request does, as errors name it (`"create batch"`).
    public var operation: String
    /// Whether the server may process the request twice without harm (default true). When
    /// false (creating a batch), a failure that leaves it unknown whether the server got the
    /// request — the connection broke or the deadline passed after it was sent — is not
    /// retried: a retry could create a second batch, billed again. Error statuses and failures
    /// to connect are still retried.
    public var idempotent: Bool

    /// A request to `url`.
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, operation: String,
                idempotent: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.operation = operation
        self.idempotent = idempotent
    }

    public var description: String { "\(operation): \(method) \(url)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["method": method, "url": url, "operation": operation], displayStyle: .struct)
    }
}

/// A provider's answer: status, headers and the whole body.
public struct ProviderHTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Header names and values, as received.
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]

    /// A response with the given parts.
    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (compared case-insensitively), if any.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// How many HTTP attempts a `ProviderHTTPClient` made, and how many of them were retries.
public struct ProviderHTTPStats: Sendable, Equatable {
    /// HTTP requests sent (first attempts and retries).
    public var requests = 0
    /// Of `requests`, the retries.
    public var retries = 0

    /// Counts of zero.
    public init() {}
}
