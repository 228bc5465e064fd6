import NIOHTTP1

/// The provider endpoints the emulator serves; faults and request counts are kept per route.
public enum EmulatorRoute: String, Sendable, Codable, CaseIterable {
    /// `POST /v1/messages/batches`
    case createBatch
    /// `GET /v1/messages/batches/{id}`
    case retrieveBatch
    /// `GET /v1/messages/batches`
    case listBatches
    /// `POST /v1/messages/batches/{id}/cancel`
    case cancelBatch
    /// `GET /v1/messages/batches/{id}/results` (JSONL)
    case batchResults
    /// `DELETE /v1/messages/batches/{id}`
    case deleteBatch
    /// `POST /v1/chat/completions`
    case chatCompletions
    /// `POST /v1/embeddings`
    case embeddings

    /// Whether the route belongs to the Anthropic API (else the OpenAI-compatible one), which
    /// decides the headers it checks and the shape of its error bodies.
    var isAnthropic: Bool {
        switch self {
        case .chatCompletions, .embeddings: false
        default: true
        }
    }

    /// The route of a request and the batch id in its path, if any; nil for an unknown path.
    static func match(method: HTTPMethod, path: String) -> (route: EmulatorRoute, batchID: String?)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (method, parts.count) {
        case (.POST, 3) where parts == ["v1", "chat", "completions"]: return (.chatCompletions, nil)
        case (.POST, 2) where parts == ["v1", "embeddings"]: return (.embeddings, nil)
        default: break
        }
        guard parts.count >= 3, parts[0...2] == ["v1", "messages", "batches"] else { return nil }
        switch (method, parts.count) {
        case (.POST, 3): return (.createBatch, nil)
        case (.GET, 3): return (.listBatches, nil)
        case (.GET, 4): return (.retrieveBatch, parts[3])
        case (.DELETE, 4): return (.deleteBatch, parts[3])
        case (.POST, 5) where parts[4] == "cancel": return (.cancelBatch, parts[3])
        case (.GET, 5) where parts[4] == "results": return (.batchResults, parts[3])
        default: return nil
        }
    }
}
