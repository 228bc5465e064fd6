import Foundation

/// `POST /v1/embeddings`.
extension EmulatorCore {
    /// The most inputs one request may carry.
    static let maxEmbeddingInputs = 2048

    /// Embeds each input (see `EmulatedEmbedding`), as float arrays or base64 little-endian
    /// float32; `data` is in index order unless `shuffleEmbeddings` reverses it.
    func embeddings(_ request: WireRequest) -> WireReply {
        let body: EmbeddingsBody
        do {
            body = try request.decode(EmbeddingsBody.self)
        } catch is EmbeddingsBody.UnsupportedInput {
            return .openAIError(400, "input: must be a string or an array of strings")
        } catch {
            return .openAIError(400, "invalid request body: \(Self.describe(error)) (\(request.promptExcerpt))")
        }
        guard (1...Self.maxEmbeddingInputs).contains(body.input.count) else {
            return .openAIError(400, "input: between 1 and \(Self.maxEmbeddingInputs) inputs per request, "
                                + "got \(body.input.count)", code: "invalid_input")
        }
        if let empty = body.input.firstIndex(where: \.isEmpty) {
            return .openAIError(400, "input[\(empty)]: must not be an empty string", code: "invalid_input")
        }
        let dimension = body.dimensions ?? configuration.embeddingDimension
        guard (1...65536).contains(dimension) else { return .openAIError(400, "dimensions: must be between 1 and 65536") }
        let base64: Bool
        switch body.encodingFormat ?? "float" {
        case "float": base64 = false
        case "base64": base64 = true
        default: return .openAIError(400, "encoding_format: must be float or base64")
        }
        var data = body.input.enumerated().map { index, text -> WireJSON in
            let vector = EmulatedEmbedding.vector(for: text, dimension: dimension)
            let embedding: WireJSON = base64 ? .string(EmulatedEmbedding.base64(vector)) : .array(vector.map(WireJSON.float))
            return ["object": "embedding", "index": .int(index), "embedding": embedding]
        }
        if configuration.shuffleEmbeddings { data.reverse() }
        let tokens = body.input.reduce(0) { $0 + EmulatedReplies.tokens($1.utf8.count) }
        state.withLock { $0.stats.embeddedInputs += body.input.count }
        return .json(["object": "list", "data": .array(data), "model": .string(body.model ?? "emulator-embedding"),
                      "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)]])
    }
}
