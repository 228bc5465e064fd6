import CurationProviders
import CurationStore
import Foundation

/// The settings of the planner, the embedder and the curator, with the defaults of the
/// reference semantics, read from `curate.toml`.
///
/// The file is the TOML subset of `TOMLSubset`. Every key has a home section and may be written
/// either there or at the top of the file (before any section):
///
/// ```toml
/// # curate.toml, next to curate.sqlite
/// [planner]
/// recall_top_k = 8              # committed items recalled per prospect (0 disables recall)
/// recall_cluster_floor = 0.6    # top hit at least this similar: the prospect is warm
/// cluster_similarity = 0.82     # greedy clustering threshold
/// max_cluster_size = 16
/// salience_threshold = 0.0      # novelty below this: skipped without a curator call
/// max_prospects_per_tick = 20
///
/// [embedder]
/// embedder = "hashing"          # "hashing", "openai-compatible" or "none"
/// embedding_dim = 384
/// embedding_model = "text-embedding-3-small"        # openai-compatible only, as the rest
/// embedding_base_url = "https://api.openai.com/v1"  # or $CURATE_OPENAI_BASE_URL
/// embedding_api_key_env = "OPENAI_API_KEY"          # the variable holding the key
/// embedding_encoding = "float"                      # or "base64"
/// embedding_batch_size = 256                        # texts per /embeddings request
///
/// [curator]
/// provider = "local"            # "local", "anthropic" or "openai-compatible"
/// local_merge_threshold = 0.9
/// local_confidence_floor = 0.4
/// model = "claude-opus-4-8"     # remote providers (default: per provider)
/// base_url = "https://api.anthropic.com"  # default per provider; or $CURATE_ANTHROPIC_BASE_URL,
///                                         # $CURATE_OPENAI_BASE_URL (OpenAI: include /v1)
/// api_key_env = "ANTHROPIC_API_KEY"       # default per provider (OPENAI_API_KEY)
/// max_batch_requests = 100000   # requests per provider batch
/// max_batch_bytes = 250000000   # rendered bytes per provider batch
/// poll_interval_seconds = 30.0  # between two polls of a remote batch
/// max_retries = 6               # retries of one HTTP call (429, 5xx, 529, connection errors)
/// request_timeout_seconds = 600.0
/// concurrency = 4               # openai-compatible: chat completions in flight
///
/// [source]                      # curate import sources: the source rows' column names
/// id_column = "message_id"      # also the source_keys member naming a prospect's rows
/// anchor_key_column = "session_id"
/// timestamp_column = "message_created_at"
/// text_column = "content_text"
/// ```
///
/// Unknown keys and sections, a key in another section than its own, values of the wrong type
/// or out of range are errors naming the file and the line: a typo is never silently ignored.
public struct CurateConfig: Equatable, Sendable {
    /// The file name looked for next to the database: `curate.toml`.
    public static let fileName = "curate.toml"

    // MARK: [planner]
    /// Committed items recalled per prospect; 0 disables recall. Default 8.
    public var recallTopK = 8
    /// A prospect whose top recall hit scores at least this is warm. Default 0.6.
    public var recallClusterFloor = 0.6
    /// Greedy first-match clustering threshold (cosine to a cluster's seed). Default 0.82.
    public var clusterSimilarity = 0.82
    /// Clusters are cut into pieces of at most this many prospects. Default 16.
    public var maxClusterSize = 16
    /// Prospects whose novelty (1 − top hit score) is below this are skipped. Default 0.0.
    public var salienceThreshold = 0.0
    /// Prospects a synchronous daemon tick (a provider without batches) plans at most, the most
    /// novel first. Default 20.
    public var maxProspectsPerTick = 20

    // MARK: [embedder]
    /// Where vectors come from when an import brings none: `"hashing"` (default),
    /// `"openai-compatible"` or `"none"` (store prospects without vectors).
    public var embedder = "hashing"
    /// The dimension of embedder vectors. Default 384.
    public var embeddingDim = 384

    // MARK: [curator]
    /// The curator provider: `"local"` (default), `"anthropic"` or `"openai-compatible"`.
    public var provider = "local"
    /// Local curator: members at least this similar to the cluster's most confident prospect
    /// merge into it. Default 0.9.
    public var localMergeThreshold = 0.9
    /// Local curator: members below this confidence are rejected. Default 0.4.
    public var localConfidenceFloor = 0.4
    /// Remote curators: the model; nil means the provider's default.
    public var model: String?
    /// Remote curators: the API base URL; nil means `$CURATE_ANTHROPIC_BASE_URL` or
    /// `$CURATE_OPENAI_BASE_URL`, else the provider's public endpoint.
    public var baseURL: String?
    /// Remote curators: the environment variable holding the API key; nil means the
    /// provider's default (`ANTHROPIC_API_KEY`, `OPENAI_API_KEY`).
    public var apiKeyEnv: String?
    /// Requests per provider batch. Default 100,000 (the Message Batches limit).
    public var maxBatchRequests = 100_000
    /// Rendered request bytes per provider batch. Default 250,000,000 (256 MB with margin).
    public var maxBatchBytes = 250_000_000
    /// Seconds between two polls of a remote batch. Default 30.
    public var pollIntervalSeconds = 30.0
    /// Retries of one HTTP call on 408, 429, 5xx, 529 and connection errors. Default 6.
    public var maxRetries = 6
    /// Seconds one HTTP call may take. Default 600.
    public var requestTimeoutSeconds = 600.0
    /// `openai-compatible` curator: chat completions in flight at once. Default 4.
    public var concurrency = 4

    // MARK: [embedder], openai-compatible
    /// The embedding model. Default `"text-embedding-3-small"`.
    public var embeddingModel = "text-embedding-3-small"
    /// The embeddings API base URL (with `/v1`); nil means `$CURATE_OPENAI_BASE_URL`, else
    /// `https://api.openai.com/v1`.
    public var embeddingBaseURL: String?
    /// The environment variable holding the embeddings API key. Default `OPENAI_API_KEY`.
    public var embeddingAPIKeyEnv = "OPENAI_API_KEY"
    /// `"float"` (default) or `"base64"`: how vectors travel.
    public var embeddingEncoding = "float"
    /// Texts per `/embeddings` request, 1 to 2048. Default 256.
    public var embeddingBatchSize = 256

    // MARK: [source]
    /// The source rows' id column, and the member of a prospect's `source_keys` listing its
    /// source row ids. Default `"message_id"`.
    public var sourceIDColumn = SourceImporter.Columns().id
    /// The source rows' session column. Default `"session_id"`.
    public var sourceAnchorKeyColumn = SourceImporter.Columns().anchorKey
    /// The source rows' timestamp column. Default `"message_created_at"`.
    public var sourceTimestampColumn = SourceImporter.Columns().timestamp
    /// The source rows' text column. Default `"content_text"`.
    public var sourceTextColumn = SourceImporter.Columns().text

    // MARK: Command line only
    /// Whether remote endpoints may be plain `http` to hosts other than loopback
    /// (`--allow-insecure-http`). No key of `curate.toml` sets it: a config file found next to a
    /// database is not trusted to weaken where keys go.
    public var allowInsecureHTTP = false

    /// The defaults.
    public init() {}

    /// The configuration of the TOML `text`, starting from the defaults.
    /// - Parameter path: the file name used in errors.
    /// - Throws: `ConfigError` naming `path` and the line.
    public init(parsing text: String, path: String) throws(ConfigError) {
        self.init()
        for entry in try TOMLSubset.parse(text, path: path, knownSections: Self.sections) {
            try apply(entry, path: path)
        }
    }

    /// The configuration of the file at `path`.
    ///
    /// The file chooses where keys and prospects are sent, so it must be trusted: a file owned by
    /// another user, or writable by group or others, is refused.
    /// - Throws: `ConfigError` when it cannot be read or is refused.
    public init(contentsOfFile path: String) throws(ConfigError) {
        try Self.checkTrusted(path)
        let data: Data
        do {
            data = try JSONLines.contents(ofFile: path)
        } catch {
            guard case let .unreadable(reason) = error.reason else { throw ConfigError(path: path, message: error.description) }
            throw ConfigError(path: path, message: "cannot read: \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(path: path, message: "not UTF-8 text")
        }
        try self.init(parsing: text, path: path)
    }

    /// Refuses a file owned by another user than the one running `curate`, or writable by group
    /// or others (a missing or unreadable file is left to the read to report).
    private static func checkTrusted(_ path: String) throws(ConfigError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if info.st_uid != geteuid() {
            throw ConfigError(path: path, message: "refused: the file belongs to another user (uid \(info.st_uid)), and a "
                              + "configuration chooses where keys and prospects are sent")
        }
        if info.st_mode & 0o022 != 0 {
            throw ConfigError(path: path, message: "refused: group or others may write it (mode "
                              + String(info.st_mode & 0o777, radix: 8) + "), and a configuration chooses where keys and "
                              + "prospects are sent: chmod go-w \(path)")
        }
    }

    /// The path of the `curate.toml` next to `databasePath`.
    public static func defaultPath(forDatabase databasePath: String) -> String {
        URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent(fileName).path
    }

    /// The configuration in force: the file at `configPath` when given (it must exist), else
    /// `curate.toml` next to the database when it exists, else the defaults.
    /// - Throws: `ConfigError`.
    public static func load(configPath: String?, databasePath: String) throws(ConfigError) -> CurateConfig {
        if let configPath { return try CurateConfig(contentsOfFile: configPath) }
        let nextToDatabase = defaultPath(forDatabase: databasePath)
        guard FileManager.default.fileExists(atPath: nextToDatabase) else { return CurateConfig() }
        return try CurateConfig(contentsOfFile: nextToDatabase)
    }

    /// The provider batch limits of `max_batch_requests` and `max_batch_bytes`.
    public var batchLimits: CuratorBatchLimits {
        CuratorBatchLimits(maxRequests: maxBatchRequests, maxBytes: maxBatchBytes)
    }

    /// The embedder of `embedder` and `embeddingDim`, or nil for `"none"`. The
    /// `"openai-compatible"` embedder caches its vectors in `store` and calls its API with this
    /// configuration's `max_retries` and `request_timeout_seconds`.
    /// - Parameter environment: where the API key and `$CURATE_OPENAI_BASE_URL` are read.
    /// - Throws: `ConfigError` (see `OpenAICompatibleEmbedder.init`).
    public func makeEmbedder(store: CurationStore, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError) -> (any Embedder)? {
        switch embedder {
        case "hashing": return HashingEmbedder(dimension: embeddingDim)
        case "none": return nil
        default:
            return try OpenAICompatibleEmbedder(store: store, config: self, http: makeHTTPClient(), environment: environment)
        }
    }

    /// An HTTP client for the remote providers and embedder: `max_retries` retries of a call,
    /// `request_timeout_seconds` per call.
    public func makeHTTPClient() -> ProviderHTTPClient {
        ProviderHTTPClient(policy: RetryPolicy(maxRetries: maxRetries), timeout: .seconds(requestTimeoutSeconds))
    }

    // MARK: Keys

    /// What a key accepts and where it lives (immutable, so shareable).
    private struct Key: Sendable {
        let section: String
        let set: @Sendable (inout CurateConfig, TOMLValue) -> String?   // nil, or the problem

        static func integer(_ section: String, _ path: any WritableKeyPath<CurateConfig, Int> & Sendable, _ range: ClosedRange<Int>) -> Key {
            Key(section: section) { config, value in
                guard case let .integer(number) = value else { return "must be an integer, found \(value.kind)" }
                guard range.contains(number) else { return "must be \(Planner.Settings.describe(range)), found \(number)" }
                config[keyPath: path] = number
                return nil
            }
        }

        static func number(_ section: String, _ path: any WritableKeyPath<CurateConfig, Double> & Sendable, _ range: ClosedRange<Double>) -> Key {
            Key(section: section) { config, value in
                let number: Double
                switch value {
                case let .float(x): number = x
                case let .integer(n): number = Double(n)
                default: return "must be a number, found \(value.kind)"
                }
                guard number.isFinite, range.contains(number) else {
                    return "must be a number in [\(range.lowerBound), \(range.upperBound)], found \(value)"
                }
                config[keyPath: path] = number
                return nil
            }
        }

        static func text(_ section: String, _ assign: @escaping @Sendable (inout CurateConfig, String) -> Void) -> Key {
            Key(section: section) { config, value in
                guard case let .string(text) = value else { return "must be a string, found \(value.kind)" }
                guard !text.isEmpty else { return "must not be empty" }
                assign(&config, text)
                return nil
            }
        }

        /// The name of an environment variable holding a key: it must end in `_API_KEY` or
        /// `_TOKEN` (`RemoteEndpoint.isKeyVariableName`).
        static func keyVariable(_ section: String, _ assign: @escaping @Sendable (inout CurateConfig, String) -> Void) -> Key {
            Key(section: section) { config, value in
                guard case let .string(name) = value else { return "must be a string, found \(value.kind)" }
                guard RemoteEndpoint.isKeyVariableName(name) else {
                    return "must name a variable ending in \(RemoteEndpoint.keyVariableSuffixes.joined(separator: " or ")) "
                        + "(found \(name.debugDescription)): a config file may not send other secrets; --api-key-env may"
                }
                assign(&config, name)
                return nil
            }
        }

        static func choice(_ section: String, _ path: any WritableKeyPath<CurateConfig, String> & Sendable, _ choices: [String]) -> Key {
            Key(section: section) { config, value in
                let list = choices.map(\.debugDescription).joined(separator: ", ")
                guard case let .string(text) = value else { return "must be one of \(list), found \(value.kind)" }
                guard choices.contains(text) else { return "must be one of \(list), found \(text.debugDescription)" }
                config[keyPath: path] = text
                return nil
            }
        }

    }

    private static let keys: [String: Key] = [
        "recall_top_k": .integer("planner", \.recallTopK, Planner.Settings.recallTopKRange),
        "recall_cluster_floor": .number("planner", \.recallClusterFloor, Planner.Settings.similarityRange),
        "cluster_similarity": .number("planner", \.clusterSimilarity, Planner.Settings.similarityRange),
        "max_cluster_size": .integer("planner", \.maxClusterSize, Planner.Settings.maxClusterSizeRange),
        "salience_threshold": .number("planner", \.salienceThreshold, Planner.Settings.salienceRange),
        "max_prospects_per_tick": .integer("planner", \.maxProspectsPerTick, 1...Int.max),
        "embedder": .choice("embedder", \.embedder, ["hashing", "openai-compatible", "none"]),
        "embedding_dim": .integer("embedder", \.embeddingDim, 1...65_536),
        "provider": .choice("curator", \.provider, ["local", "anthropic", "openai-compatible"]),
        "local_merge_threshold": .number("curator", \.localMergeThreshold, -1...1),
        "local_confidence_floor": .number("curator", \.localConfidenceFloor, 0...1),
        "model": .text("curator") { $0.model = $1 },
        "base_url": .text("curator") { $0.baseURL = $1 },
        "api_key_env": .keyVariable("curator") { $0.apiKeyEnv = $1 },
        "max_batch_requests": .integer("curator", \.maxBatchRequests, 1...100_000),
        "max_batch_bytes": .integer("curator", \.maxBatchBytes, 1_000...256_000_000),
        "poll_interval_seconds": .number("curator", \.pollIntervalSeconds, 0...3_600),
        "max_retries": .integer("curator", \.maxRetries, 0...100),
        "request_timeout_seconds": .number("curator", \.requestTimeoutSeconds, 1...86_400),
        "concurrency": .integer("curator", \.concurrency, 1...256),
        "embedding_model": .text("embedder") { $0.embeddingModel = $1 },
        "embedding_base_url": .text("embedder") { $0.embeddingBaseURL = $1 },
        "embedding_api_key_env": .keyVariable("embedder") { $0.embeddingAPIKeyEnv = $1 },
        "embedding_encoding": .choice("embedder", \.embeddingEncoding, ["float", "base64"]),
        "embedding_batch_size": .integer("embedder", \.embeddingBatchSize, 1...2_048),
        "id_column": .text("source") { $0.sourceIDColumn = $1 },
        "anchor_key_column": .text("source") { $0.sourceAnchorKeyColumn = $1 },
        "timestamp_column": .text("source") { $0.sourceTimestampColumn = $1 },
        "text_column": .text("source") { $0.sourceTextColumn = $1 },
    ]

    /// The sections keys live in.
    public static var sections: [String] { Array(Set(keys.values.map(\.section))).sorted() }

    /// Every key, sorted.
    public static var keyNames: [String] { keys.keys.sorted() }

    private mutating func apply(_ entry: TOMLEntry, path: String) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError { ConfigError(path: path, line: entry.line, message: message) }
        guard let key = Self.keys[entry.key] else {
            var message = "unknown key \(entry.key.debugDescription)"
            if let section = entry.section { message += " in [\(section)]" }
            if let guess = Self.closestKey(to: entry.key) { message += " (did you mean \(guess.debugDescription)?)" }
            throw fail(message)
        }
        if let section = entry.section, section != key.section {
            throw fail("key \(entry.key.debugDescription) belongs in [\(key.section)], not [\(section)]")
        }
        if let problem = key.set(&self, entry.value) {
            throw fail("\(entry.key) \(problem)")
        }
    }

    /// The known key nearest to `key` by edit distance, when it is close.
    private static func closestKey(to key: String) -> String? {
        let scored = keys.keys.map { ($0, editDistance(Array($0.utf8), Array(key.lowercased().utf8))) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }),
              best.1 <= max(2, key.count / 4) else { return nil }
        return best.0
    }

    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

extension SourceImporter.Columns {
    /// The columns of `config`'s `[source]` section.
    public init(_ config: CurateConfig) {
        self.init(id: config.sourceIDColumn, anchorKey: config.sourceAnchorKeyColumn, timestamp: config.sourceTimestampColumn,
                  text: config.sourceTextColumn)
    }
}
