import CurationProviders

/// What `curate backfill --dry-run --json` adds to the dry run.
struct DryRunContext: Encodable {
    let db: String
    let backend: String
    let planOut: String?

    private enum CodingKeys: String, CodingKey { case db, backend, planOut = "plan_out" }
}

/// What `curate backfill --json` adds to the backfill's report: the provider and its HTTP counts.
struct BackfillContext: Encodable {
    let db: String
    let provider: String
    let http: ProviderHTTPStats?
}
