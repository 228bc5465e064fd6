import CurationStore
import Foundation

/// Why a provider HTTP call failed, after any retries.
///
/// Safe to log: it names the operation, the status, the provider's error type and request id,
/// never a response body's message (which can echo prompt content) nor a request header (which
/// carries the API key).
public enum ProviderHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider answered with a non-2xx status; `errorType` and `requestID` come from its
    /// error body or headers when it gave them.
    case status(operation: String, code: Int, errorType: String?, requestID: String?)
    /// The provider answered with a redirect (3xx), which is never followed: the key and the
    /// prospects go to the configured host only. `host` is the target's, when it named one.
    case redirected(operation: String, code: Int, host: String?)
    /// The connection failed, broke off, or the body could not be read as promised; `reason` is
    /// a fixed text.
    case transport(operation: String, reason: String)
    /// The request took longer than the client's timeout.
    case timedOut(operation: String)
    /// The calling task was cancelled.
    case cancelled(operation: String)

    /// The operation the failed request performed.
    public var operation: String {
        switch self {
        case let .status(operation, _, _, _), let .redirected(operation, _, _), let .transport(operation, _),
             let .timedOut(operation), let .cancelled(operation): operation
        }
    }

    public var description: String {
        switch self {
        case let .status(operation, code, errorType, requestID):
            "\(operation) failed: HTTP \(code)" + (errorType.map { " \($0)" } ?? "")
                + (requestID.map { " (request id \($0))" } ?? "")
        case let .redirected(operation, code, host):
            "\(operation) failed: HTTP \(code) redirect to \(host ?? "another location") refused "
                + "(provider calls never follow redirects: the key and the prospects go to the configured host only)"
        case let .transport(operation, reason): "\(operation) failed: \(reason)"
        case let .timedOut(operation): "\(operation) timed out"
        case let .cancelled(operation): "\(operation) was cancelled"
        }
    }

    /// The `.status` error of a non-2xx `response`: the error type from an Anthropic
    /// (`{"type":"error","error":{"type":T}}`), OpenAI (`{"error":{"type":T,"code":C}}`) or flat
    /// (`{"type":T}`) body, the request id from the `request-id` / `x-request-id` header or the
    /// body's `request_id`. Only identifier-like values are kept (`[A-Za-z0-9_.:-]`, at most 128
    /// characters), so nothing free-form from the body can slip through.
    package static func rejected(_ response: ProviderHTTPResponse, operation: String) -> ProviderHTTPError {
        let body = try? JSONValue(parsing: Data(response.body))
        let nested = body?["error"]
        let errorType = [nested?["type"], nested?["code"], body?["type"]]
            .lazy.compactMap { $0.flatMap(identifier) }.first { $0 != "error" }
        let requestID = [response.header("request-id"), response.header("x-request-id"), body?["request_id"]?.stringValue]
            .lazy.compactMap { $0.flatMap(identifier) }.first
        return .status(operation: operation, code: response.status, errorType: errorType, requestID: requestID)
    }

    private static func identifier(_ value: JSONValue) -> String? {
        switch value {
        case let .string(text): identifier(text)
        case let .integer(number): String(number)
        default: nil
        }
    }

    /// `text` when it looks like an identifier (`[A-Za-z0-9_.:-]{1,128}`: an error type, a
    /// request id, a stop reason), else nil: what may be quoted from a provider's answer.
    static func identifier(_ text: String) -> String? {
        let allowed = text.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
        }
        return allowed && (1...128).contains(text.utf8.count) ? text : nil
    }
}
