import Foundation

/// What a remote curator (`anthropic`, `openai-compatible`) needs to reach its API, resolved
/// from the command line, the environment and `curate.toml`, in that order of precedence.
public struct RemoteCuratorSettings: Sendable {
    /// The provider name: `"anthropic"` or `"openai-compatible"`.
    public var provider: String
    /// The API base URL, without a trailing slash (Anthropic: without `/v1`; OpenAI-compatible:
    /// with `/v1`, as its SDKs write it).
    public var baseURL: String
    /// The API key (never printed: its description is redacted).
    public var apiKey: APIKey
    /// The model requests are sent to.
    public var model: String
    /// How large one batch may be.
    public var limits: CuratorBatchLimits
    /// Between two polls of a batch.
    public var pollInterval: Duration
    /// OpenAI-compatible: chat completions in flight at once.
    public var concurrency: Int

    /// The public endpoint, key variable, model and base-URL variable of each remote provider.
    public static let defaults: [String: (baseURL: String, apiKeyEnv: String, model: String, baseURLEnv: String)] = [
        "anthropic": ("https://api.anthropic.com", "ANTHROPIC_API_KEY", "claude-opus-4-8", "CURATE_ANTHROPIC_BASE_URL"),
        "openai-compatible": ("https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini", "CURATE_OPENAI_BASE_URL"),
    ]

    /// The settings of remote provider `provider`.
    /// - Parameters:
    ///   - baseURLOverride: `--base-url`, which wins over the environment and the config.
    ///   - environment: where the API key and the base-URL variable are read.
    /// - Throws: `JobError.providerMisconfigured` for an unknown provider, a missing key or a
    ///   base URL that is not http(s).
    public static func resolve(provider: String, config: CurateConfig, baseURLOverride: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(JobError) -> RemoteCuratorSettings {
        guard let fallback = defaults[provider] else {
            throw .providerMisconfigured(provider: provider, reason: "not a remote provider")
        }
        let base = baseURLOverride ?? environment[fallback.baseURLEnv].flatMap { $0.isEmpty ? nil : $0 }
            ?? config.baseURL ?? fallback.baseURL
        guard let url = URL(string: base), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw .providerMisconfigured(provider: provider, reason: "base URL \(base.debugDescription) is not an http(s) URL")
        }
        let keyVariable = config.apiKeyEnv ?? fallback.apiKeyEnv
        guard let key = environment[keyVariable], !key.isEmpty else {
            throw .providerMisconfigured(provider: provider,
                                         reason: "the API key variable \(keyVariable) is not set (config: api_key_env)")
        }
        return RemoteCuratorSettings(
            provider: provider, baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base, apiKey: APIKey(key),
            model: config.model ?? fallback.model, limits: config.batchLimits,
            pollInterval: .seconds(config.pollIntervalSeconds), concurrency: config.concurrency)
    }
}

/// An API key: its value is sent in headers, never shown (`description` is redacted).
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key itself, for the request header.
    public let value: String

    /// A key of `value`.
    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
