import Foundation

/// `POST /v1/chat/completions`.
extension EmulatorCore {
    /// Answers a chat completion with the emulated curator's tool call, or with the outcome a
    /// rule selects (see `EmulatorOutcomeRule`).
    ///
    /// The request's `custom_id`, counted in `submissionsByCustomID` and matched by
    /// `customIDSuffix` rules, is read from `metadata.custom_id`, else `user`, else the
    /// `x-custom-id` header; a request without one is counted nowhere and only `everyKth` rules
    /// apply to it.
    func chatCompletion(_ request: WireRequest) -> WireReply {
        let body: ConversationBody
        do {
            body = try request.decode(ConversationBody.self)
        } catch {
            return .openAIError(400, "invalid request body: \(Self.describe(error)) (\(request.promptExcerpt))")
        }
        let customID = body.metadata?.customID ?? body.user ?? request.header("x-custom-id")
        let outcome = state.withLock { state in
            state.chatOrdinal += 1
            if let customID { state.countSubmission(customID) }
            return state.rules.outcome(customID: customID, ordinal: state.chatOrdinal)
        }
        let excerpt = request.promptExcerpt
        switch outcome {
        case .errored?:
            return .openAIError(400, "emulated per-request failure (\(excerpt))", type: "invalid_request_error")
        case .expired?:
            return .openAIError(504, "emulated expiry (\(excerpt))", type: "timeout")
        case .canceled?:
            return .openAIError(409, "emulated cancellation (\(excerpt))", type: "request_canceled")
        case let .scripted(content, stopReason)?:
            return .json(EmulatedReplies.scriptedChatCompletion(model: body.model ?? "emulator-chat", userText: body.userText,
                                                                content: content, stopReason: stopReason))
        case .refusal?, nil:
            return .json(EmulatedReplies.chatCompletion(model: body.model ?? "emulator-chat", toolName: body.toolName,
                                                        userText: body.userText, refusal: outcome == .refusal))
        }
    }
}
