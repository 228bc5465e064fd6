/// A fault the emulator serves instead of (or around) the normal answer of a route.
///
/// Faults wait in one queue, in the order they were injected; a request takes the first pending
/// fault of its route (`truncateResults` is taken only when a results stream is about to be
/// sent) and each fault serves `times` requests.
///
/// ```swift
/// emulator.inject([
///     EmulatorFault(route: .createBatch, kind: .status(429, retryAfterSeconds: 1), times: 2),
///     EmulatorFault(route: .batchResults, kind: .truncateResults(afterLines: 10)),
/// ])
/// ```
///
/// Over admin HTTP the JSON is flat: `{"route":"createBatch","kind":"status","status":429,
/// "retryAfterSeconds":1,"times":2}`; the other kinds are `"dropConnection"`, `"dropResponse"`,
/// `"truncateResults"` (with `"afterLines"` and `"cleanEnd"`), `"delay"` (with `"seconds"`),
/// `"redirect"` (with `"status"` and `"location"`), `"endlessResults"` and `"hostileCounts"`.
public struct EmulatorFault: Sendable, Codable, Equatable {
    /// What happens to a request the fault applies to.
    public enum Kind: Sendable, Equatable {
        /// An error answer with this HTTP status (429, 500, 503, 529, ...) and the error body of
        /// the route's API, optionally with a `retry-after` (seconds) and/or `retry-after-ms` header.
        case status(_ code: Int, retryAfterSeconds: Double? = nil, retryAfterMilliseconds: Int? = nil)
        /// The connection is closed once the request was read, without processing or answering it.
        case dropConnection
        /// The request is processed (a batch is created, a completion counted), then the
        /// connection is closed without the answer: the client cannot know it succeeded.
        case dropResponse
        /// A results download stops after `afterLines` lines: with `cleanEnd` the body ends
        /// properly (fewer lines than the batch's `request_counts`), otherwise the connection is
        /// closed mid-body. Applies to `.batchResults` only.
        case truncateResults(afterLines: Int, cleanEnd: Bool = false)
        /// The request waits `seconds` longer before it is handled normally.
        case delay(seconds: Double)
        /// A redirect: this 3xx status with a `location` header, nothing processed.
        case redirect(status: Int, location: String)
        /// A results download that never ends: the batch's results repeated until the client
        /// hangs up (at most 4 GiB). Applies to `.batchResults` only.
        case endlessResults
        /// A batch object whose `request_counts` are absurd (1e300). Applies to `.retrieveBatch`.
        case hostileCounts

        /// `.status` with a labelled code.
        public static func status(code: Int, retryAfterSeconds: Double? = nil,
                                  retryAfterMilliseconds: Int? = nil) -> Kind {
            .status(code, retryAfterSeconds: retryAfterSeconds, retryAfterMilliseconds: retryAfterMilliseconds)
        }
    }

    /// The route the fault applies to.
    public var route: EmulatorRoute
    /// What the fault does.
    public var kind: Kind
    /// How many requests it applies to.
    public var times: Int

    /// A fault applying `kind` to the next `times` requests of `route`.
    public init(route: EmulatorRoute, kind: Kind, times: Int = 1) {
        self.route = route
        self.kind = kind
        self.times = times
    }

    private enum CodingKeys: String, CodingKey {
        case route, kind, times, status, retryAfterSeconds, retryAfterMilliseconds, afterLines, cleanEnd, seconds, location
    }

    /// Decodes the flat admin shape (see the type's documentation); `times` defaults to 1.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        route = try container.decode(EmulatorRoute.self, forKey: .route)
        times = try container.decodeIfPresent(Int.self, forKey: .times) ?? 1
        switch try container.decode(String.self, forKey: .kind) {
        case "status":
            kind = .status(try container.decode(Int.self, forKey: .status),
                           retryAfterSeconds: try container.decodeIfPresent(Double.self, forKey: .retryAfterSeconds),
                           retryAfterMilliseconds: try container.decodeIfPresent(Int.self, forKey: .retryAfterMilliseconds))
        case "dropConnection": kind = .dropConnection
        case "dropResponse": kind = .dropResponse
        case "truncateResults":
            kind = .truncateResults(afterLines: try container.decode(Int.self, forKey: .afterLines),
                                    cleanEnd: try container.decodeIfPresent(Bool.self, forKey: .cleanEnd) ?? false)
        case "delay": kind = .delay(seconds: try container.decode(Double.self, forKey: .seconds))
        case "redirect":
            kind = .redirect(status: try container.decode(Int.self, forKey: .status),
                             location: try container.decode(String.self, forKey: .location))
        case "endlessResults": kind = .endlessResults
        case "hostileCounts": kind = .hostileCounts
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown fault kind \(other)")
        }
    }

    /// Encodes the flat admin shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(route, forKey: .route)
        try container.encode(times, forKey: .times)
        switch kind {
        case let .status(code, seconds, milliseconds):
            try container.encode("status", forKey: .kind)
            try container.encode(code, forKey: .status)
            try container.encodeIfPresent(seconds, forKey: .retryAfterSeconds)
            try container.encodeIfPresent(milliseconds, forKey: .retryAfterMilliseconds)
        case .dropConnection: try container.encode("dropConnection", forKey: .kind)
        case .dropResponse: try container.encode("dropResponse", forKey: .kind)
        case let .truncateResults(lines, cleanEnd):
            try container.encode("truncateResults", forKey: .kind)
            try container.encode(lines, forKey: .afterLines)
            try container.encode(cleanEnd, forKey: .cleanEnd)
        case let .delay(seconds):
            try container.encode("delay", forKey: .kind)
            try container.encode(seconds, forKey: .seconds)
        case let .redirect(status, location):
            try container.encode("redirect", forKey: .kind)
            try container.encode(status, forKey: .status)
            try container.encode(location, forKey: .location)
        case .endlessResults: try container.encode("endlessResults", forKey: .kind)
        case .hostileCounts: try container.encode("hostileCounts", forKey: .kind)
        }
    }
}
