import Foundation
import Kernels

/// Runs `Benchmarks/peers/peers.py` (numpy, faiss, scikit-learn) on the same rows as the engine,
/// twice per library: as pip installed it (`OPENBLAS_CORETYPE` unset) and with the OpenBLAS core
/// forced to the one the engine's loader picked for this CPU. A library's own OpenBLAS may not
/// know that core (it then falls back to its SSE3 "Prescott" kernel); each library is probed
/// with threadpoolctl and the next core of the same family is taken when it does not report one
/// of the family (Cooperlake → SkylakeX, …). The core every run reported is recorded.
final class PeerRunner {
    let configuration: BenchConfiguration
    let catalog: DataCatalog
    let quiet: QuietGuard
    private let log: (String) -> Void
    private(set) var info: PeersInfo
    private(set) var clusteringRows: [ClusteringRow] = []
    private(set) var recallRows: [RecallRow] = []

    init(configuration: BenchConfiguration, catalog: DataCatalog, quiet: QuietGuard, log: @escaping (String) -> Void) {
        self.configuration = configuration
        self.catalog = catalog
        self.quiet = quiet
        self.log = log
        info = PeersInfo(python: configuration.peersPython)
    }

    /// The pools the peers run: the given ones, or every pool of the run on real data.
    static func pools(_ configuration: BenchConfiguration, catalog: DataCatalog) -> [PoolSpec] {
        configuration.peerPools ?? configuration.pools.filter { catalog.isReal(rows: $0.rows, dimension: $0.dimension) }
    }

    /// Families of OpenBLAS cores, best first: a core that reports any later one is acceptable.
    static func coreChain(for core: String) -> [String] {
        let chains = [
            ["SapphireRapids", "Cooperlake", "SkylakeX"],
            ["Cooperlake", "SkylakeX"],
            ["SkylakeX"],
            ["Zen", "Haswell"],
            ["Haswell"],
        ]
        return chains.first { $0[0].caseInsensitiveCompare(core) == .orderedSame } ?? [core]
    }

    /// Whether the peers can run; logs what to do when they cannot.
    func available() -> Bool {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: configuration.peersPython) else {
            let problem = "peers skipped: no Python at \(configuration.peersPython) (run `make peers-venv` first)"
            info.problems.append(problem)
            log(problem)
            return false
        }
        guard fm.fileExists(atPath: configuration.peersScript) else {
            let problem = "peers skipped: no \(configuration.peersScript)"
            info.problems.append(problem)
            log(problem)
            return false
        }
        return true
    }

    /// Runs every library in both modes. `reference` gives the engine's clusters per pool,
    /// `referencePairs` the reference pairs per pool, `recallHits` the engine's exact hits.
    func run(reference: [PoolSpec: (name: String, clusters: [[Int]])], referencePairs: [PoolSpec: Int],
             recallHits: [RecallSpec: [[Int]]]) throws {
        guard available() else { return }
        let pools = Self.pools(configuration, catalog: catalog)
        var job = Job(threshold: configuration.threshold, reps: configuration.reps, repBudget: configuration.repBudget,
                      maxContention: configuration.maxContention, waitBudget: 0)
        for pool in pools {
            let real = catalog.isReal(rows: pool.rows, dimension: pool.dimension)
            let slice = try catalog.fileSlice(rows: pool.rows, dimension: pool.dimension, real: real)
            job.clustering.append(.init(id: pool.description, file: slice.file, dim: slice.dim, offset: slice.offset, rows: slice.rows))
        }
        if configuration.peerRecall {
            for spec in configuration.recall {
                let layout = RecallBench.layout(spec, catalog: catalog)
                job.recall.append(.init(
                    id: spec.description, k: 8,
                    queries: try catalog.fileSlice(offset: layout.queryOffset, rows: spec.queries, dimension: spec.dimension, real: layout.real),
                    database: try catalog.fileSlice(offset: layout.databaseOffset, rows: spec.database, dimension: spec.dimension, real: layout.real)))
            }
        }
        let jobPath = catalog.workDirectory + "/peers-job.json"
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase

        let requested = BLASLibrary.requestedCore ?? ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? BLASLibrary.coreName
        var asInstalled = ProcessInfo.processInfo.environment
        asInstalled["OPENBLAS_CORETYPE"] = nil
        for library in configuration.peerLibraries {
            let chain = Self.coreChain(for: requested)
            var forcedCore = chain[0]
            for candidate in chain {
                var environment = asInstalled
                environment["OPENBLAS_CORETYPE"] = candidate
                let probe = try invoke(["probe", "--library", library], environment: environment)
                let reported = probe.blas["architecture"] ?? "?"
                if chain.contains(where: { $0.caseInsensitiveCompare(reported) == .orderedSame }) {
                    forcedCore = candidate
                    info.probes.append("\(library): OPENBLAS_CORETYPE=\(candidate) → \(reported) (forced run uses \(candidate))")
                    break
                }
                let note = "\(library): OPENBLAS_CORETYPE=\(candidate) → \(reported), not a core of the \(chain[0]) family "
                    + "(the library's OpenBLAS lacks that kernel); trying the next one"
                info.probes.append(note)
                log("peers: " + note)
                forcedCore = candidate
            }
            for (mode, core) in [("pip", nil), ("forced", forcedCore)] as [(String, String?)] {
                var environment = asInstalled
                environment["OPENBLAS_CORETYPE"] = core
                job.waitBudget = max(0, min(30, quiet.waitBudget))
                try encoder.encode(job).write(to: URL(fileURLWithPath: jobPath))
                let start = Timing.now()
                let output = try invoke(["run", "--library", library, "--job", jobPath], environment: environment)
                quiet.charge(waited: output.waited, retried: output.retried)
                let reported = output.blas["architecture"]
                info.versions.merge(output.versions) { a, _ in a }
                info.runs.append(PeerRunInfo(library: library, mode: mode, openblasCoretype: core, reportedCore: reported,
                                             blasLibrary: output.blas["filepath"].map { ($0 as NSString).lastPathComponent },
                                             threadpoolInfo: output.threadpoolInfo, seconds: Timing.now() - start))
                log("peers: \(library) \(mode) (OPENBLAS_CORETYPE=\(core ?? "unset")): threadpoolctl reports \(reported ?? "no BLAS")")
                for result in output.clustering {
                    guard let pool = pools.first(where: { $0.description == result.id }) else { continue }
                    var row = ClusteringRow(dim: pool.dimension, pool: pool.rows, data: catalog.kind(rows: pool.rows, dimension: pool.dimension),
                                            backend: library, kind: "peer", mode: mode, blasCore: reported)
                    row.clusters = result.clusters.count
                    row.referencePairs = referencePairs[pool]
                    row.computedPairs = result.computedPairs
                    row.rechecked = result.rechecked
                    row.seconds = result.seconds
                    row.othersShare = result.others
                    row.secondsMin = result.seconds.min()
                    row.secondsMedian = Timing.median(result.seconds)
                    row.clustersDigest = result.digest
                    if let reference = reference[pool] {
                        row.identical = result.clusters == reference.clusters
                        row.identicalTo = reference.name
                        if row.identical == false {
                            log("MISMATCH: \(library) (\(mode)) clusters differ from \(reference.name)'s at \(pool)")
                        }
                    }
                    clusteringRows.append(row)
                }
                for result in output.recall {
                    guard let spec = configuration.recall.first(where: { $0.description == result.id }) else { continue }
                    var row = RecallRow(dim: spec.dimension, queries: spec.queries, database: spec.database,
                                        data: RecallBench.layout(spec, catalog: catalog).real ? "real" : "synthetic",
                                        backend: library, kind: "peer", mode: mode, blasCore: reported)
                    row.seconds = result.seconds
                    row.othersShare = result.others
                    row.secondsMin = result.seconds.min()
                    row.secondsMedian = Timing.median(result.seconds)
                    if let ours = recallHits[spec], ours.count == result.hits.count {
                        let same = zip(ours, result.hits).filter { $0 == $1 }.count
                        row.agreement = Double(same) / Double(max(ours.count, 1))
                    }
                    recallRows.append(row)
                }
            }
        }
    }

    private func invoke(_ arguments: [String], environment: [String: String]) throws -> Output {
        let outcome = try ChildProcess.run(executable: configuration.peersPython,
                                           arguments: [configuration.peersScript] + arguments, environment: environment)
        guard outcome.status == 0 else {
            throw BenchError("peers.py \(arguments.joined(separator: " ")) failed with exit \(outcome.status) (its error is above)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Output.self, from: Data(outcome.stdout.utf8))
        } catch {
            throw BenchError("peers.py \(arguments.joined(separator: " ")) printed unreadable JSON: \(error)")
        }
    }

    /// The job file peers.py reads.
    struct Job: Encodable {
        struct ClusteringItem: Encodable {
            var id: String
            var file: String
            var dim: Int
            var offset: Int
            var rows: Int
        }

        struct RecallItem: Encodable {
            var id: String
            var k: Int
            var queries: DataCatalog.FileSlice
            var database: DataCatalog.FileSlice
        }

        var threshold: Double
        var reps: Int
        var repBudget: Double
        var maxContention: Double
        var waitBudget: Double
        var clustering: [ClusteringItem] = []
        var recall: [RecallItem] = []
    }

    /// What peers.py prints.
    struct Output: Decodable {
        struct Clustering: Decodable {
            var id: String
            var seconds: [Double]
            var others: [Double]
            var clusters: [[Int]]
            var digest: String
            var rechecked: Int
            var computedPairs: Int
        }

        struct Recall: Decodable {
            var id: String
            var seconds: [Double]
            var others: [Double]
            var hits: [[Int]]
        }

        var library: String
        var versions: [String: String]
        var openblasCoretype: String?
        var blas: [String: String]
        var threadpoolInfo: [[String: String]]
        var clustering: [Clustering]
        var recall: [Recall]
        var waited: Double
        var retried: Int
    }
}
