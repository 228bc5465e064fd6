import Foundation
import NIOCore

/// One message batch the emulator holds.
///
/// The batch is `in_progress` until `endsAt` (its creation plus `processingDelay`), then
/// `ended`; the state is evaluated whenever the batch is looked at, so no timer runs. A cancel
/// before the end makes the batch `canceling` in the cancel answer and `ended`, with every
/// request `canceled`, right after.
struct BatchRecord: Sendable {
    /// One request of the batch.
    struct Request: Sendable {
        var customID: String
        /// `.errored` for params the API rejects (`rejection`), else the outcome of the rule that
        /// selected it when the batch was created; nil: a normal answer.
        var outcome: EmulatorOutcomeRule.Outcome?
        /// The `invalid_request_error` message of params the API rejects; nil: valid params.
        var rejection: String?
        var model: String
        var toolName: String?
        var userText: String
    }

    let id: String
    let createdAt: Date
    var endsAt: Date
    var cancelInitiatedAt: Date?
    let requests: [Request]
    /// The JSONL results, rendered at the first download.
    var results: ByteBuffer?

    /// `expires_at` is this long after `created_at`.
    static let lifetime: TimeInterval = 24 * 3600

    /// When the batch ended (or will end), taking a cancel into account.
    var endedAt: Date {
        min(endsAt, cancelInitiatedAt ?? endsAt)
    }

    /// Whether the batch was canceled before it ended.
    var wasCanceled: Bool {
        cancelInitiatedAt.map { $0 < endsAt } ?? false
    }

    /// Whether the batch has ended at `now`.
    func hasEnded(at now: Date) -> Bool {
        now >= endsAt || (cancelInitiatedAt.map { now > $0 } ?? false)
    }

    /// The batch object as the API shows it at `now`; `status` overrides the processing status
    /// (the create and cancel answers show `in_progress` and `canceling`).
    func json(at now: Date, baseURL: String, status: String? = nil) -> WireJSON {
        let ended = status == nil && hasEnded(at: now)
        let processingStatus = status ?? (ended ? "ended" : cancelInitiatedAt == nil ? "in_progress" : "canceling")
        var counts = (processing: requests.count, succeeded: 0, errored: 0, canceled: 0, expired: 0)
        if ended {
            counts.processing = 0
            for request in requests {
                switch wasCanceled ? .canceled : request.outcome {
                case nil, .refusal?, .scripted?: counts.succeeded += 1
                case .errored?: counts.errored += 1
                case .canceled?: counts.canceled += 1
                case .expired?: counts.expired += 1
                }
            }
        }
        return [
            "id": .string(id),
            "type": "message_batch",
            "processing_status": .string(processingStatus),
            "request_counts": ["processing": .int(counts.processing), "succeeded": .int(counts.succeeded),
                               "errored": .int(counts.errored), "canceled": .int(counts.canceled),
                               "expired": .int(counts.expired)],
            "ended_at": ended ? .string(Self.timestamp(endedAt)) : nil,
            "created_at": .string(Self.timestamp(createdAt)),
            "expires_at": .string(Self.timestamp(createdAt.addingTimeInterval(Self.lifetime))),
            "archived_at": nil,
            "cancel_initiated_at": .optional(cancelInitiatedAt.map(Self.timestamp)),
            "results_url": ended ? .string("\(baseURL)/v1/messages/batches/\(id)/results") : nil,
        ]
    }

    /// The JSONL results body: one `{"custom_id","result"}` line per request, in request order.
    /// - Complexity: O(total size of the requests' prompts).
    func renderResults() -> ByteBuffer {
        var body: [UInt8] = []
        body.reserveCapacity(requests.count * 1024)
        for request in requests {
            let result: WireJSON
            switch wasCanceled ? .canceled : request.outcome {
            case nil:
                result = ["type": "succeeded", "message": EmulatedReplies.message(for: request, refusal: false)]
            case .refusal?:
                result = ["type": "succeeded", "message": EmulatedReplies.message(for: request, refusal: true)]
            case let .scripted(content, stopReason)?:
                result = ["type": "succeeded",
                          "message": EmulatedReplies.scriptedMessage(for: request, content: content, stopReason: stopReason)]
            case .errored?:
                let message = request.rejection ?? "emulated per-request failure (\(ProviderEmulator.secretMarker) "
                    + "\(request.userText.prefix(60)))"
                result = ["type": "errored",
                          "error": ["type": "error", "error": ["type": "invalid_request_error", "message": .string(message)],
                                    "request_id": .string(WireID.make("req_"))]]
            case .expired?: result = ["type": "expired"]
            case .canceled?: result = ["type": "canceled"]
            }
            WireJSON.object([("custom_id", .string(request.customID)), ("result", result)]).write(to: &body)
            body.append(UInt8(ascii: "\n"))
        }
        return ByteBuffer(bytes: body)
    }

    /// RFC 3339 with fractional seconds, UTC (`2024-08-20T18:37:24.100Z`).
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
