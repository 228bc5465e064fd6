import ArgumentParser
import Clustering
import Foundation
import Kernels

/// `curate-bench`: the pool-size benchmark. Always time a release build
/// (`swift build -c release --product curate-bench`).
@main
struct CurateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curate-bench",
        abstract: "Benchmarks greedy clustering, top-k recall and a dry-run backfill across pool sizes and backends.",
        discussion: """
            Per pool and backend: clusters, seconds (min and median over reps), effective GFLOP/s \
            (2·d·pairs the scalar reference evaluates / seconds), the share of the sgemm peak measured in the same \
            run, the speed-up over scalar and whether the clusters are identical to scalar's. With --peers, numpy, \
            faiss and scikit-learn run the same exact algorithm on the same rows (make peers-venv first).

            Pools are prefixes of the dataset in prospect_id order; pools larger than the dataset, or at another \
            dimension (N@D), are synthetic (clustered vectors with exact and near duplicates, fixed seed).
            """)

    @Option(help: "Pool sizes, comma-separated; N@D runs a pool at dimension D (e.g. 100000@1536).")
    var pools = "500,2800,10000,40000"

    @Option(help: "Dimension of the dataset and of pools written without @D.")
    var dim = 384

    @Option(help: "Dataset directory (embeddings.f32, prospects.jsonl) or 'synthetic'.")
    var dataset = "../shared/datasets/debian-minilm"

    @Option(help: "Backends to time: scalar, swift-simd, simd, blas, bf16, int8 (auto resolves to one of them).")
    var backends = "scalar,swift-simd,simd,blas,bf16,int8"

    @Option(help: "Cosine threshold for joining a cluster.")
    var threshold = 0.82

    @Option(help: "Repetitions per measurement (min and median are reported).")
    var reps = 3

    @Option(help: "Seconds after which a measurement stops repeating (it always runs once).")
    var repBudget = 20.0

    @Option(help: "Re-run a repetition (after waiting for a quiet machine) when other processes took more than this share of the CPUs during it; 1 disables.")
    var maxContention = 0.15

    @Option(help: "Seconds the whole run may spend waiting for a quiet machine.")
    var waitBudget = 120.0

    @Option(help: "Run scalar only up to this many items; above, extrapolate its seconds from the largest scalar run.")
    var scalarMax = 10000

    @Option(help: "Other size limits, backend=N or backend=N@D (one dimension), comma-separated (e.g. swift-simd=2800,scalar=2800@1536); above, seconds are extrapolated.")
    var maxPool: String?

    @Option(help: "Recall shapes QxN (queries x database, k = 8), comma-separated; 'none' to skip.")
    var recall = "10000x20000,40000x40000"

    @Option(help: "Backends to time recall with.")
    var recallBackends = "blas,simd,bf16,int8"

    @Option(help: "Low-rank screens each clustering and recall backend runs with, comma-separated: off, auto or a rank (scalar runs once, unscreened); rows name a screened run backend+screen (auto) or backend+screenK.")
    var screens = "off,auto"

    @Option(help: "Recall tile: queries per block (default: the engine's, \(TopKRecall().queryBlock)).")
    var recallQueryBlock: Int?

    @Option(help: "Recall tile: database rows per chunk (default: the engine's, \(TopKRecall().databaseChunk)).")
    var recallDatabaseChunk: Int?

    @Flag(help: "Also run a dry-run backfill on a temporary SQLite store at each real pool (stage timings, peak RSS).")
    var endToEnd = false

    @Option(help: "Pools for --end-to-end (default: every pool on real data).")
    var endToEndPools: String?

    @Flag(help: "With --end-to-end: also time `curate report` (plan, best similarities, threshold sweep, map, HTML) on each store.")
    var report = false

    @Option(help: "Committed items imported for --end-to-end (real rows after the pool, then synthetic).")
    var committed = 20000

    @Flag(help: "Also run the Python peers (numpy, faiss, scikit-learn) as installed and with the BLAS core forced.")
    var peers = false

    @Option(help: "Pools for --peers (default: every pool on real data).")
    var peerPools: String?

    @Option(help: "Peer libraries, comma-separated.")
    var peerLibraries = "numpy,faiss,sklearn"

    @Flag(inversion: .prefixedNo, help: "Run faiss recall on the recall shapes too (with --peers).")
    var peerRecall = true

    @Option(help: "Python of the peers' virtual environment.")
    var peersPython = "Benchmarks/peers/.venv/bin/python"

    @Option(help: "The peers script.")
    var peersScript = "Benchmarks/peers/peers.py"

    @Option(help: "Clustering block rows (default: the engine's, \(GreedyClustering.Tiling().blockRows)); a comma list makes the benchmark sweep and choose.")
    var block: String?

    @Option(help: "In-block sub-block rows (default: the engine's, \(GreedyClustering.Tiling().subBlockRows); list: sweep).")
    var subBlock: String?

    @Option(help: "Width of the first seed chunk of each block (default: the engine's, \(GreedyClustering.Tiling().firstSeedChunk); list: sweep).")
    var firstChunk: String?

    @Option(help: "Widest seed chunk (default: the engine's, \(GreedyClustering.Tiling().seedChunk); list: sweep).")
    var chunk: String?

    @Option(help: "Pool the tile sweep runs on (default: the largest pool ≤ 10,000).")
    var tunePool: Int?

    @Option(help: "Synthetic data: share of rows that duplicate an earlier row.")
    var duplicateRate = 0.35

    @Option(help: "Synthetic data: share of duplicates that are exact copies (the rest are near-duplicates).")
    var exactShare = 0.25

    @Option(help: "Synthetic data: topic centres the fresh rows gather around; 0 makes them isotropic (pure noise).")
    var topics = 2000

    @Option(help: "Synthetic data at the real set's dimension: its rows in turn plus Gaussian noise of this relative length (e.g. 0.05), instead of the generator.")
    var perturb: Double?

    @Option(help: "Synthetic data: generator seed.")
    var seed: UInt64 = 42

    @Option(help: "Write the full results as JSON.")
    var json: String?

    @Option(help: "Write the results as CSV.")
    var csv: String?

    @Option(help: "Write an SVG plot of seconds vs pool size (log–log).")
    var plot: String?

    @Option(help: "Write the tables as Markdown.")
    var markdown: String?

    @Option(help: .hidden)
    var endToEndChild: String?

    @Option(help: .hidden)
    var reportChild: String?

    /// Runs the benchmark; the engine's warnings go to standard error as `warning: …` lines.
    static func main() async {
        KernelsWarning.setHandler { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        await main(nil)
    }

    mutating func validate() throws {
        guard endToEndChild == nil, reportChild == nil else { return }
        guard !report || endToEnd else { throw ValidationError("--report needs --end-to-end (it runs on the end-to-end stores)") }
        guard dim >= 1 else { throw ValidationError("--dim must be at least 1") }
        guard threshold.isFinite else { throw ValidationError("--threshold must be a number") }
        guard reps >= 1 else { throw ValidationError("--reps must be at least 1") }
        guard repBudget >= 0 else { throw ValidationError("--rep-budget must not be negative") }
        guard maxContention > 0, waitBudget >= 0 else { throw ValidationError("--max-contention must be positive and --wait-budget not negative") }
        guard committed >= 0 else { throw ValidationError("--committed must not be negative") }
        guard (0...1).contains(duplicateRate), (0...1).contains(exactShare) else {
            throw ValidationError("--duplicate-rate and --exact-share must lie in [0, 1]")
        }
        _ = try makeConfiguration()
    }

    func run() async throws {
        if let store = endToEndChild {
            try EndToEndChild.run(storePath: store, threshold: threshold)
            return
        }
        if let store = reportChild {
            try ReportChild.run(storePath: store, threshold: threshold)
            return
        }
        var configuration = try makeConfiguration()
        var notes: [String] = []
        if let directory = configuration.datasetDirectory,
           !FileManager.default.fileExists(atPath: directory + "/embeddings.f32") {
            let warning = "dataset \(directory) not found (no embeddings.f32): using synthetic data for every pool. "
                + "To benchmark the real set, pass --dataset DIR (the debian-minilm directory, e.g. ../shared/datasets/debian-minilm)."
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            notes.append(warning)
            configuration.datasetDirectory = nil
        }
        do {
            try await BenchRun(configuration: configuration, command: CommandLine.arguments, notes: notes).run()
        } catch {
            FileHandle.standardError.write(Data("curate-bench: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func makeConfiguration() throws -> BenchConfiguration {
        do {
            return try makeConfigurationOrThrow()
        } catch let error as SpecError {
            throw ValidationError(error.description)
        }
    }

    private func makeConfigurationOrThrow() throws -> BenchConfiguration {
        func poolList(_ text: String) throws -> [PoolSpec] {
            try commaList(text).map { try PoolSpec.parse($0, defaultDimension: dim) }
        }
        func backendList(_ text: String) throws -> [Backend] {
            try commaList(text).map { name in
                guard let backend = Backend(rawValue: name) else { throw SpecError.badBackend(name) }
                return backend
            }
        }
        func sizes(_ text: String?, _ option: String, _ engineDefault: Int) throws -> [Int] {
            guard let text else { return [engineDefault] }
            let values = commaList(text).map { parseCount($0) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else { throw SpecError.badList(option: option, value: text) }
            return values.map { $0! }
        }
        let engine = GreedyClustering.Tiling()
        var limits: [Backend: [Int?: Int]] = [.scalar: [nil: scalarMax]]
        for item in commaList(maxPool ?? "") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let backend = Backend(rawValue: String(parts[0])) else { throw SpecError.badLimit(item) }
            let sizes = parts[1].split(separator: "@", omittingEmptySubsequences: false)
            guard (1...2).contains(sizes.count), let n = parseCount(sizes[0]), n >= 0 else { throw SpecError.badLimit(item) }
            var dimension: Int?
            if sizes.count == 2 {
                guard let d = Int(sizes[1]), d >= 1 else { throw SpecError.badLimit(item) }
                dimension = d
            }
            limits[backend, default: [:]][dimension] = n
        }
        let recallSpecs = recall == "none" ? [] : try commaList(recall).map { try RecallSpec.parse($0, defaultDimension: dim) }
        let queryBlock = recallQueryBlock ?? TopKRecall().queryBlock
        let databaseChunk = recallDatabaseChunk ?? TopKRecall().databaseChunk
        guard queryBlock >= 1, databaseChunk >= 1 else { throw ValidationError("recall tile sizes must be at least 1") }
        let libraries = commaList(peerLibraries)
        if let unknown = libraries.first(where: { !["numpy", "faiss", "sklearn"].contains($0) }) {
            throw ValidationError("unknown peer library \(unknown.debugDescription): expected numpy, faiss or sklearn")
        }
        var seen = Set<PoolSpec>()
        let poolSpecs = try poolList(pools).filter { seen.insert($0).inserted }.sorted()
        guard !poolSpecs.isEmpty else { throw SpecError.badPool(pools) }
        let peerPoolSpecs = try peerPools.map(poolList)
        if let missing = peerPoolSpecs?.first(where: { !poolSpecs.contains($0) }) {
            throw ValidationError("--peer-pools: \(missing) is not among --pools (the peers' clusters are checked against the engine's)")
        }
        return BenchConfiguration(
            pools: poolSpecs, dimension: dim,
            datasetDirectory: dataset == "synthetic" ? nil : dataset,
            backends: try backendList(backends), threshold: threshold, reps: reps, repBudget: repBudget,
            maxContention: maxContention, waitBudget: waitBudget,
            maxPool: limits, recall: recallSpecs, recallBackends: try backendList(recallBackends).filter { $0 != .scalar },
            screens: try screenList(screens),
            recallQueryBlock: queryBlock, recallDatabaseChunk: databaseChunk,
            endToEnd: endToEnd, endToEndPools: try endToEndPools.map(poolList), committed: committed, report: report,
            peers: peers, peerPools: peerPoolSpecs, peerLibraries: libraries, peerRecall: peerRecall,
            peersPython: peersPython, peersScript: peersScript,
            blockRows: try sizes(block, "--block", engine.blockRows), subBlockRows: try sizes(subBlock, "--sub-block", engine.subBlockRows),
            firstSeedChunk: try sizes(firstChunk, "--first-chunk", engine.firstSeedChunk),
            seedChunk: try sizes(chunk, "--chunk", engine.seedChunk),
            tunePool: tunePool,
            synthetic: .init(duplicateRate: duplicateRate, exactShare: exactShare, topics: topics, seed: seed, perturbation: perturb),
            jsonPath: json, csvPath: csv, plotPath: plot, markdownPath: markdown)
    }
}
