import Curation
import CurationProviders

/// What `curate backfill --dry-run --json` prints: the dry run and the command's context.
struct DryRunOutput: Encodable {
    let db: String
    let backend: String
    let planOut: String?
    let dryRun: BackfillDryRun

    private enum CodingKeys: String, CodingKey { case db, backend, planOut = "plan_out" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(db, forKey: .db)
        try container.encode(backend, forKey: .backend)
        try container.encodeIfPresent(planOut, forKey: .planOut)
        try dryRun.encode(to: encoder)
    }
}

/// What `curate backfill --json` prints: the backfill's report, the provider and its HTTP counts.
struct BackfillOutput: Encodable {
    let db: String
    let provider: String
    let http: ProviderHTTPStats?
    let report: BackfillReport

    private enum CodingKeys: String, CodingKey { case db, provider, http }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(db, forKey: .db)
        try container.encode(provider, forKey: .provider)
        try container.encodeIfPresent(http, forKey: .http)
        try report.encode(to: encoder)
    }
}
