import Curation

extension PlanReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case pending, embedded, requests, skipped, groups, backend, screen, mapPoints = "map_points"
        case mapDownsampled = "map_downsampled", map, sweep, timings
    }

    private enum TimingKeys: String, CodingKey { case load, recall, cluster, plan, nearest, sweep, map }

    /// What `curate report --json` summarises: the plan's counts, its screens, the map's size
    /// (`map`: why it is missing, or null), the sweep and every stage's seconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plan.pending, forKey: .pending)
        try container.encode(pool.embeddedIndices.count, forKey: .embedded)
        try container.encode(plan.clusters.count, forKey: .requests)
        try container.encode(plan.skipped.count, forKey: .skipped)
        try container.encode(groups.count, forKey: .groups)
        try container.encode(backend.rawValue, forKey: .backend)
        try container.encode(plan.screens, forKey: .screen)
        try container.encode(map?.points.count ?? 0, forKey: .mapPoints)
        try container.encode(map?.isDownsampled ?? false, forKey: .mapDownsampled)
        try container.encodeIfPresent(map == nil ? mapUnavailable ?? "" : nil, forKey: .map)
        try container.encode(sweep, forKey: .sweep)
        var stages = container.nestedContainer(keyedBy: TimingKeys.self, forKey: .timings)
        try stages.encode(timings.load, forKey: .load)
        try stages.encode(timings.plan.recall, forKey: .recall)
        try stages.encode(timings.plan.cluster, forKey: .cluster)
        try stages.encode(timings.plan.plan, forKey: .plan)
        try stages.encode(timings.nearest, forKey: .nearest)
        try stages.encode(timings.sweep, forKey: .sweep)
        try stages.encode(timings.map, forKey: .map)
    }
}
