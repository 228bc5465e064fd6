import Clustering
import Curation
import CurationStore
import Kernels

/// What `curate report` shows about a scoped pending pool, before anything is paid for: the plan
/// of a dry run and statistics computed by the engine over every prospect in scope.
///
/// - the plan's groups (recall buckets, greedy clusters, session groups) before they are cut into
///   requests of at most `max_cluster_size`;
/// - each prospect's best cosine similarity to another pending prospect (exact top-2 self-recall);
/// - a threshold sweep: greedy clustering of the same cold prospects at many thresholds in one
///   exact pass (`ThresholdSweep`), with the requests the whole plan would make at each;
/// - a 2-D map: every embedded prospect projected on the two leading principal components
///   (`PrincipalComponents`, LAPACKE), of which at most `mapPoints` are drawn.
///
/// Only the map is ever downsampled; every statistic uses the whole pool.
///
/// ```swift
/// let store = try CurationStore(path: "curate.sqlite", opening: .existingStore)
/// let report = try PlanReport.load(store: store, window: nil, planner: Planner(settings: .init(config)))
/// print(report.plan.clusters.count, report.sweep.map(\.requests))
/// ```
public struct PlanReport: Sendable {
    /// One group of the plan before chunking.
    public struct Group: Sendable, Equatable {
        /// Why its prospects are together.
        public let origin: Plan.Cluster.Origin
        /// Pool indices, in plan order (seed first for a greedy cluster).
        public let members: [Int]
        /// Curator requests it is cut into.
        public let requests: Int
    }

    /// The plan at one threshold of the sweep.
    public struct SweepPoint: Sendable, Equatable, Encodable {
        /// The clustering threshold.
        public let threshold: Double
        /// Greedy clusters of the cold prospects.
        public let clusters: Int
        /// Members of the largest of them (0 without cold prospects).
        public let largest: Int
        /// Clusters of one prospect.
        public let singletons: Int
        /// Curator requests of the whole plan (recall buckets and session groups included).
        public let requests: Int
    }

    /// The 2-D map of the pool.
    public struct Map: Sendable {
        /// One drawn prospect: its pool index and its coordinates on the two leading components.
        public struct Point: Sendable, Equatable {
            /// The prospect's index in the pool.
            public let poolIndex: Int
            /// Coordinates along the first and the second component.
            public let x: Double
            public let y: Double
        }

        /// The drawn points, in pool order.
        public let points: [Point]
        /// Prospects with embeddings (every one of them shaped the components).
        public let embedded: Int
        /// Share of the variance along each of the two axes.
        public let explainedVariance: [Double]
        /// Whether fewer points are drawn than there are embedded prospects.
        public var isDownsampled: Bool { points.count < embedded }
    }

    /// Seconds per stage.
    public struct Timings: Sendable, Equatable {
        /// Loading the pool and the committed index (`load(store:window:planner:options:onStage:)`; 0 when given them).
        public var load = 0.0
        /// The planner's own stages (recall, clustering, salience and chunking).
        public var plan = PlanTimings()
        /// Best similarity of each prospect to another one.
        public var nearest = 0.0
        /// The threshold sweep.
        public var sweep = 0.0
        /// Principal components and projections.
        public var map = 0.0
    }

    /// What can be tuned; the defaults are what `curate report` uses.
    public struct Options: Sendable, Equatable {
        /// Thresholds of the sweep, ascending; the planner's own threshold is always added.
        public var sweepThresholds: [Double] = stride(from: 70, through: 95, by: 1).map { Double($0) / 100 }
        /// Most points drawn on the map (0: no map).
        public var mapPoints = 5_000
        /// Largest groups given a colour of their own on the map (the rest share one).
        public var highlightedGroups = 10

        /// The defaults.
        public init() {}
    }

    /// The pending pool reported on.
    public let pool: PendingPool
    /// The committed items it was planned against.
    public let committed: CommittedIndex
    /// The planner settings the plan was made with.
    public let settings: Planner.Settings
    /// The backend that computed everything.
    public let backend: Backend
    /// The dry run's plan.
    public let plan: Plan
    /// The plan's groups, in plan order (`Plan.Cluster.group` indexes them).
    public let groups: [Group]
    /// Per pool index, the best reference cosine to another pending prospect in scope; nil
    /// without an embedding, or when no other prospect has one.
    public let nearest: [Double?]
    /// The sweep, by ascending threshold (empty without cold prospects that have embeddings).
    public let sweep: [SweepPoint]
    /// The map, or nil with `mapUnavailable` saying why.
    public let map: Map?
    /// Why there is no map, when there is none.
    public let mapUnavailable: String?
    /// Groups coloured on the map, largest first (indices into `groups`).
    public let highlighted: [Int]
    /// Seconds per stage.
    public private(set) var timings: Timings

    /// A stage of making the report, for a progress line.
    public enum Stage: String, Sendable {
        case planning = "planning"
        case nearest = "best similarity of each prospect"
        case sweep = "threshold sweep"
        case map = "principal components"
    }

    /// Plans `pool` against `committed` with `planner` and computes the statistics.
    /// - Parameter progress: called as each stage starts.
    /// - Throws: `ReportError` when planning, recall or the sweep fail (a missing LAPACKE only
    ///   leaves the map out, with `mapUnavailable` saying why).
    public init(pool: PendingPool, committed: CommittedIndex, planner: Planner, options: Options = Options(),
                progress: ((Stage) -> Void)? = nil) throws(ReportError) {
        self.pool = pool
        self.committed = committed
        settings = planner.settings
        backend = planner.backend.resolved
        var timings = Timings()
        progress?(.planning)
        do {
            plan = try planner.plan(pool, committed: committed)
        } catch {
            throw .planning(error)
        }
        timings.plan = plan.timings
        let groups = Self.groups(of: plan)
        self.groups = groups
        highlighted = Array(Self.bySize(groups).filter { groups[$0].members.count > 1 }.prefix(options.highlightedGroups))

        progress?(.nearest)
        var stopwatch = Stopwatch()
        nearest = try Self.nearest(pool, planner: planner)
        timings.nearest = stopwatch.seconds

        progress?(.sweep)
        stopwatch = Stopwatch()
        sweep = try Self.sweep(pool, plan: plan, settings: planner.settings, thresholds: options.sweepThresholds,
                               planner: planner)
        timings.sweep = stopwatch.seconds

        progress?(.map)
        stopwatch = Stopwatch()
        (map, mapUnavailable) = Self.map(pool, plan: plan, groups: groups, highlighted: highlighted,
                                         limit: options.mapPoints, backend: planner.backend)
        timings.map = stopwatch.seconds
        self.timings = timings
    }

    /// Loads the pending pool of `window` (nil: every pending prospect) and the committed index
    /// from `store` (`PlanInputs`), as a dry run would, and reports on their plan.
    /// - Parameter onStage: called as each stage after the loading starts, with the number of
    ///   prospects in scope.
    /// - Returns: the report, the loading's seconds in `timings.load`.
    /// - Throws: `ReportError.load` when the store fails, else as `init` does.
    public static func load(store: CurationStore, window: JobWindow?, planner: Planner, options: Options = Options(),
                            onStage: ((Stage, _ prospects: Int) -> Void)? = nil) throws(ReportError) -> PlanReport {
        let inputs: PlanInputs
        do {
            inputs = try PlanInputs.load(store, window: window, planner: planner)
        } catch {
            throw .load(error)
        }
        var report = try PlanReport(pool: inputs.pool, committed: inputs.committed, planner: planner, options: options) {
            onStage?($0, inputs.pool.count)
        }
        report.timings.load = inputs.seconds
        return report
    }

    /// Indices of `groups`, largest first, ties in plan order.
    public var groupsBySize: [Int] { Self.bySize(groups) }

    /// Per pool index, its group (nil for a skipped prospect).
    public var groupOfProspect: [Int?] {
        var result = [Int?](repeating: nil, count: pool.count)
        for (g, group) in groups.enumerated() { for member in group.members { result[member] = g } }
        return result
    }

    // MARK: Statistics

    private static func bySize(_ groups: [Group]) -> [Int] {
        groups.indices.sorted { (groups[$1].members.count, $0) < (groups[$0].members.count, $1) }
    }

    private static func groups(of plan: Plan) -> [Group] {
        var groups: [Group] = []
        for cluster in plan.clusters {
            if cluster.group == groups.count {
                groups.append(Group(origin: cluster.origin, members: cluster.members, requests: 1))
            } else {
                let last = groups.removeLast()
                groups.append(Group(origin: last.origin, members: last.members + cluster.members, requests: last.requests + 1))
            }
        }
        return groups
    }

    /// Top-2 recall of the pool against itself, without the prospect itself: at most one of the
    /// two best is the row itself, so the other is its best match.
    private static func nearest(_ pool: PendingPool, planner: Planner) throws(ReportError) -> [Double?] {
        var nearest = [Double?](repeating: nil, count: pool.count)
        guard let matrix = pool.embeddings, matrix.rows > 1 else { return nearest }
        let hits: [[RecallHit]]
        do {
            hits = try TopKRecall(k: 2, backend: planner.backend, screenRank: planner.screenRank).search(matrix, in: matrix)
        } catch {
            throw .recall(error)
        }
        for (row, found) in hits.enumerated() {
            nearest[pool.embeddedIndices[row]] = found.first { $0.index != row }?.score
        }
        return nearest
    }

    private static func sweep(_ pool: PendingPool, plan: Plan, settings: Planner.Settings, thresholds: [Double],
                              planner: Planner) throws(ReportError) -> [SweepPoint] {
        guard let matrix = pool.embeddings, !plan.coldOrder.isEmpty else { return [] }
        let grid = Array(Set(thresholds + [settings.clusterSimilarity])).sorted()
        let results: [ClusteringResult]
        do {
            results = try ThresholdSweep(thresholds: grid, backend: planner.backend, screenRank: planner.screenRank)
                .cluster(matrix, order: plan.coldOrder.map { pool.prospects[$0].embeddingRow! })
        } catch {
            throw .sweep(error)
        }
        let fixed = plan.clusters.filter { $0.origin != .similarity }.count
        let size = settings.maxClusterSize
        return zip(grid, results).map { threshold, result in
            let sizes = result.clusters.map(\.count)
            return SweepPoint(threshold: threshold, clusters: sizes.count, largest: sizes.max() ?? 0,
                              singletons: sizes.filter { $0 == 1 }.count,
                              requests: fixed + sizes.reduce(0) { $0 + Chunking.pieceCount(ofSize: $1, maxSize: size) })
        }
    }

    /// The principal components of every embedded prospect, and the points drawn: all of them
    /// when they fit in `limit`; else every member of the highlighted groups (up to half of
    /// `limit`) and the rest chosen by a hash of the prospect id, so a prospect is drawn or not
    /// whatever else is pending.
    private static func map(_ pool: PendingPool, plan: Plan, groups: [Group], highlighted: [Int], limit: Int,
                            backend: Backend) -> (Map?, String?) {
        guard limit > 0 else { return (nil, "the map was turned off (--map-points 0)") }
        guard let matrix = pool.embeddings, matrix.rows >= 2 else {
            return (nil, "the map needs at least two prospects with embeddings")
        }
        let pca: PrincipalComponents
        do {
            pca = try PrincipalComponents(of: matrix, count: 2, backend: backend)
        } catch {
            return (nil, "no map: \(error.description)")
        }
        var rows = Array(0..<matrix.rows)
        if rows.count > limit {
            var chosen = Set<Int>()
            for g in highlighted {
                for member in groups[g].members {
                    guard chosen.count < limit / 2, let row = pool.prospects[member].embeddingRow else { continue }
                    chosen.insert(row)
                }
            }
            let hashes = rows.map { FNV1a64.hash(pool.prospects[pool.embeddedIndices[$0]].prospectID.utf8) }
            let byHash = rows.filter { !chosen.contains($0) }.sorted { (hashes[$0], $0) < (hashes[$1], $1) }
            for row in byHash.prefix(limit - chosen.count) { chosen.insert(row) }
            rows = chosen.sorted()
        }
        let points = rows.map { row in
            let xy = pca.project(row: row, of: matrix)
            return Map.Point(poolIndex: pool.embeddedIndices[row], x: xy[0], y: xy[1])
        }
        return (Map(points: points, embedded: matrix.rows, explainedVariance: pca.explainedVariance), nil)
    }
}

/// Why a report could not be made.
public enum ReportError: Error, CustomStringConvertible {
    /// The pending pool or the committed index could not be loaded (`JobError.store`).
    case load(JobError)
    case planning(PlanError)
    case recall(RecallError)
    case sweep(ClusteringError)

    public var description: String {
        switch self {
        case let .load(.store(reason)): "cannot load the pending pool: \(reason)"
        case let .load(error): "cannot load the pending pool: \(error)"
        case let .planning(error): error.description
        case let .recall(error): "nearest-prospect recall failed: \(error)"
        case let .sweep(error): "threshold sweep failed: \(error)"
        }
    }
}
