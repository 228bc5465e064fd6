import CurationStore

// How a backfill's and a dry run's results read as JSON (`curate backfill --json`).

extension BackfillTimings: Encodable {
    fileprivate enum CodingKeys: String, CodingKey { case load, recall, cluster, plan, submit, poll, collect }

    /// Seconds per stage; `planningOnly` leaves out the stages a dry run never reaches.
    fileprivate func encode(to container: inout KeyedEncodingContainer<CodingKeys>, planningOnly: Bool) throws {
        try container.encode(load, forKey: .load)
        try container.encode(recall, forKey: .recall)
        try container.encode(cluster, forKey: .cluster)
        try container.encode(plan, forKey: .plan)
        guard !planningOnly else { return }
        try container.encode(submit, forKey: .submit)
        try container.encode(poll, forKey: .poll)
        try container.encode(collect, forKey: .collect)
    }

    /// Seconds of every stage.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try encode(to: &container, planningOnly: false)
    }
}

extension BackfillDryRun: Encodable {
    private enum CodingKeys: String, CodingKey { case dryRun = "dry_run", windows, pending, clusters, skipped, screen, timings }

    /// `dry_run: true`, the counts, the screens and the planning stages' seconds (the plan
    /// itself is `summary`, written apart).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(true, forKey: .dryRun)
        try container.encode(windows, forKey: .windows)
        try container.encode(pending, forKey: .pending)
        try container.encode(clusters, forKey: .clusters)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(screens, forKey: .screen)
        var stages = container.nestedContainer(keyedBy: BackfillTimings.CodingKeys.self, forKey: .timings)
        try timings.encode(to: &stages, planningOnly: true)
    }
}

extension BackfillReport: Encodable {
    private enum CodingKeys: String, CodingKey { case pending, clusters, batches, windows, jobs, resumed, timings }

    /// The counts, the jobs' nonces (`resumed`: the job resumed first, or null), every stage's
    /// seconds and, beside them, the tally's counts.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pending, forKey: .pending)
        try container.encode(clusters, forKey: .clusters)
        try container.encode(batches, forKey: .batches)
        try container.encode(windows, forKey: .windows)
        try container.encode(jobs, forKey: .jobs)
        try container.encodeIfPresent(resumed, forKey: .resumed)
        try container.encode(timings, forKey: .timings)
        try tally.encode(to: encoder)
    }
}
