import Clustering
import Foundation
import Kernels

/// One benchmark run, in order: machine and sgemm peak, tile sweep, clustering, recall, end to
/// end, peers, the peak again; then the derived numbers, the tables and the files.
final class BenchRun {
    let configuration: BenchConfiguration
    private let command: [String]
    private var notes: [String]

    init(configuration: BenchConfiguration, command: [String], notes: [String]) {
        self.configuration = configuration
        self.command = command
        self.notes = notes
    }

    /// Progress and header lines, on standard output as they happen.
    private func log(_ line: String) {
        print(line)
        fflush(nil)
    }

    func run() async throws {
        let wallStart = Timing.now()
        let c = configuration
        let workDirectory = NSTemporaryDirectory() + "curate-bench-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDirectory) }

        let catalog = try DataCatalog(datasetDirectory: c.datasetDirectory, dimension: c.dimension,
                                      synthetic: SyntheticDataset(parameters: c.synthetic), workDirectory: workDirectory, log: log)
        try reserveAndCheckMemory(catalog)

        let first = c.tilingCandidates.first ?? GreedyClustering.Tiling()
        var tilingInfo = TilingInfo(blockRows: first.blockRows, subBlockRows: first.subBlockRows, firstSeedChunk: first.firstSeedChunk,
                                    seedChunk: first.seedChunk, recallQueryBlock: c.recallQueryBlock,
                                    recallDatabaseChunk: c.recallDatabaseChunk)
        let machine = MachineProbe.describe()
        MachineProbe.header(machine, tiling: tilingInfo).forEach(log)
        if c.sweepsTiles { log("           (tile options give \(c.tilingCandidates.count) tilings: the sweep below chooses)") }
        log("data:      " + (c.datasetDirectory.map { "\($0) (\(catalog.realRows) rows of d = \(c.dimension)); larger pools and other dimensions synthetic" }
            ?? "synthetic only"))
        var report = BenchReport(command: command, started: ISO8601DateFormatter().string(from: Date()), machine: machine,
                                 threshold: c.threshold, reps: c.reps, repBudgetSeconds: c.repBudget,
                                 maxContention: c.maxContention, tiling: tilingInfo,
                                 synthetic: c.synthetic, dataset: c.datasetDirectory ?? "synthetic")

        let quiet = QuietGuard(threshold: c.maxContention, waitBudget: c.waitBudget, log: log)
        MachineProbe.measurePeak(into: &report.peak, quiet: quiet, log: log)
        log(String(format: "sgemm peak at start: %.1f GFLOP/s per-worker (%ld × 1 thread), %.1f GFLOP/s library-threaded",
                   report.peak.perWorker.last ?? .nan, machine.engineWorkers, report.peak.libraryThreaded.last ?? .nan))

        let (tiling, tuning) = try TileSweep.choose(configuration: c, catalog: catalog, quiet: quiet, log: log)
        report.tuning = tuning
        if !tuning.isEmpty {
            tilingInfo = TilingInfo(blockRows: tiling.blockRows, subBlockRows: tiling.subBlockRows, firstSeedChunk: tiling.firstSeedChunk,
                                    seedChunk: tiling.seedChunk, recallQueryBlock: c.recallQueryBlock,
                                    recallDatabaseChunk: c.recallDatabaseChunk, chosenBySweep: true)
            report.tiling = tilingInfo
            log("tiles:     " + tilingInfo.text)
        }

        let clustering = ClusteringBench(configuration: c, catalog: catalog, tiling: tiling, quiet: quiet, log: log)
        try clustering.run()
        report.clustering = clustering.rows

        let recall = RecallBench(configuration: c, catalog: catalog, quiet: quiet, log: log)
        try recall.run()
        report.recall = recall.rows

        if c.endToEnd {
            let endToEnd = EndToEndBench(configuration: c, catalog: catalog, log: log)
            try await endToEnd.run()
            report.endToEnd = endToEnd.rows
            report.reports = endToEnd.reportRows
        }

        if c.peers {
            let peers = PeerRunner(configuration: c, catalog: catalog, quiet: quiet, log: log)
            var pairs: [PoolSpec: Int] = [:]
            for row in clustering.rows where row.referencePairs != nil { pairs[PoolSpec(rows: row.pool, dimension: row.dim)] = row.referencePairs }
            try peers.run(reference: clustering.reference, referencePairs: pairs, recallHits: recall.hits)
            report.clustering += peers.clusteringRows
            report.recall += peers.recallRows
            report.peers = peers.info
            notes += peers.info.problems
        }

        MachineProbe.measurePeak(into: &report.peak, quiet: quiet, log: log)
        log(String(format: "sgemm peak at end: %.1f GFLOP/s per-worker, %.1f GFLOP/s library-threaded",
                   report.peak.perWorker.last ?? .nan, report.peak.libraryThreaded.last ?? .nan))
        report.machine.loadAverageEnd = Timing.loadAverage()
        // How clean the numbers are: others' share of the CPUs during every judged repetition.
        var judged: [Double] = []
        for (seconds, shares) in report.clustering.map({ ($0.seconds, $0.othersShare) }) + report.recall.map({ ($0.seconds, $0.othersShare) }) {
            for (s, share) in zip(seconds, shares) where s >= 0.2 { judged.append(share) }
        }
        func loads(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: " ") }
        let worst = 100 * (judged.max() ?? 0), typical = 100 * Timing.median(judged.isEmpty ? [0] : judged)
        notes.append(String(format: "other processes took at most %.0f %% (median %.0f %%) of the CPUs during the %ld repetitions of 0.2 s or more",
                            worst, typical, judged.count)
            + "; load average (1/5/15 min) \(loads(report.machine.loadAverageStart)) at the start, \(loads(report.machine.loadAverageEnd)) at the end")
        if clustering.rows.contains(where: { $0.identical == false }) || report.clustering.contains(where: { $0.identical == false }) {
            notes.append("SOME CLUSTERS DIFFER from the reference: see the identical column")
        }
        report.contendedRetries = quiet.retried
        report.quietWaitSeconds = quiet.waited
        if quiet.retried > 0 || quiet.waited > 0 {
            notes.append(String(format: "%ld measurements were re-run because other processes took more than %.0f %% of the CPUs; %.0f s spent waiting for a quiet machine",
                                quiet.retried, 100 * c.maxContention, quiet.waited))
        }
        report.notes = notes
        report.wallSeconds = Timing.now() - wallStart
        Analysis.apply(to: &report)

        log("")
        log(ReportWriter.terminal(report))
        try ReportWriter.write(report, configuration: c, log: log)
        log(String(format: "wall time %.0f s", report.wallSeconds))
    }

    /// Declares the synthetic rows every part of the run needs (so each dimension is generated
    /// once) and refuses runs that would not fit in memory.
    private func reserveAndCheckMemory(_ catalog: DataCatalog) throws {
        let c = configuration
        var largestPool = 0
        for pool in c.pools where !catalog.isReal(rows: pool.rows, dimension: pool.dimension) {
            catalog.reserveSynthetic(rows: pool.rows, dimension: pool.dimension)
            largestPool = max(largestPool, pool.rows * pool.dimension)
        }
        for spec in c.recall where !RecallBench.layout(spec, catalog: catalog).real {
            catalog.reserveSynthetic(rows: spec.queries + spec.database, dimension: spec.dimension)
        }
        if c.endToEnd {
            for pool in EndToEndBench.pools(c, catalog: catalog) {
                let split = EndToEndBench.committedSplit(pool, committed: c.committed, catalog: catalog)
                if split.synthetic > 0 {
                    catalog.reserveSynthetic(rows: split.syntheticOffset + split.synthetic, dimension: pool.dimension)
                }
            }
        }
        // Values held by the catalog, plus the largest pool's matrix (raw and unit copies) and slack.
        let bytes = catalog.estimatedBytes + 3 * 4 * largestPool
        let memory = Int(ProcessInfo.processInfo.physicalMemory)
        guard bytes < memory * 6 / 10 else {
            throw BenchError(String(format: "the synthetic data would take about %.1f GiB of the %.1f GiB of memory: use smaller pools or dimensions",
                                    Double(bytes) / 1_073_741_824, Double(memory) / 1_073_741_824))
        }
    }
}
