import CurationStore

/// Why `OpenAICompatibleEmbedder` could not embed a list of texts. Descriptions never quote a
/// reply body or the API key.
public enum OpenAICompatibleEmbedderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `/embeddings` call failed (after the client's retries).
    case http(ProviderHTTPError)
    /// The reply is not an embeddings list for the texts sent; `reason` says what is wrong.
    case malformedReply(model: String, reason: String)
    /// The model returned vectors of `received` values where `expected` (`embedding_dim`) were
    /// asked for.
    case wrongDimension(model: String, expected: Int, received: Int)
    /// The vector of input `index` (0-based, in the request) holds a NaN or an infinity, or a
    /// number beyond the float32 range.
    case nonFinite(model: String, index: Int)
    /// The embedding cache could not be read or written.
    case store(String)

    public var description: String {
        switch self {
        case let .http(error): "embeddings: \(error)"
        case let .malformedReply(model, reason): "embeddings of \(model): malformed reply: \(reason)"
        case let .wrongDimension(model, expected, received):
            "embeddings of \(model) have \(received) values, expected \(expected) (embedding_dim): "
                + "set embedding_dim = \(received), or use a model (or `dimensions`) giving \(expected)"
        case let .nonFinite(model, index): "embedding \(index) of \(model) holds a value that is not a finite float32"
        case let .store(reason): "embedding cache: \(reason)"
        }
    }
}
