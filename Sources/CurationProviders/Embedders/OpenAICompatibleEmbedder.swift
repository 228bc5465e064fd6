import CurationStore
import Foundation
import Synchronization

/// An embedder on an OpenAI-compatible `POST {baseURL}/embeddings` endpoint (OpenAI, Ollama,
/// vLLM, text-embeddings-inference), with a cache in the store.
///
/// - **Cache**: vectors are kept in `embedding_cache` keyed by model and the SHA-256 of the text
///   (`EmbeddingCache`). A text already cached is never sent; each request's new vectors are
///   written to the cache as soon as the request succeeds, so an interrupted import loses at
///   most one request's work. A text repeated in one call is sent once.
/// - **Batches**: at most `batchSize` texts (`embedding_batch_size`, ≤ 2048) per request, one
///   request at a time.
/// - **Checks**: vectors are ordered by their `index`; each must have `dimension` values, all
///   finite as float32, or the whole call fails with a clear error (nothing unchecked is cached).
/// - **`dimensions`**: sent only when asked (`requestDimensions`, for models that can shorten
///   their vectors, e.g. text-embedding-3); otherwise the model's own dimension must equal
///   `embedding_dim` (a mismatch fails naming both).
/// - **Blank texts** (empty or only whitespace), which the API refuses, get the zero vector
///   without a call, as with `HashingEmbedder`.
///
/// ```swift
/// let embedder = OpenAICompatibleEmbedder(store: store, model: "text-embedding-3-small", dimension: 384,
///                                          baseURL: "https://api.openai.com/v1", apiKey: key, encoding: .base64,
///                                          batchSize: 512, requestDimensions: true, http: ProviderHTTPClient())
/// let vectors = try await embedder.embed(["curl. Command line tool"])
/// print(embedder.counts.sent, embedder.counts.cached)
/// ```
public final class OpenAICompatibleEmbedder: Embedder {
    /// How vectors travel in replies (`embedding_encoding`).
    public enum Encoding: String, Sendable {
        /// JSON numbers.
        case float
        /// Base64 of little-endian float32 bytes.
        case base64
    }

    /// The name of this embedder in `curate.toml` (`embedder = "openai-compatible"`).
    public static let name = "openai-compatible"
    /// The base URL used when neither the config nor `$CURATE_OPENAI_BASE_URL` gives one.
    public static let defaultBaseURL = "https://api.openai.com/v1"
    /// The environment variable that gives the base URL when the config does not.
    public static let baseURLVariable = "CURATE_OPENAI_BASE_URL"

    /// The embedding model (`embedding_model`), also the cache's and the store's key.
    public let model: String
    /// The values of every vector (`embedding_dim`).
    public let dimension: Int
    /// The API base URL with `/v1`, without a trailing slash.
    public let baseURL: String
    /// How vectors travel.
    public let encoding: Encoding
    /// Texts per request, 1 to 2048.
    public let batchSize: Int
    /// Whether `dimensions` is sent with every request.
    public let requestDimensions: Bool

    private let apiKey: APIKey
    private let http: ProviderHTTPClient
    private let cache: EmbeddingCache
    private let tally = Mutex(EmbeddingCounts())

    /// An embedder of `model` at `baseURL` (with `/v1`; a trailing slash is dropped).
    /// - Parameters:
    ///   - store: where the cache lives.
    ///   - dimension: the values of every vector.
    ///   - batchSize: texts per request, clamped to 1...2048.
    ///   - requestDimensions: send `dimensions: dimension` with every request.
    ///   - http: the client requests go through (its retries and timeout apply).
    public init(store: CurationStore, model: String, dimension: Int, baseURL: String, apiKey: APIKey, encoding: Encoding,
                batchSize: Int, requestDimensions: Bool = false, http: ProviderHTTPClient) {
        self.model = model
        self.dimension = dimension
        self.baseURL = RemoteEndpoint.trimmed(baseURL)
        self.encoding = encoding
        self.batchSize = min(max(1, batchSize), 2048)
        self.requestDimensions = requestDimensions
        self.apiKey = apiKey
        self.http = http
        self.cache = EmbeddingCache(store: store, model: model, dimension: dimension)
    }

    /// What this embedder has done so far (for reports).
    public var counts: EmbeddingCounts { tally.withLock { $0 } }
    /// HTTP attempts (first tries and retries) made so far.
    public var httpStats: ProviderHTTPStats { http.stats }

    /// One vector per text, in order: blank texts get zeros, cached texts their cached vector,
    /// the others are fetched `batchSize` distinct texts per request and cached.
    /// - Throws: `OpenAICompatibleEmbedderError`; the vectors of requests that succeeded before
    ///   the failure stay cached.
    /// - Complexity: one cache read, then ⌈distinct uncached texts / `batchSize`⌉ requests,
    ///   each followed by one cache write.
    public func embed(_ texts: [String]) async throws(OpenAICompatibleEmbedderError) -> [[Float]] {
        var vectors = [[Float]](repeating: [], count: texts.count)
        var positions: [String: [Int]] = [:]
        var keys: [String] = []
        var textOfKey: [String: String] = [:]
        var blank = 0
        for (position, text) in texts.enumerated() {
            guard !text.allSatisfy(\.isWhitespace) else {
                vectors[position] = [Float](repeating: 0, count: dimension)
                blank += 1
                continue
            }
            let key = EmbeddingCache.key(text)
            if positions[key] == nil {
                keys.append(key)
                textOfKey[key] = text
            }
            positions[key, default: []].append(position)
        }
        func place(_ vector: [Float], key: String) {
            for position in positions[key] ?? [] { vectors[position] = vector }
        }
        let cached = try storeAccess { try cache.vectors(for: keys) }
        for (key, vector) in cached { place(vector, key: key) }
        tally.withLock { $0.cached += cached.count; $0.blank += blank }
        let missing = keys.filter { cached[$0] == nil }
        var start = 0
        while start < missing.count {
            let chunk = Array(missing[start..<min(start + batchSize, missing.count)])
            start += chunk.count
            let fetched = try await fetch(chunk.map { textOfKey[$0] ?? "" })
            try storeAccess { try cache.insert(Array(zip(chunk, fetched))) }
            for (key, vector) in zip(chunk, fetched) { place(vector, key: key) }
            tally.withLock { $0.sent += chunk.count; $0.requests += 1 }
        }
        return vectors
    }

    // MARK: Implementation

    /// The checked vectors of `inputs`, from one request.
    private func fetch(_ inputs: [String]) async throws(OpenAICompatibleEmbedderError) -> [[Float]] {
        let request = ProviderHTTPRequest(
            method: "POST", url: baseURL + "/embeddings",
            headers: [("authorization", "Bearer \(apiKey.value)"), ("content-type", "application/json")],
            body: EmbeddingsWire.body(model: model, inputs: inputs, encoding: encoding,
                                      dimensions: requestDimensions ? dimension : nil),
            operation: "embeddings")
        let response: ProviderHTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw .http(error)
        }
        return try EmbeddingsWire.vectors(ofReply: response.body, count: inputs.count, dimension: dimension, model: model)
    }

    private func storeAccess<T>(_ body: () throws -> T) throws(OpenAICompatibleEmbedderError) -> T {
        do {
            return try body()
        } catch {
            throw .store("\(error)")
        }
    }
}

/// What an `OpenAICompatibleEmbedder` has done, counted over every call.
public struct EmbeddingCounts: Sendable, Equatable {
    /// Distinct texts sent to the API (a text repeated in one call counts once).
    public var sent = 0
    /// Distinct texts served from the cache, without a call.
    public var cached = 0
    /// Blank texts given the zero vector, without a call.
    public var blank = 0
    /// `/embeddings` requests that succeeded.
    public var requests = 0

    /// All zero.
    public init() {}
}
