import Foundation

/// The report's tables, rendered as aligned text (terminal) or Markdown (file).
struct Table {
    var header: [String]
    var rows: [[String]]
    /// Columns aligned right (numbers).
    var numeric: Set<Int>

    func render(markdown: Bool) -> String {
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, widths[c] - cell.count))
                return numeric.contains(c) ? pad + cell : cell + pad
            }
            return markdown ? "| " + padded.joined(separator: " | ") + " |" : padded.joined(separator: "  ")
        }
        var lines = [line(header)]
        if markdown {
            lines.append("|" + widths.indices.map { c in
                String(repeating: "-", count: widths[c] + 1) + (numeric.contains(c) ? ":" : "-")
            }.joined(separator: "|") + "|")
        } else {
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}

/// Builds the tables of a report.
enum Tables {
    static func seconds(_ value: Double?, extrapolated: Bool = false) -> String {
        guard let value else { return "—" }
        let text = value >= 100 ? String(format: "%.0f", value) : value >= 10 ? String(format: "%.1f", value)
            : value >= 0.1 ? String(format: "%.3f", value) : String(format: "%.4f", value)
        return extrapolated ? "~" + text : text
    }

    static func number(_ value: Double?, _ format: String = "%.1f") -> String {
        value.map { String(format: format, $0) } ?? "—"
    }

    static func ratio(_ value: PeerRatio?) -> String {
        value.map { String(format: "%.2f× %@", $0.ratio, $0.library) } ?? "—"
    }

    /// Share of the CPUs other processes used during the fastest repetition ("—" when it was too
    /// short to judge or nothing was measured).
    static func others(_ seconds: [Double], _ shares: [Double]) -> String {
        guard let best = seconds.indices.min(by: { seconds[$0] < seconds[$1] }), best < shares.count, seconds[best] >= 0.2 else {
            return "—"
        }
        return String(format: "%.0f %%", 100 * shares[best])
    }

    static func backendName(_ row: ClusteringRow) -> String {
        if row.kind == "peer" { return "\(row.backend) [\(row.mode ?? "?"): \(row.blasCore ?? "?")]" }
        return row.blasCore.map { "\(row.backend) [\($0)]" } ?? row.backend
    }

    static func identical(_ identical: Bool?, _ to: String?) -> String {
        guard let identical else {
            guard let to else { return "—" }
            return to.contains("skipped") ? "ref (scalar not run)" : "ref"
        }
        let word = identical ? "yes" : "NO"
        return to == "scalar" ? word : "\(word) (vs \(to ?? "?"))"
    }

    static func clustering(_ report: BenchReport) -> Table {
        let rows = report.clustering
            .sorted { ($0.dim, $0.pool, $0.kind == "peer" ? 1 : 0) < ($1.dim, $1.pool, $1.kind == "peer" ? 1 : 0) }
            .filter { $0.secondsMin != nil }
            .map { row -> [String] in
                [
                    String(row.dim), String(row.pool), row.data, backendName(row),
                    row.clusters.map(String.init) ?? "—",
                    seconds(row.secondsMin, extrapolated: row.isExtrapolated),
                    row.isExtrapolated ? "—" : seconds(row.secondsMedian),
                    row.isExtrapolated ? "extrap." : String(row.seconds.count),
                    others(row.seconds, row.othersShare),
                    number(row.gflops), number(row.percentOfPeak, "%.0f %%"), row.screen?.text ?? "—", recheckRate(row.rechecked, row.computedPairs),
                    row.speedupOverScalar.map { String(format: "%@%.1f×", row.scalarExtrapolated == true || row.isExtrapolated ? "~" : "", $0) } ?? "—",
                    row.isExtrapolated ? "(extrapolated from \(row.extrapolatedFrom!))" : identical(row.identical, row.identicalTo),
                    ratio(row.fastestPeerPip), ratio(row.fastestPeerForced),
                ]
            }
        return Table(header: ["d", "pool", "data", "backend", "clusters", "s min", "s median", "reps", "others", "GFLOP/s", "% peak",
                              "screen", "re-checked", "× scalar", "identical", "× fastest peer (pip)", "× fastest peer (forced)"],
                     rows: rows, numeric: [0, 1, 4, 5, 6, 8, 9, 10, 12, 13])
    }

    static func recall(_ report: BenchReport) -> Table {
        let rows = report.recall
            .sorted { ($0.dim, $0.queries, $0.database, $0.kind == "peer" ? 1 : 0) < ($1.dim, $1.queries, $1.database, $1.kind == "peer" ? 1 : 0) }
            .map { row -> [String] in
                let name = row.kind == "peer" ? "\(row.backend) [\(row.mode ?? "?"): \(row.blasCore ?? "?")]"
                    : row.blasCore.map { "\(row.backend) [\($0)]" } ?? row.backend
                let check = row.kind == "peer"
                    ? row.agreement.map { String(format: "%.1f %% of queries = ours", 100 * $0) } ?? "—"
                    : identical(row.identical, row.identicalTo)
                return [String(row.dim), "\(row.queries) × \(row.database)", row.data, name, seconds(row.secondsMin),
                        seconds(row.secondsMedian), String(row.seconds.count), others(row.seconds, row.othersShare), number(row.gflops),
                        number(row.percentOfPeak, "%.0f %%"), row.screen?.text ?? "—", recheckRate(row.rechecked, row.queries * row.database),
                        check, ratio(row.faissPip), ratio(row.faissForced)]
            }
        return Table(header: ["d", "queries × database", "data", "backend", "s min", "s median", "reps", "others", "GFLOP/s", "% peak",
                              "screen", "re-checked", "hits", "× faiss (pip)", "× faiss (forced)"],
                     rows: rows, numeric: [0, 4, 5, 7, 8, 9, 11])
    }

    static func endToEnd(_ report: BenchReport) -> Table {
        let rows = report.endToEnd.map { row -> [String] in
            [String(row.dim), String(row.pool), row.data, "\(row.committed) (\(row.committedReal) real)", row.backend,
             seconds(row.loadSeconds), seconds(row.recallSeconds), seconds(row.clusterSeconds), seconds(row.planSeconds),
             seconds(row.totalSeconds), String(row.clusters), "\(row.warm) / \(row.cold)", number(row.peakRssMebibytes, "%.0f"),
             seconds(row.importSeconds)]
        }
        return Table(header: ["d", "pool", "data", "committed", "backend", "load s", "recall s", "cluster s", "plan s", "total s",
                              "requests", "warm / cold", "peak RSS MiB", "import s"],
                     rows: rows, numeric: [0, 1, 5, 6, 7, 8, 9, 10, 12, 13])
    }

    /// The share of the pairs computed in tiles that were decided again exactly: `1.6e-05`.
    static func recheckRate(_ rechecked: Int?, _ pairs: Int?) -> String {
        guard let rechecked, let pairs, pairs > 0 else { return "—" }
        return rechecked == 0 ? "0" : String(format: "%.1e", Double(rechecked) / Double(pairs))
    }

    static func reports(_ report: BenchReport) -> Table {
        let rows = report.reports.map { row -> [String] in
            [String(row.dim), String(row.pool), row.data, row.backend, seconds(row.loadSeconds), seconds(row.planSeconds),
             seconds(row.nearestSeconds), "\(seconds(row.sweepSeconds)) (\(row.sweepThresholds))", seconds(row.mapSeconds),
             seconds(row.renderSeconds), seconds(row.totalSeconds), number(Double(row.htmlBytes) / 1024, "%.0f"),
             String(row.mapPoints), number(row.peakRssMebibytes, "%.0f")]
        }
        return Table(header: ["d", "pool", "data", "backend", "load s", "plan s", "best similarity s", "sweep s (thresholds)",
                              "map s", "HTML s", "total s", "HTML KiB", "map points", "peak RSS MiB"],
                     rows: rows, numeric: [0, 1, 4, 5, 6, 8, 9, 10, 11, 12, 13])
    }

    static func targets(_ report: BenchReport) -> Table {
        Table(header: ["target", "measured", "holds"],
              rows: report.targets.map { [$0.target, $0.measured, $0.holds.map { $0 ? "yes" : "NO" } ?? "n/a"] },
              numeric: [])
    }

    static func tuning(_ report: BenchReport) -> Table {
        Table(header: ["block", "sub-block", "first chunk", "chunk", "s"],
              rows: report.tuning.map { [String($0.blockRows), String($0.subBlockRows), String($0.firstSeedChunk), String($0.seedChunk), seconds($0.seconds)] },
              numeric: [0, 1, 2, 3, 4])
    }

    static func peakLine(_ peak: PeakInfo) -> String {
        let list = { (values: [Double]) in values.map { String(format: "%.1f", $0) }.joined(separator: ", ") }
        guard peak.peak.isFinite else { return "sgemm peak: no BLAS, percentages omitted" }
        return "sgemm peak (GFLOP/s, measured at the start and the end of this run): one single-threaded product per worker "
            + "\(list(peak.perWorker)); library-threaded \(list(peak.libraryThreaded)); yardstick = max = "
            + String(format: "%.1f", peak.peak) + "; others took "
            + peak.othersShare.map { String(format: "%.0f %%", 100 * $0) }.joined(separator: ", ") + " of the CPUs meanwhile"
    }
}
