import Clustering
import CurationStore
import Kernels

/// Turns a pending pool into curator clusters by the reference rules (ARCHITECTURE §4).
///
/// 1. Recall: each prospect's top-k committed items by cosine; novelty = 1 − best score (1
///    without hits). With recall enabled (k > 0 and committed vectors exist), prospects with
///    novelty below `salienceThreshold` are skipped; the rest are ordered by novelty,
///    descending, stable (`Salience`).
/// 2. Warm prospects (best score ≥ `recallClusterFloor`) are bucketed by their best hit:
///    buckets in order of first appearance, members in salience order (`RecallRegions`).
/// 3. Cold prospects are clustered greedily in `prospect_id` UTF-16 order (`UTF16Order`) at
///    `clusterSimilarity`; cold prospects without vectors are grouped by session.
/// 4. Region clusters, then cold clusters, each cut into pieces of at most `maxClusterSize`
///    (`Chunking`).
///
/// ```swift
/// let pool = try store.loadPendingPool(in: JobWindow(since: since))
/// let plan = try Planner(settings: .init(config)).plan(pool, committed: try store.loadCommitted())
/// print(plan.clusters.count, plan.skipped.count)
/// ```
public struct Planner: Sendable {
    /// The planner's knobs.
    public var settings: Settings
    /// How similarities are computed (recall and clustering).
    public var backend: Backend
    /// The low-rank screen of recall and clustering (`ScreenRank`); it changes speed, never the plan.
    public var screenRank: ScreenRank

    /// A planner with `settings`, computing with `backend` and `screenRank`.
    public init(settings: Settings = Settings(), backend: Backend = .auto, screenRank: ScreenRank = .auto) {
        self.settings = settings
        self.backend = backend
        self.screenRank = screenRank
    }

    /// Plans `pool` against the `committed` items.
    /// - Parameter maxProspects: plan at most this many of the salient prospects, the most novel
    ///   first (the synchronous regime's `max_prospects_per_tick`, `seed-contract.md` §6); the
    ///   others are left out of the plan (`Plan.deferred`) and stay pending. Skips are planned for
    ///   the whole pool. nil: every prospect.
    /// - Throws: `PlanError` when the settings are out of range or the pool's and the committed
    ///   vectors differ in dimension.
    public func plan(_ pool: PendingPool, committed: CommittedIndex, maxProspects: Int? = nil) throws(PlanError) -> Plan {
        if let problem = settings.problem { throw .invalidSettings(problem) }
        var timings = PlanTimings()
        var stopwatch = Stopwatch()
        var screens = PlanScreens()
        let recall = try recallHits(pool, committed, screen: &screens.recall)
        timings.recall = stopwatch.seconds

        stopwatch = Stopwatch()
        let recallEnabled = recalls(against: committed)
        let topHits = recall.map { $0.first.map { RecallHit(index: $0.committedIndex, score: $0.score) } }
        let salience = Salience(topScores: topHits.map { $0?.score }, threshold: settings.salienceThreshold,
                                recallEnabled: recallEnabled, limit: maxProspects)
        let warm = RecallRegions(salience.salient, topHits: topHits, floor: settings.recallClusterFloor)
        timings.plan = stopwatch.seconds

        stopwatch = Stopwatch()
        let (coldClusters, coldOrder) = try clusterCold(warm.cold, pool, screen: &screens.cluster)
        timings.cluster = stopwatch.seconds

        let grouped = warm.regions.map { (Plan.Cluster.Origin.recallRegion(committedIndex: $0.anchor), $0.members) } + coldClusters
        let clusters = Chunking.pieces(of: grouped.map(\.1), maxSize: settings.maxClusterSize).map {
            Plan.Cluster(origin: grouped[$0.group].0, members: $0.members, group: $0.group)
        }
        return Plan(pending: pool.count - salience.deferred, deferred: salience.deferred, skipped: salience.skipped, clusters: clusters,
                    coldOrder: coldOrder, recall: recall, timings: timings, screens: screens)
    }

    /// Whether a plan against `committed` recalls (k > 0 and committed vectors exist): without
    /// recall, nothing is skipped and the salience order is the pool's order.
    package func recalls(against committed: CommittedIndex) -> Bool {
        settings.recallTopK > 0 && (committed.embeddings?.rows ?? 0) > 0
    }

    /// Top-k committed items for each prospect with a vector (none for the others); `screen`
    /// receives the low-rank screen that ran, if any.
    private func recallHits(_ pool: PendingPool, _ committed: CommittedIndex,
                            screen: inout ScreenSummary?) throws(PlanError) -> [[PlannedHit]] {
        var hits = [[PlannedHit]](repeating: [], count: pool.count)
        guard settings.recallTopK > 0, let queries = pool.embeddings, let database = committed.embeddings,
              queries.rows > 0, database.rows > 0 else { return hits }
        let found: [[RecallHit]]
        do {
            let search = try TopKRecall(k: settings.recallTopK, backend: backend, screenRank: screenRank)
                .measuredSearch(queries, in: database)
            found = search.hits
            screen = search.screen
        } catch {
            throw .recall(error)
        }
        for (row, poolIndex) in pool.embeddedIndices.enumerated() {
            hits[poolIndex] = found[row].map { PlannedHit(committedIndex: committed.embeddedIndices[$0.index], score: $0.score) }
        }
        return hits
    }

    /// Greedy clusters of the cold prospects with vectors (in UTF-16 order of their ids),
    /// then session groups of those without; and the order the greedy clustering visited.
    /// `screen` receives the low-rank screen that ran, if any.
    private func clusterCold(_ cold: [Int], _ pool: PendingPool,
                             screen: inout ScreenSummary?) throws(PlanError) -> ([(Plan.Cluster.Origin, [Int])], [Int]) {
        let sorted = UTF16Order.sortedIndices(of: cold.map { pool.prospects[$0].prospectID }).map { cold[$0] }
        var groups: [(Plan.Cluster.Origin, [Int])] = []
        let embedded = sorted.filter { pool.prospects[$0].embeddingRow != nil }
        if let matrix = pool.embeddings, !embedded.isEmpty {
            var poolIndexOfRow = [Int](repeating: -1, count: matrix.rows)
            for index in embedded { poolIndexOfRow[pool.prospects[index].embeddingRow!] = index }
            let result: ClusteringResult
            do {
                result = try GreedyClustering(threshold: settings.clusterSimilarity, backend: backend, screenRank: screenRank)
                    .cluster(matrix, order: embedded.map { pool.prospects[$0].embeddingRow! })
            } catch {
                throw .clustering(error)
            }
            screen = result.screen
            groups += result.clusters.map { (.similarity, $0.map { poolIndexOfRow[$0] }) }
        }
        var sessions: [String: [Int]] = [:]
        var sessionOrder: [String] = []
        for index in sorted where pool.prospects[index].embeddingRow == nil {
            let session = pool.prospects[index].anchorKey
            if sessions[session] == nil { sessionOrder.append(session) }
            sessions[session, default: []].append(index)
        }
        groups += sessionOrder.map { (.session($0), sessions[$0]!) }
        return (groups, embedded)
    }
}

/// Why a plan could not be made.
public enum PlanError: Error, CustomStringConvertible {
    /// A setting is out of its range.
    case invalidSettings(Planner.Settings.Problem)
    case recall(RecallError)
    case clustering(ClusteringError)

    public var description: String {
        switch self {
        case let .invalidSettings(problem): problem.description
        case let .recall(error): "recall failed: \(error)"
        case let .clustering(error): "clustering failed: \(error)"
        }
    }
}
