import CurationProviders
import CurationStore

/// The curator providers this build can construct by name.
public enum CuratorProviders {
    /// Names accepted by `make(named:store:config:baseURLOverride:)`.
    public static let available = [LocalCurator.providerName, AnthropicBatchCurator.providerName,
                                   OpenAICompatibleCurator.providerName]

    /// The provider called `name`, configured from `config` (remote providers: and from the
    /// environment, see `RemoteCuratorSettings`).
    /// - Parameter baseURLOverride: a remote provider's base URL from the command line.
    /// - Throws: `JobError.providerUnavailable` for an unknown name, `.providerMisconfigured`
    ///   for a remote provider without its API key or with a bad base URL.
    public static func make(named name: String, store: CurationStore, config: CurateConfig,
                            baseURLOverride: String? = nil) throws(JobError) -> any CuratorProvider {
        switch name {
        case LocalCurator.providerName:
            return LocalCurator(store: store, config: config)
        case AnthropicBatchCurator.providerName:
            let settings = try RemoteCuratorSettings.resolve(provider: name, config: config, baseURLOverride: baseURLOverride)
            return AnthropicBatchCurator(settings: settings, http: config.makeHTTPClient())
        case OpenAICompatibleCurator.providerName:
            let settings = try RemoteCuratorSettings.resolve(provider: name, config: config, baseURLOverride: baseURLOverride)
            return OpenAICompatibleCurator(store: store, settings: settings, http: config.makeHTTPClient())
        default:
            throw .providerUnavailable(name)
        }
    }
}
