/// The curator providers this build can construct by name.
public enum CuratorProviders {
    /// Names accepted by `make(named:store:config:)`.
    public static let available = [LocalCurator.providerName]

    /// Every provider name a configuration or a stored job may carry.
    public static let known = ["local", "anthropic", "openai-compatible"]

    /// The provider called `name`, configured from `config`.
    /// - Throws: `JobError.providerUnavailable` for a name this build does not provide (the
    ///   remote providers join in a later version).
    public static func make(named name: String, store: CurationStore, config: CurateConfig) throws(JobError) -> any CuratorProvider {
        switch name {
        case LocalCurator.providerName: return LocalCurator(store: store, config: config)
        default: throw .providerUnavailable(name)
        }
    }
}
