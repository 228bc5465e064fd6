import Clustering
import CurationStore
import Kernels

/// What a backfill will send to the curator: the pending pool cut into clusters, plus the
/// prospects skipped as not salient. Indices are positions in the `PendingPool`.
public struct Plan: Sendable {
    /// One curator request's worth of prospects.
    public struct Cluster: Sendable, Equatable {
        /// Why these prospects are together.
        public enum Origin: Sendable, Equatable {
            /// Warm prospects whose best recall hit is this committed item (its index in the `CommittedIndex`).
            case recallRegion(committedIndex: Int)
            /// Cold prospects grouped by greedy first-match clustering.
            case similarity
            /// Cold prospects without embeddings, grouped by session (anchor key).
            case session(String)
        }

        /// Why these prospects are together.
        public let origin: Origin
        /// Pool indices, in plan order; at most `max_cluster_size`.
        public let members: [Int]
        /// The group this piece was cut from (a recall bucket, a greedy cluster or a session
        /// group), numbered from 0 in plan order; consecutive pieces of one group share it.
        public let group: Int
    }

    /// Prospects planned: skipped or in a cluster (the pool, less `deferred`).
    public let pending: Int
    /// Salient prospects left out by a cap on the prospects planned (the synchronous regime):
    /// they stay pending for a later plan.
    public let deferred: Int
    /// Pool indices skipped below the salience threshold, in pool order.
    public let skipped: [Int]
    /// Region clusters first, then cold clusters, each cut to the maximum cluster size.
    public let clusters: [Cluster]
    /// Pool indices of the cold prospects with embeddings, in the order greedy clustering
    /// visited them (`prospect_id` UTF-16 order, `UTF16Order`).
    public let coldOrder: [Int]
    /// Per pool index, its recalled committed items (indices into the `CommittedIndex`), best first.
    public let recall: [[PlannedHit]]
    /// Seconds spent per stage.
    public let timings: PlanTimings
    /// The low-rank screens that ran.
    public let screens: PlanScreens

    /// The plan as tools read it: `{"pending": n, "skipped": [ids], "clusters": [[ids]]}`.
    public func summary(ids: [String]) -> PlanSummary {
        PlanSummary(pending: pending, skipped: skipped.map { ids[$0] }, clusters: clusters.map { $0.members.map { ids[$0] } })
    }
}

/// A recalled committed item and its reference cosine with the prospect.
public struct PlannedHit: Sendable, Equatable {
    /// Index into the `CommittedIndex`.
    public let committedIndex: Int
    /// The reference cosine.
    public let score: Double
}

/// The low-rank screens of a plan's recall and clustering (nil: none ran).
public struct PlanScreens: Sendable, Equatable, Encodable {
    /// The screen of the recall against the committed items.
    public var recall: ScreenSummary?
    /// The screen of the greedy clustering of the cold prospects.
    public var cluster: ScreenSummary?

    /// Both stages' screens over several plans (`ScreenSummary.combined`).
    public func combined(with other: PlanScreens) -> PlanScreens {
        PlanScreens(recall: ScreenSummary.combined(recall, other.recall), cluster: ScreenSummary.combined(cluster, other.cluster))
    }
}

/// Seconds per planning stage.
public struct PlanTimings: Sendable, Equatable {
    /// Top-k recall against the committed items.
    public var recall = 0.0
    /// Greedy clustering of the cold prospects.
    public var cluster = 0.0
    /// Salience, warm buckets and chunking.
    public var plan = 0.0

    /// Zero seconds for every stage.
    public init() {}
}

/// The JSON shape of `--plan-out`.
public struct PlanSummary: Codable, Equatable, Sendable {
    /// Prospects planned.
    public let pending: Int
    /// Ids skipped below the salience threshold.
    public let skipped: [String]
    /// Ids per curator request, in plan order.
    public let clusters: [[String]]
}
