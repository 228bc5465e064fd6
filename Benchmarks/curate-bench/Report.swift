import Kernels

/// Everything one run measured: the JSON file, and the source of the tables, CSV and plot.
/// Keys are written in snake_case.
struct BenchReport: Codable {
    var tool = "curate-bench"
    var command: [String]
    var started: String
    var wallSeconds = 0.0
    var machine: MachineInfo
    var peak = PeakInfo()
    var threshold: Double
    var reps: Int
    var repBudgetSeconds: Double
    /// Repetitions re-run because other processes took more than `maxContention` of the CPUs,
    /// and the seconds spent waiting for a quiet machine.
    var maxContention: Double
    var contendedRetries = 0
    var quietWaitSeconds = 0.0
    var tiling: TilingInfo
    var tuning: [TuningRow] = []
    var synthetic: SyntheticDataset.Parameters
    var dataset: String
    var clustering: [ClusteringRow] = []
    var recall: [RecallRow] = []
    var endToEnd: [EndToEndRow] = []
    var reports: [ReportRow] = []
    var peers: PeersInfo?
    var targets: [TargetCheck] = []
    var notes: [String] = []
}

/// The machine and the compute set-up the numbers come from.
struct MachineInfo: Codable {
    var cpu: String
    var cores: Int
    var memoryGibibytes: Double
    var isa: String
    var blasLibrary: String
    var blasCore: String
    var blasRequestedCore: String?
    var engineWorkers: Int
    var blasThreadsPerCall: Int
    var loadAverageStart: [Double]
    var loadAverageEnd: [Double] = []
}

/// The sgemm peak, measured in this run with the engine's BLAS and thread count.
struct PeakInfo: Codable {
    /// One single-threaded product per engine worker at once (GFLOP/s), per measurement.
    var perWorker: [Double] = []
    /// One product threaded by the library over the same number of threads, per measurement.
    var libraryThreaded: [Double] = []
    /// Share of the CPUs other processes used during each measurement.
    var othersShare: [Double] = []
    /// The yardstick: the largest of all of the above (GFLOP/s); NaN without a BLAS.
    var peak: Double { (perWorker + libraryThreaded).filter(\.isFinite).max() ?? .nan }

    enum CodingKeys: String, CodingKey { case perWorker, libraryThreaded, othersShare, peak }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        perWorker = try c.decode([Double].self, forKey: .perWorker)
        libraryThreaded = try c.decode([Double].self, forKey: .libraryThreaded)
        othersShare = try c.decode([Double].self, forKey: .othersShare)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(perWorker, forKey: .perWorker)
        try c.encode(libraryThreaded, forKey: .libraryThreaded)
        try c.encode(othersShare, forKey: .othersShare)
        try c.encode(peak.isFinite ? peak : nil, forKey: .peak)
    }
}

/// Tile sizes the run used.
struct TilingInfo: Codable {
    var blockRows: Int
    var subBlockRows: Int
    var firstSeedChunk: Int
    var seedChunk: Int
    var recallQueryBlock: Int
    var recallDatabaseChunk: Int
    var chosenBySweep = false

    var text: String {
        "cluster blocks \(blockRows) rows (sub-blocks \(subBlockRows)), seed chunks \(firstSeedChunk)→\(seedChunk); "
            + "recall tiles \(recallQueryBlock) queries × \(recallDatabaseChunk) rows"
            + (chosenBySweep ? " (chosen by the sweep)" : "")
    }
}

/// One tiling tried by the sweep.
struct TuningRow: Codable {
    var blockRows: Int
    var subBlockRows: Int
    var firstSeedChunk: Int
    var seedChunk: Int
    var seconds: Double
}

/// One clustering measurement (ours or a peer's) at one pool.
struct ClusteringRow: Codable {
    var dim: Int
    var pool: Int
    /// "real" or "synthetic".
    var data: String
    /// An engine backend (`blas`, …) or a peer library (`numpy`, `faiss`, `sklearn`).
    var backend: String
    /// "engine" or "peer".
    var kind: String
    /// Peers: "pip" (as installed) or "forced" (OPENBLAS_CORETYPE set).
    var mode: String?
    /// The BLAS core that ran the products (peers: as threadpoolctl reports it).
    var blasCore: String?
    var clusters: Int?
    /// Pairs (item, seed) the scalar reference evaluates for these clusters.
    var referencePairs: Int?
    var computedPairs: Int?
    var rechecked: Int?
    /// The low-rank screen that ran, if any.
    var screen: ScreenInfo?
    var seconds: [Double] = []
    /// Per repetition: share of the machine's CPUs other processes used meanwhile (`QuietGuard`).
    var othersShare: [Double] = []
    var secondsMin: Double?
    var secondsMedian: Double?
    /// Set when the seconds are extrapolated (not measured): the run they are scaled from.
    var extrapolatedFrom: String?
    /// Effective GFLOP/s = 2·d·referencePairs / secondsMin.
    var gflops: Double?
    var percentOfPeak: Double?
    var speedupOverScalar: Double?
    var scalarExtrapolated: Bool?
    /// Whether the clusters equal the reference's (`identicalTo`); nil when not checked.
    var identical: Bool?
    var identicalTo: String?
    /// Fastest peer at this pool (as installed, and with the core forced): its seconds over ours.
    var fastestPeerPip: PeerRatio?
    var fastestPeerForced: PeerRatio?
    /// FNV-1a 64 of the clusters written as `a,b,c;d;…` (row indices in visiting order).
    var clustersDigest: String?
    var note: String?

    var isExtrapolated: Bool { extrapolatedFrom != nil }
}

/// What a low-rank screen did in one run: the rank and encoding it chose and the share of the
/// pairs it screened that it could not rule out.
struct ScreenInfo: Codable {
    var rank: Int
    var encoding: String
    var screenedPairs: Int
    var survivors: Int
    var survivingFraction: Double

    init(_ summary: ScreenSummary) {
        rank = summary.rank
        encoding = summary.encoding
        screenedPairs = summary.screenedPairs
        survivors = summary.survivors
        survivingFraction = summary.survivingFraction
    }

    /// "k=64 int8, 0.41 % left".
    var text: String { String(format: "k=%ld %@, %.2f %% left", rank, encoding, 100 * survivingFraction) }
}

/// A peer's seconds against ours.
struct PeerRatio: Codable {
    var library: String
    var seconds: Double
    /// Peer seconds / our seconds (> 1: we are faster).
    var ratio: Double
}

/// One recall measurement.
struct RecallRow: Codable {
    var dim: Int
    var queries: Int
    var database: Int
    var data: String
    var backend: String
    var kind: String
    var mode: String?
    var blasCore: String?
    var k = 8
    /// (query, row) pairs decided exactly after the tiles (engine rows).
    var rechecked: Int?
    /// The low-rank screen that ran, if any.
    var screen: ScreenInfo?
    var seconds: [Double] = []
    var othersShare: [Double] = []
    var secondsMin: Double?
    var secondsMedian: Double?
    /// 2·d·queries·database / secondsMin.
    var gflops: Double?
    var percentOfPeak: Double?
    /// Whether the hits equal the reference backend's (ours are exact, so all must agree).
    var identical: Bool?
    var identicalTo: String?
    /// Peers: share of queries whose 8 hits (ids, in order) equal our exact ones.
    var agreement: Double?
    var faissPip: PeerRatio?
    var faissForced: PeerRatio?
}

/// One dry-run backfill on a temporary SQLite database.
struct EndToEndRow: Codable {
    var dim: Int
    var pool: Int
    var data: String
    var committed: Int
    var committedReal: Int
    var backend: String
    var importSeconds: Double
    var loadSeconds: Double
    var recallSeconds: Double
    var clusterSeconds: Double
    var planSeconds: Double
    var totalSeconds: Double
    var clusters: Int
    var skipped: Int
    var warm: Int
    var cold: Int
    /// Peak RSS of the dry-run process (load + plan), MiB.
    var peakRssMebibytes: Double
}

/// `curate report` on an end-to-end store, in a child process (its own peak RSS).
struct ReportRow: Codable {
    var dim: Int
    var pool: Int
    var data: String
    var committed: Int
    var backend: String
    var loadSeconds: Double
    /// The planner's stages (recall, clustering, chunking).
    var planSeconds: Double
    var nearestSeconds: Double
    var sweepSeconds: Double
    var sweepThresholds: Int
    var mapSeconds: Double
    var renderSeconds: Double
    var totalSeconds: Double
    var htmlBytes: Int
    var mapPoints: Int
    var peakRssMebibytes: Double
}

/// How the peers ran.
struct PeersInfo: Codable {
    var python: String
    var versions: [String: String] = [:]
    /// Per library and mode: the OPENBLAS_CORETYPE set (nil: unset) and the core reported.
    var runs: [PeerRunInfo] = []
    /// How the forced core was chosen per library (threadpoolctl probes).
    var probes: [String] = []
    var problems: [String] = []
}

struct PeerRunInfo: Codable {
    var library: String
    var mode: String
    var openblasCoretype: String?
    var reportedCore: String?
    var blasLibrary: String?
    var threadpoolInfo: [[String: String]] = []
    var seconds: Double
}

/// One target of an issue and whether it holds in this run.
struct TargetCheck: Codable {
    var target: String
    var measured: String
    var holds: Bool?
}
