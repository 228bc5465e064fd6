import Foundation

/// Writes a report as JSON, CSV, Markdown and SVG, and prints it to the terminal.
enum ReportWriter {
    static func terminal(_ report: BenchReport) -> String {
        var parts = [Tables.peakLine(report.peak), "", "Clustering", Tables.clustering(report).render(markdown: false)]
        if !report.recall.isEmpty { parts += ["", "Recall (k = 8)", Tables.recall(report).render(markdown: false)] }
        if !report.endToEnd.isEmpty { parts += ["", "End to end (dry-run backfill)", Tables.endToEnd(report).render(markdown: false)] }
        if !report.reports.isEmpty { parts += ["", "curate report", Tables.reports(report).render(markdown: false)] }
        parts += ["", "Targets", Tables.targets(report).render(markdown: false)]
        if !report.notes.isEmpty { parts += [""] + report.notes.map { "note: " + $0 } }
        return parts.joined(separator: "\n")
    }

    static func markdown(_ report: BenchReport, plotPath: String?) -> String {
        let m = report.machine
        var lines = [
            "# curate-bench results",
            "",
            "Run \(report.started), \(String(format: "%.0f", report.wallSeconds)) s wall: `\(report.command.joined(separator: " "))`",
            "",
            "- Machine: \(m.cpu), \(m.cores) cores, \(String(format: "%.0f", m.memoryGibibytes)) GiB; load average at start "
                + "\(m.loadAverageStart.map { String(format: "%.2f", $0) }.joined(separator: " ")), at end "
                + "\(m.loadAverageEnd.map { String(format: "%.2f", $0) }.joined(separator: " ")) (1/5/15 min)",
            "- ISA \(m.isa); BLAS \(m.blasLibrary), core \(m.blasCore)"
                + (m.blasRequestedCore.map { " (requested from cpuid: \($0))" } ?? "")
                + "; \(m.engineWorkers) engine workers × \(m.blasThreadsPerCall) BLAS thread",
            "- Tiles: \(report.tiling.text)",
            "- " + Tables.peakLine(report.peak),
            "- Threshold \(report.threshold); seconds are the min (and median) over up to \(report.reps) repetitions, "
                + "fewer once a size has taken \(String(format: "%.0f", report.repBudgetSeconds)) s",
            "- Effective GFLOP/s = 2·d·(pairs the scalar reference evaluates) / seconds; recall: 2·d·queries·database / seconds",
            "",
        ]
        if let plotPath {
            lines += ["![seconds vs pool size](\((plotPath as NSString).lastPathComponent))", ""]
        }
        lines += ["## Clustering", "", Tables.clustering(report).render(markdown: true), ""]
        lines += [
            "`~` marks seconds extrapolated from the backend's largest measured run by the ratio of reference pairs "
                + "(exact, from the clusters); `identical` compares the clusters with `scalar`'s, or with `simd`'s where "
                + "`scalar` was not run. Peers: `pip` = as installed, `forced` = `OPENBLAS_CORETYPE` set; the core is "
                + "what threadpoolctl reports. `× fastest peer` = the fastest peer's seconds / ours. `others` = share of the "
                + "CPUs other processes used during the fastest repetition (a repetition over "
                + String(format: "%.0f %%", 100 * report.maxContention) + " is re-run after waiting for a quiet machine, "
                + "while the run's waiting budget lasts).",
            "",
        ]
        if !report.recall.isEmpty { lines += ["## Recall (k = 8)", "", Tables.recall(report).render(markdown: true), ""] }
        if !report.endToEnd.isEmpty {
            lines += ["## End to end (dry-run backfill on a temporary SQLite store)", "", Tables.endToEnd(report).render(markdown: true), ""]
            lines += ["Stage seconds from the planner (`Plan.timings`); load = pending pool + committed index; peak RSS of the dry-run process.", ""]
        }
        if !report.reports.isEmpty {
            lines += ["## `curate report` on the same stores", "", Tables.reports(report).render(markdown: true), ""]
            lines += ["What `curate report` runs, in a child process: load, plan, each prospect's best similarity to another (exact "
                      + "top-2 self-recall), the threshold sweep (one exact pass over every threshold), the PCA map (LAPACKE) and the "
                      + "HTML page; peak RSS of that process.", ""]
        }
        if !report.tuning.isEmpty { lines += ["## Tile sweep", "", Tables.tuning(report).render(markdown: true), ""] }
        lines += ["## Targets", "", Tables.targets(report).render(markdown: true), ""]
        if let peers = report.peers {
            lines += ["## Peers", "",
                      "The engine's loader requests `\(report.machine.blasRequestedCore ?? report.machine.blasCore)` on this CPU; each peer "
                      + "runs once as pip installed it and once with `OPENBLAS_CORETYPE` set to that core, or to the next core of its "
                      + "family when the peer's own OpenBLAS does not have it (checked with threadpoolctl). Peers run the same exact "
                      + "algorithm (float32 tiles, float64 re-check near the threshold) and their clusters are compared with ours.", ""]
            lines += ["- Versions: " + peers.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
            for run in peers.runs {
                lines.append("- \(run.library) \(run.mode): OPENBLAS_CORETYPE=\(run.openblasCoretype ?? "unset") → threadpoolctl reports "
                    + "\(run.reportedCore ?? "no BLAS") (\(run.blasLibrary ?? "?"))")
            }
            lines += peers.probes.map { "- Probe: " + $0 }
            lines += peers.problems.map { "- " + $0 }
            lines.append("")
        }
        if !report.notes.isEmpty { lines += ["## Notes", ""] + report.notes.map { "- " + $0 } + [""] }
        return lines.joined(separator: "\n")
    }

    static func csv(_ report: BenchReport) -> String {
        let header = ["section", "kind", "backend", "mode", "blas_core", "dim", "pool", "queries", "database", "data", "clusters",
                      "reference_pairs", "seconds_min", "seconds_median", "reps", "extrapolated_from", "gflops", "percent_of_peak",
                      "speedup_over_scalar", "identical", "identical_to", "fastest_peer_pip", "ratio_pip", "fastest_peer_forced",
                      "ratio_forced", "load_s", "recall_s", "cluster_s", "plan_s", "peak_rss_mib", "others_share"]
        func cell(_ value: Any?) -> String {
            guard let value else { return "" }
            if let d = value as? Double { return d.isFinite ? String(d) : "" }
            let text = "\(value)"
            return text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [header.joined(separator: ",")]
        for r in report.clustering {
            let values: [Any?] = ["clustering", r.kind, r.backend, r.mode, r.blasCore, r.dim, r.pool, nil, nil, r.data, r.clusters,
                                  r.referencePairs, r.secondsMin, r.secondsMedian, r.isExtrapolated ? 0 : r.seconds.count,
                                  r.extrapolatedFrom, r.gflops, r.percentOfPeak, r.speedupOverScalar, r.identical, r.identicalTo,
                                  r.fastestPeerPip?.library, r.fastestPeerPip?.ratio, r.fastestPeerForced?.library,
                                  r.fastestPeerForced?.ratio, nil, nil, nil, nil, nil, othersAtMin(r.seconds, r.othersShare)]
            lines.append(values.map(cell).joined(separator: ","))
        }
        for r in report.recall {
            let values: [Any?] = ["recall", r.kind, r.backend, r.mode, r.blasCore, r.dim, nil, r.queries, r.database, r.data, nil, nil,
                                  r.secondsMin, r.secondsMedian, r.seconds.count, nil, r.gflops, r.percentOfPeak, nil, r.identical,
                                  r.identicalTo, r.faissPip?.library, r.faissPip?.ratio, r.faissForced?.library, r.faissForced?.ratio,
                                  nil, nil, nil, nil, nil, othersAtMin(r.seconds, r.othersShare)]
            lines.append(values.map(cell).joined(separator: ","))
        }
        for r in report.reports {
            let values: [Any?] = ["report", "engine", r.backend, nil, nil, r.dim, r.pool, nil, r.committed, r.data, nil, nil,
                                  r.totalSeconds, r.totalSeconds, 1, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
                                  r.loadSeconds, nil, nil, r.planSeconds, r.peakRssMebibytes, nil]
            lines.append(values.map(cell).joined(separator: ","))
        }
        for r in report.endToEnd {
            let values: [Any?] = ["end-to-end", "engine", r.backend, nil, nil, r.dim, r.pool, nil, r.committed, r.data, r.clusters, nil,
                                  r.totalSeconds, r.totalSeconds, 1, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
                                  r.loadSeconds, r.recallSeconds, r.clusterSeconds, r.planSeconds, r.peakRssMebibytes, nil]
            lines.append(values.map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func othersAtMin(_ seconds: [Double], _ shares: [Double]) -> Double? {
        guard let best = seconds.indices.min(by: { seconds[$0] < seconds[$1] }), best < shares.count else { return nil }
        return shares[best]
    }

    static func json(_ report: BenchReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(report)
    }

    /// Writes every requested file, creating its directory.
    static func write(_ report: BenchReport, configuration: BenchConfiguration, log: (String) -> Void) throws {
        func save(_ data: Data, _ path: String?) throws {
            guard let path else { return }
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try data.write(to: URL(fileURLWithPath: path))
            log("wrote \(path)")
        }
        try save(try json(report), configuration.jsonPath)
        try save(Data(csv(report).utf8), configuration.csvPath)
        try save(Data(SVGPlot.render(report).utf8), configuration.plotPath)
        try save(Data(markdown(report, plotPath: configuration.plotPath).utf8), configuration.markdownPath)
    }
}
