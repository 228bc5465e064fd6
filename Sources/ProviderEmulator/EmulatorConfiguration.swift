/// How a `ProviderEmulator` behaves when no fault is pending.
///
/// ```swift
/// let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.2, apiKey: "test-key"))
/// ```
public struct EmulatorConfiguration: Sendable, Codable, Equatable {
    /// Seconds a message batch stays `in_progress` after its creation before it has `ended`.
    public var processingDelay: Double
    /// Seconds every chat completion and embeddings request waits before it is answered.
    public var requestDelay: Double
    /// The key requests must carry (`x-api-key` for Anthropic routes, `Authorization: Bearer`
    /// for OpenAI-compatible ones); nil: any key or none is accepted.
    public var apiKey: String?
    /// The most requests one message batch may hold (the API's limit is 100,000).
    public var maxBatchRequests: Int
    /// The largest create-batch body in bytes; a larger one is answered 413 `request_too_large`.
    public var maxBatchBytes: Int
    /// The dimension of embeddings when a request does not ask for `dimensions`.
    public var embeddingDimension: Int
    /// When true, the `data` entries of an embeddings reply come in reverse index order (each
    /// still carries its `index`), so clients must sort by index.
    public var shuffleEmbeddings: Bool

    /// A configuration with the given settings; the defaults are the real APIs' limits and no delay.
    public init(processingDelay: Double = 0, requestDelay: Double = 0, apiKey: String? = nil,
                maxBatchRequests: Int = 100_000, maxBatchBytes: Int = 256_000_000, embeddingDimension: Int = 384,
                shuffleEmbeddings: Bool = false) {
        self.processingDelay = processingDelay
        self.requestDelay = requestDelay
        self.apiKey = apiKey
        self.maxBatchRequests = maxBatchRequests
        self.maxBatchBytes = maxBatchBytes
        self.embeddingDimension = embeddingDimension
        self.shuffleEmbeddings = shuffleEmbeddings
    }
}

extension EmulatorConfiguration {
    /// Decodes a configuration; every key is optional and falls back to the default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = EmulatorConfiguration()
        self.init(
            processingDelay: try container.decodeIfPresent(Double.self, forKey: .processingDelay) ?? defaults.processingDelay,
            requestDelay: try container.decodeIfPresent(Double.self, forKey: .requestDelay) ?? defaults.requestDelay,
            apiKey: try container.decodeIfPresent(String.self, forKey: .apiKey),
            maxBatchRequests: try container.decodeIfPresent(Int.self, forKey: .maxBatchRequests) ?? defaults.maxBatchRequests,
            maxBatchBytes: try container.decodeIfPresent(Int.self, forKey: .maxBatchBytes) ?? defaults.maxBatchBytes,
            embeddingDimension: try container.decodeIfPresent(Int.self, forKey: .embeddingDimension)
                ?? defaults.embeddingDimension,
            shuffleEmbeddings: try container.decodeIfPresent(Bool.self, forKey: .shuffleEmbeddings) ?? defaults.shuffleEmbeddings)
    }
}
