import Foundation
import NIOCore

/// The Anthropic Message Batches endpoints.
extension EmulatorCore {
    /// `POST /v1/messages/batches`: validates the requests (1 to `maxBatchRequests`, unique
    /// `custom_id`s matching `^[a-zA-Z0-9_-]{1,64}$`, `params` with `messages`), fixes each
    /// request's outcome (`errored` for params the API rejects, see `ConversationBody.rejection`,
    /// else from the rules), and answers the new batch `in_progress`.
    func createBatch(_ request: WireRequest) -> WireReply {
        let body: CreateBatchBody
        do {
            body = try request.decode(CreateBatchBody.self)
        } catch {
            return .anthropicError(400, "invalid request body: \(Self.describe(error)) (\(request.promptExcerpt))")
        }
        guard !body.requests.isEmpty else { return .anthropicError(400, "requests: at least one request is required") }
        guard body.requests.count <= configuration.maxBatchRequests else {
            return .anthropicError(413, "requests: at most \(configuration.maxBatchRequests) requests per batch, "
                                   + "got \(body.requests.count)")
        }
        var seen = Set<String>(minimumCapacity: body.requests.count)
        for (position, entry) in body.requests.enumerated() {
            guard Self.isValidCustomID(entry.customID) else {
                return .anthropicError(400, "requests.\(position).custom_id: must match ^[a-zA-Z0-9_-]{1,64}$")
            }
            guard seen.insert(entry.customID).inserted else {
                return .anthropicError(400, "requests.\(position).custom_id: \(entry.customID) is not unique in the batch")
            }
        }
        let rules = state.withLock { $0.rules }
        let requests = body.requests.enumerated().map { position, entry in
            let rejection = entry.params.rejection
            let outcome = rejection == nil ? rules.outcome(customID: entry.customID, ordinal: position + 1) : .errored
            return BatchRecord.Request(customID: entry.customID, outcome: outcome, rejection: rejection,
                                       model: entry.params.model ?? "claude-emulator", toolName: entry.params.toolName,
                                       userText: entry.params.userText)
        }
        let now = Date()
        let batch = BatchRecord(id: WireID.make("msgbatch_"), createdAt: now,
                                endsAt: now.addingTimeInterval(configuration.processingDelay), requests: requests)
        state.withLock { state in
            state.batches[batch.id] = batch
            state.batchOrder.append(batch.id)
            state.stats.batchesCreated += 1
            state.stats.processingSeconds += configuration.processingDelay
            for request in requests { state.countSubmission(request.customID) }
        }
        return .json(batch.json(at: now, baseURL: baseURL, status: "in_progress"))
    }

    /// `GET /v1/messages/batches/{id}`.
    func retrieveBatch(_ id: String) -> WireReply {
        guard let batch = state.withLock({ $0.batches[id] }) else { return Self.noBatch(id) }
        return .json(batch.json(at: Date(), baseURL: baseURL))
    }

    /// `GET /v1/messages/batches?limit=&after_id=&before_id=`: newest first; `after_id` pages
    /// towards older batches, `before_id` towards newer ones.
    func listBatches(_ request: WireRequest) -> WireReply {
        let query = request.query
        let limit = query["limit"].map { Int($0) ?? 0 } ?? 20
        guard (1...1000).contains(limit) else { return .anthropicError(400, "limit: must be between 1 and 1000") }
        let (newest, batches) = state.withLock { state in (Array(state.batchOrder.reversed()), state.batches) }
        let page: ArraySlice<String>
        let hasMore: Bool
        if let after = query["after_id"] {
            guard let cursor = newest.firstIndex(of: after) else { return Self.noBatch(after) }
            page = newest[(cursor + 1)...].prefix(limit)
            hasMore = cursor + 1 + limit < newest.count
        } else if let before = query["before_id"] {
            guard let cursor = newest.firstIndex(of: before) else { return Self.noBatch(before) }
            page = newest[max(0, cursor - limit)..<cursor]
            hasMore = cursor - limit > 0
        } else {
            page = newest.prefix(limit)
            hasMore = newest.count > limit
        }
        let now = Date()
        return .json(["data": .array(page.compactMap { batches[$0]?.json(at: now, baseURL: baseURL) }),
                      "has_more": .bool(hasMore), "first_id": .optional(page.first), "last_id": .optional(page.last)])
    }

    /// `POST /v1/messages/batches/{id}/cancel`: a batch still in progress answers `canceling`
    /// and has ended, all requests canceled, right after; an ended batch is answered as it is.
    func cancelBatch(_ id: String) -> WireReply {
        let now = Date()
        let outcome: (batch: BatchRecord, canceling: Bool)? = state.withLock { state in
            guard var batch = state.batches[id] else { return nil }
            guard !batch.hasEnded(at: now) else { return (batch, false) }
            if batch.cancelInitiatedAt == nil {
                batch.cancelInitiatedAt = now
                state.batches[id] = batch
            }
            return (batch, true)
        }
        guard let outcome else { return Self.noBatch(id) }
        return .json(outcome.batch.json(at: now, baseURL: baseURL, status: outcome.canceling ? "canceling" : nil))
    }

    /// `GET /v1/messages/batches/{id}/results`: the JSONL results, streamed in pieces, once the
    /// batch has ended (404 before); a pending `truncateResults` fault cuts the stream.
    func batchResults(_ id: String) -> WireReply {
        let now = Date()
        guard let batch = state.withLock({ $0.batches[id] }) else { return Self.noBatch(id) }
        guard batch.hasEnded(at: now) else {
            return .anthropicError(404, "batch \(id) has not ended yet: its results are not available")
        }
        let body: ByteBuffer
        if let cached = batch.results {
            body = cached
        } else {
            let rendered = batch.renderResults()
            state.withLock { state in state.batches[id]?.results = rendered }
            body = rendered
        }
        let fault = state.withLock { state in
            state.takeFault(for: .batchResults) { kind in
                switch kind {
                case .truncateResults, .endlessResults: true
                default: false
                }
            }
        }
        var delivery = WireReply.Delivery.stream(cutAfter: nil, cleanEnd: true)
        if case let .truncateResults(lines, cleanEnd)? = fault {
            delivery = .stream(cutAfter: Self.byteCount(ofLines: lines, in: body), cleanEnd: cleanEnd)
        } else if case .endlessResults? = fault {
            delivery = .repeating(upTo: 4 << 30)
        }
        return WireReply(status: .ok, headers: ["content-type": "application/binary"], body: body, delivery: delivery)
    }

    /// `DELETE /v1/messages/batches/{id}`: only once the batch has ended.
    func deleteBatch(_ id: String) -> WireReply {
        let now = Date()
        let found: Bool? = state.withLock { state in
            guard let batch = state.batches[id] else { return nil }
            guard batch.hasEnded(at: now) else { return false }
            state.batches[id] = nil
            state.batchOrder.removeAll { $0 == id }
            return true
        }
        switch found {
        case nil: return Self.noBatch(id)
        case false?: return .anthropicError(400, "batch \(id) is still in progress; cancel it before deleting it")
        case true?: return .json(["id": .string(id), "type": "message_batch_deleted"])
        }
    }

    /// Whether `id` matches `^[a-zA-Z0-9_-]{1,64}$`.
    static func isValidCustomID(_ id: String) -> Bool {
        let bytes = id.utf8
        return (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// The byte length of the first `lines` lines of `body` (all of it when it has fewer).
    static func byteCount(ofLines lines: Int, in body: ByteBuffer) -> Int {
        var remaining = lines
        let bytes = body.readableBytesView
        guard remaining > 0 else { return 0 }
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            remaining -= 1
            if remaining == 0 { return index - bytes.startIndex + 1 }
        }
        return bytes.count
    }

    /// A short description of a decoding error (its coding path and reason).
    static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, context):
            "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
             let DecodingError.dataCorrupted(context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "not JSON of the expected shape"
        }
    }

    private static func noBatch(_ id: String) -> WireReply {
        .anthropicError(404, "no message batch with id \(id)")
    }
}
