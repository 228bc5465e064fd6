import CurationStore
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

    /// Where requests go: `"<host> (<provider>, model <model>)"`.
    public var destination: String {
        "\(RemoteEndpoint.host(of: baseURL) ?? baseURL) (\(provider), model \(model))"
    }

    /// The public endpoint, key variable, model and base-URL variable of each remote provider.
    public static let defaults: [String: (baseURL: String, apiKeyEnv: String, model: String, baseURLEnv: String)] = [
        "anthropic": ("https://api.anthropic.com", "ANTHROPIC_API_KEY", "claude-opus-4-8", "CURATE_ANTHROPIC_BASE_URL"),
        "openai-compatible": ("https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini", "CURATE_OPENAI_BASE_URL"),
    ]

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
            provider: provider, baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base, apiKey: key,
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
