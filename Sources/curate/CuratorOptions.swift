import ArgumentParser
import Curation

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

    /// The name of the provider these options and `config` name, checked (nothing is built).
    /// - Throws: `ExitCode(2)` after reporting an unknown provider.
    func providerName(_ config: CurateConfig) throws -> String {
        let name = provider ?? config.provider
        guard CuratorProviders.available.contains(name) else {
            throw JobExit.badInput("unknown provider \(name.debugDescription) (known: \(CuratorProviders.available.joined(separator: ", ")))")
        }
        return name
    }

    /// The provider these options and `config` name, opened on `store`.
    /// - Throws: `ExitCode(2)` after reporting an unknown provider or one that cannot be built
    ///   (a missing API key, a bad base URL).
    func makeProvider(store: CurationStore, config: CurateConfig) throws -> any CuratorProvider {
        let name = try providerName(config)
        do {
            return try CuratorProviders.make(named: name, store: store, config: config, baseURLOverride: baseURL)
        } catch {
            throw JobExit.badInput(error.description)
        }
    }
}
