import CurationStore

extension TickOutcome: Encodable {
    private enum CodingKeys: String, CodingKey {
        case outcome, job, skipped, batchesEnded = "batches_ended", batches, pending, clusters
    }

    /// `{"outcome": "idle" | "submitted" | "waiting" | "collected" | "foreign", "job": …}` and the
    /// outcome's counts: `skipped` (idle), `batches_ended` and `batches` (waiting), the plan's
    /// `pending` and `clusters` and the tally's counts (collected).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .idle(skipped):
            try container.encode("idle", forKey: .outcome)
            try container.encodeNil(forKey: .job)
            try container.encode(skipped, forKey: .skipped)
        case let .submitted(job):
            try container.encode("submitted", forKey: .outcome)
            try container.encode(job, forKey: .job)
        case let .waiting(job, ended, total):
            try container.encode("waiting", forKey: .outcome)
            try container.encode(job, forKey: .job)
            try container.encode(ended, forKey: .batchesEnded)
            try container.encode(total, forKey: .batches)
        case let .collected(job, tally):
            try container.encode("collected", forKey: .outcome)
            try container.encode(job, forKey: .job)
            try container.encode(job.plan.pending, forKey: .pending)
            try container.encode(job.plan.clusters.count, forKey: .clusters)
            try tally.encode(to: encoder)
        case let .foreign(job):
            try container.encode("foreign", forKey: .outcome)
            try container.encode(job, forKey: .job)
        }
    }
}
