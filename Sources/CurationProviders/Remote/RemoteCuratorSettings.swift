import CurationStore
import Foundation

/// What a remote curator (`anthropic`, `openai-compatible`) needs to reach its API (`Curation`
/// resolves it from the command line, the environment and `curate.toml`, in that order of precedence).
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

    /// Settings as given, the base URL without a trailing slash (`destination` shows where requests go).
    public init(provider: String, baseURL: String, apiKey: APIKey, model: String, limits: CuratorBatchLimits,
                pollInterval: Duration, concurrency: Int) {
        self.provider = provider
        self.baseURL = RemoteEndpoint.trimmed(baseURL)
        self.apiKey = apiKey
        self.model = model
        self.limits = limits
        self.pollInterval = pollInterval
        self.concurrency = concurrency
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
