// How jobs and their tallies read as JSON in the commands' results (`curate tick`, `status`,
// `backfill --json`).

extension DecisionTally: Encodable {
    private enum CodingKeys: String, CodingKey {
        case processed, committed, deepened, merged, rejected, skipped, leftPending = "left_pending"
        case committedRows = "committed_rows", newItems = "new_items", unusableClusters = "unusable_clusters"
    }

    /// The counts, `committed` including the deepened (as the text line counts them).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(processed, forKey: .processed)
        try container.encode(committed + deepened, forKey: .committed)
        try container.encode(deepened, forKey: .deepened)
        try container.encode(merged, forKey: .merged)
        try container.encode(rejected, forKey: .rejected)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(leftPending, forKey: .leftPending)
        try container.encode(committedRows, forKey: .committedRows)
        try container.encode(newItems, forKey: .newItems)
        try container.encode(unusableClusters, forKey: .unusableClusters)
    }
}

extension StoredJob: Encodable {
    private enum CodingKeys: String, CodingKey {
        case nonce, owner, ownerRecorded = "owner_recorded", provider, state, createdAt = "created_at"
        case ageSeconds = "age_seconds", pending, clusters, skipped, batches, batchIDs = "batch_ids", window
    }

    /// The job's identity, state, age now and the sizes of its plan (not its prospect ids).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(nonce, forKey: .nonce)
        try container.encode(owner.rawValue, forKey: .owner)
        try container.encode(ownerRecorded, forKey: .ownerRecorded)
        try container.encode(provider, forKey: .provider)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(createdAt.text, forKey: .createdAt)
        try container.encode(age(), forKey: .ageSeconds)
        try container.encode(plan.pending, forKey: .pending)
        try container.encode(plan.clusters.count, forKey: .clusters)
        try container.encode(plan.skipped.count, forKey: .skipped)
        try container.encode(plan.batchSizes.count, forKey: .batches)
        try container.encode(batchIDs, forKey: .batchIDs)
        try container.encodeIfPresent(plan.window, forKey: .window)
    }
}
