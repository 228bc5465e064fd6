import NIOCore
import NIOHTTP1

/// What the server does with a request.
enum WireAction: Sendable {
    /// Sends this answer.
    case reply(WireReply)
    /// Closes the connection without an answer.
    case drop
}

/// One HTTP answer.
struct WireReply: Sendable {
    /// How the body is sent.
    enum Delivery: Sendable, Equatable {
        /// Whole, with `content-length`.
        case whole
        /// Chunked, in pieces; the body is cut after `bytes` bytes, then either properly ended
        /// (`cleanEnd`) or the connection is closed mid-body. nil `bytes`: the whole body.
        case stream(cutAfter: Int?, cleanEnd: Bool)
        /// Chunked, the body sent again and again until the client hangs up or `upTo` bytes
        /// were sent (then the connection is closed mid-body).
        case repeating(upTo: Int)
    }

    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer
    var delivery = Delivery.whole

    /// A JSON answer.
    static func json(_ value: WireJSON, status: HTTPResponseStatus = .ok) -> WireReply {
        WireReply(status: status, headers: ["content-type": "application/json"], body: value.buffer())
    }

    /// An Anthropic error answer `{"type":"error","error":{"type","message"},"request_id"}` with
    /// its `request-id` header; the type follows the status unless given.
    static func anthropicError(_ status: Int, _ message: String, type: String? = nil) -> WireReply {
        let requestID = WireID.make("req_")
        var reply = json(["type": "error",
                          "error": ["type": .string(type ?? anthropicErrorType(status)), "message": .string(message)],
                          "request_id": .string(requestID)],
                         status: httpStatus(status))
        reply.headers.add(name: "request-id", value: requestID)
        return reply
    }

    /// An OpenAI error answer `{"error":{"message","type","param","code"}}` with its
    /// `x-request-id` header.
    static func openAIError(_ status: Int, _ message: String, type: String? = nil, code: String? = nil) -> WireReply {
        let (defaultType, defaultCode) = openAIErrorType(status)
        var reply = json(["error": ["message": .string(message), "type": .string(type ?? defaultType), "param": nil,
                                    "code": .optional(code ?? defaultCode)]],
                         status: httpStatus(status))
        reply.headers.add(name: "x-request-id", value: WireID.make("req_"))
        return reply
    }

    /// The error answer of `route`'s API.
    static func error(_ status: Int, _ message: String, on route: EmulatorRoute) -> WireReply {
        route.isAnthropic ? anthropicError(status, message) : openAIError(status, message)
    }

    /// The HTTP status of a code, with a reason phrase for the non-standard 529.
    static func httpStatus(_ code: Int) -> HTTPResponseStatus {
        code == 529 ? .custom(code: 529, reasonPhrase: "Overloaded") : HTTPResponseStatus(statusCode: code)
    }

    private static func anthropicErrorType(_ status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 408, 504: "timeout_error"
        case 409: "conflict_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        default: "api_error"
        }
    }

    private static func openAIErrorType(_ status: Int) -> (type: String, code: String?) {
        switch status {
        case 401: ("invalid_request_error", "invalid_api_key")
        case 404: ("invalid_request_error", "not_found")
        case 429: ("rate_limit_error", "rate_limit_exceeded")
        case 500...: ("server_error", nil)
        default: ("invalid_request_error", nil)
        }
    }
}
