import CurationProviders
import CurationStore
import Foundation

// How a `curate.toml` (with the command line and the environment) configures the providers and
// the embedder: the providers themselves take plain values.

extension RemoteCuratorSettings {
    /// The settings of remote provider `provider` (`RemoteEndpoint`'s rules apply).
    /// - Parameters:
    ///   - baseURLOverride: `--base-url`, which wins over the environment and the config.
    ///   - environment: where the API key and the base-URL variable are read.
    /// - Throws: `JobError.providerMisconfigured` for an unknown provider, a missing or unusable
    ///   key, or a base URL that is not https (or http to loopback, unless the config allows
    ///   insecure http).
    public static func resolve(provider: String, config: CurateConfig, baseURLOverride: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(JobError) -> RemoteCuratorSettings {
        guard let fallback = defaults[provider] else {
            throw .providerMisconfigured(provider: provider, reason: "not a remote provider")
        }
        let base = baseURLOverride ?? environment[fallback.baseURLEnv].flatMap { $0.isEmpty ? nil : $0 }
            ?? config.baseURL ?? fallback.baseURL
        if let problem = RemoteEndpoint.problem(withBaseURL: base, allowInsecureHTTP: config.allowInsecureHTTP) {
            throw .providerMisconfigured(provider: provider, reason: problem)
        }
        let key: APIKey
        switch RemoteEndpoint.key(in: config.apiKeyEnv ?? fallback.apiKeyEnv, of: environment) {
        case let .success(found): key = found
        case let .failure(problem): throw .providerMisconfigured(provider: provider, reason: "\(problem) (api_key_env, --api-key-env)")
        }
        return RemoteCuratorSettings(
            provider: provider, baseURL: base, apiKey: key,
            model: config.model ?? fallback.model, limits: config.batchLimits,
            pollInterval: .seconds(config.pollIntervalSeconds), concurrency: config.concurrency)
    }
}

extension LocalCurator {
    /// A local curator with the thresholds of `config`.
    public init(store: CurationStore, config: CurateConfig) {
        self.init(store: store, mergeThreshold: config.localMergeThreshold, confidenceFloor: config.localConfidenceFloor,
                  limits: config.batchLimits)
    }
}

extension OpenAICompatibleEmbedder {
    /// An embedder configured by the `[embedder]` keys of `config`.
    /// - Parameters:
    ///   - store: where the cache lives.
    ///   - http: the client requests go through (its retries and timeout apply).
    ///   - requestDimensions: send `dimensions: embedding_dim` with every request.
    ///   - environment: where the key (`embedding_api_key_env`) and `$CURATE_OPENAI_BASE_URL`
    ///     are read. The base URL is `embedding_base_url`, else that variable, else
    ///     `defaultBaseURL`.
    /// - Throws: `ConfigError` (no line) when the key variable is unset, empty or holds a
    ///   character that cannot be sent, or the base URL breaks `RemoteEndpoint`'s rules.
    public convenience init(store: CurationStore, config: CurateConfig, http: ProviderHTTPClient, requestDimensions: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError {
            ConfigError(path: CurateConfig.fileName, message: "embedder \(Self.name.debugDescription): \(message)")
        }
        let base = config.embeddingBaseURL ?? environment[Self.baseURLVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultBaseURL
        if let problem = RemoteEndpoint.problem(withBaseURL: base, allowInsecureHTTP: config.allowInsecureHTTP) {
            throw fail(problem)
        }
        let key: APIKey
        switch RemoteEndpoint.key(in: config.embeddingAPIKeyEnv, of: environment) {
        case let .success(found): key = found
        case let .failure(problem): throw fail("\(problem) (config: embedding_api_key_env)")
        }
        guard let encoding = Encoding(rawValue: config.embeddingEncoding) else {
            throw fail("embedding_encoding \(config.embeddingEncoding.debugDescription) is neither \"float\" nor \"base64\"")
        }
        self.init(store: store, model: config.embeddingModel, dimension: config.embeddingDim, baseURL: base, apiKey: key,
                  encoding: encoding, batchSize: config.embeddingBatchSize, requestDimensions: requestDimensions, http: http)
    }
}
