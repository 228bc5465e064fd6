import ArgumentParser
import Curation
import CurationProviders
import CurationStore

/// `--provider` and `--base-url`, shared by the job commands.
struct CuratorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Curator provider for new jobs: local (offline rules), anthropic (Message Batches) or \
        openai-compatible (chat completions) (default: the config's provider, local).
        """, valueName: "name"))
    var provider: String?

    @Option(name: .customLong("base-url"), help: ArgumentHelp("""
        API base URL of a remote provider, over $CURATE_ANTHROPIC_BASE_URL / \
        $CURATE_OPENAI_BASE_URL and the config's base_url (OpenAI-compatible: include /v1).
        """, valueName: "url"))
    var baseURL: String?

    @Option(name: .customLong("api-key-env"), help: ArgumentHelp("""
        The environment variable holding the remote provider's API key, over the config's \
        api_key_env (which may only name variables ending in _API_KEY or _TOKEN).
        """, valueName: "name"))
    var apiKeyEnv: String?

    @Flag(name: .customLong("allow-insecure-http"), help: """
        Allow a plain http:// base URL to a host other than loopback (the key and the prospects \
        then cross the network unencrypted).
        """)
    var allowInsecureHTTP = false

    /// `config` with these options' overrides (only the command line may set them).
    func configured(_ config: CurateConfig) -> CurateConfig {
        var config = config
        if let apiKeyEnv { config.apiKeyEnv = apiKeyEnv }
        config.allowInsecureHTTP = allowInsecureHTTP
        return config
    }

    /// The name of the provider these options and `config` name, checked (nothing is built).
    /// - Throws: exit status 2 after reporting an unknown provider.
    func providerName(_ config: CurateConfig) throws -> String {
        let name = provider ?? config.provider
        guard CuratorProviders.available.contains(name) else {
            throw ExitStatus.badInput("unknown provider \(name.debugDescription) (known: \(CuratorProviders.available.joined(separator: ", ")))")
        }
        return name
    }

    /// The provider these options and `config` name, opened on `store`.
    /// - Throws: exit status 2 after reporting an unknown provider or one that cannot be built
    ///   (a missing API key, a bad base URL).
    func makeProvider(store: CurationStore, config: CurateConfig) throws -> any CuratorProvider {
        let name = try providerName(config)
        let provider: any CuratorProvider
        do {
            provider = try CuratorProviders.make(named: name, store: store, config: configured(config), baseURLOverride: baseURL)
        } catch {
            throw ExitStatus.badInput(error.description)
        }
        if let destination = provider.destination { standardError("note: the curator's requests go to \(destination)") }
        return provider
    }
}
