import CurationStore
import Foundation

/// One HTTP request to a provider API, as `ProviderHTTPClient` sends it.
///
/// `headers` may carry an API key: descriptions and mirrors show the method, URL and operation
/// only, and the errors the client throws name only `operation`, never a header or the body.
package struct ProviderHTTPRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `GET`, `POST`, …
    package var method: String
    /// The absolute URL.
    package var url: String
    /// Header names and values, in order (a name may repeat).
    package var headers: [(String, String)]
    /// The body, if any.
    package var body: [UInt8]?
    /// What the request does, as errors name it (`"create batch"`).
    package var operation: String
    /// Whether the server may process the request twice without harm (default true). When
    /// false (creating a batch), a failure that leaves it unknown whether the server got the
    /// request — the connection broke or the deadline passed after it was sent — is not
    /// retried: a retry could create a second batch, billed again. Error statuses and failures
    /// to connect are still retried.
    package var idempotent: Bool

    /// A request to `url`.
    package init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, operation: String,
                idempotent: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.operation = operation
        self.idempotent = idempotent
    }

    package var description: String { "\(operation): \(method) \(url)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror {
        Mirror(self, children: ["method": method, "url": url, "operation": operation], displayStyle: .struct)
    }
}

/// A provider's answer: status, headers and the whole body.
package struct ProviderHTTPResponse: Sendable {
    /// The HTTP status code.
    package var status: Int
    /// Header names and values, as received.
    package var headers: [(String, String)]
    /// The body.
    package var body: [UInt8]

    /// A response with the given parts.
    package init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (compared case-insensitively), if any.
    package func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// How many HTTP attempts a `ProviderHTTPClient` made, and how many of them were retries.
public struct ProviderHTTPStats: Sendable, Equatable, Encodable {
    /// HTTP requests sent (first attempts and retries).
    public var requests = 0
    /// Of `requests`, the retries.
    public var retries = 0

    /// Counts of zero.
    public init() {}
}
