/// Derived numbers, filled in once everything is measured: effective GFLOP/s, share of the
/// sgemm peak, speed-up over scalar, ratios to the fastest peer, and the targets of issues 4, 8 and 15.
enum Analysis {
    static func apply(to report: inout BenchReport) {
        let peak = report.peak.peak
        func percent(_ gflops: Double) -> Double? { peak.isFinite && peak > 0 ? 100 * gflops / peak : nil }

        for i in report.clustering.indices {
            let row = report.clustering[i]
            guard let seconds = row.secondsMin, seconds > 0, let pairs = row.referencePairs else { continue }
            let gflops = 2 * Double(row.dim) * Double(pairs) / seconds / 1e9
            report.clustering[i].gflops = gflops
            report.clustering[i].percentOfPeak = percent(gflops)
            if let scalar = report.clustering.first(where: { $0.backend == "scalar" && $0.dim == row.dim && $0.pool == row.pool }),
               let scalarSeconds = scalar.secondsMin {
                report.clustering[i].speedupOverScalar = scalarSeconds / seconds
                report.clustering[i].scalarExtrapolated = scalar.isExtrapolated
            }
            guard row.kind == "engine" else { continue }
            let peers = report.clustering.filter { $0.kind == "peer" && $0.dim == row.dim && $0.pool == row.pool }
            for mode in ["pip", "forced"] {
                guard let fastest = peers.filter({ $0.mode == mode && $0.secondsMin != nil }).min(by: { $0.secondsMin! < $1.secondsMin! })
                else { continue }
                let ratio = PeerRatio(library: fastest.backend, seconds: fastest.secondsMin!, ratio: fastest.secondsMin! / seconds)
                if mode == "pip" { report.clustering[i].fastestPeerPip = ratio } else { report.clustering[i].fastestPeerForced = ratio }
            }
        }
        for i in report.recall.indices {
            let row = report.recall[i]
            guard let seconds = row.secondsMin, seconds > 0 else { continue }
            let gflops = 2 * Double(row.dim) * Double(row.queries) * Double(row.database) / seconds / 1e9
            report.recall[i].gflops = gflops
            report.recall[i].percentOfPeak = percent(gflops)
            guard row.kind == "engine" else { continue }
            for mode in ["pip", "forced"] {
                guard let faiss = report.recall.first(where: {
                    $0.backend == "faiss" && $0.mode == mode && $0.dim == row.dim && $0.queries == row.queries && $0.database == row.database
                }), let faissSeconds = faiss.secondsMin else { continue }
                let ratio = PeerRatio(library: "faiss", seconds: faissSeconds, ratio: faissSeconds / seconds)
                if mode == "pip" { report.recall[i].faissPip = ratio } else { report.recall[i].faissForced = ratio }
            }
        }
        report.targets = targets(report)
    }

    /// The targets of issues 4 and 8, checked on this run's rows.
    static func targets(_ report: BenchReport) -> [TargetCheck] {
        var checks: [TargetCheck] = []
        func pct(_ value: Double?) -> String { value.map { String(format: "%.0f %%", $0) } ?? "n/a" }

        let big = report.clustering.filter { $0.kind == "engine" && $0.backend == "blas" && $0.pool >= 20000 && !$0.isExtrapolated && $0.percentOfPeak != nil }
        checks.append(TargetCheck(
            target: "blas ≥ 85 % of the measured sgemm peak at n ≥ 20,000",
            measured: big.isEmpty ? "no blas run at n ≥ 20,000"
                : big.map { "\($0.pool)@\($0.dim) (\($0.data)): \(pct($0.percentOfPeak))" }.joined(separator: ", "),
            holds: big.isEmpty ? nil : big.allSatisfy { $0.percentOfPeak! >= 85 }))

        // Clustering vs peers at 40,000: our fastest measured backend at each such pool.
        let pools40k = Set(report.clustering.filter { $0.kind == "peer" && $0.pool == 40000 }.map(\.dim)).sorted()
        for (mode, factor, label) in [("pip", 4.0, "as pip installs them"), ("forced", 3.0, "with their BLAS core forced")] {
            var parts: [String] = []
            var holds: Bool?
            for dim in pools40k {
                let ours = report.clustering.filter { $0.kind == "engine" && $0.dim == dim && $0.pool == 40000 && !$0.isExtrapolated && $0.secondsMin != nil }
                guard let best = ours.min(by: { $0.secondsMin! < $1.secondsMin! }),
                      let ratio = mode == "pip" ? best.fastestPeerPip : best.fastestPeerForced else { continue }
                parts.append(String(format: "40000@%ld: %@ %.2f s vs %@ %.2f s = %.2f×", dim, best.backend, best.secondsMin!,
                                    ratio.library, ratio.seconds, ratio.ratio))
                holds = (holds ?? true) && ratio.ratio >= factor
            }
            checks.append(TargetCheck(
                target: String(format: "clustering ≥ %.0f× the fastest peer at n = 40,000 %@", factor, label),
                measured: parts.isEmpty ? "no peer run at n = 40,000" : parts.joined(separator: "; "), holds: holds))
        }

        var parts: [String] = []
        var holds: Bool?
        for row in report.recall where row.kind == "engine" {
            guard let faiss = row.faissForced,
                  row.secondsMin == report.recall.filter({ $0.kind == "engine" && $0.dim == row.dim && $0.queries == row.queries && $0.database == row.database })
                      .compactMap(\.secondsMin).min() else { continue }
            parts.append(String(format: "%ld×%ld@%ld: %@ %.2f s vs faiss %.2f s = %.2f×", row.queries, row.database, row.dim,
                                row.backend, row.secondsMin!, faiss.seconds, faiss.ratio))
            holds = (holds ?? true) && faiss.ratio >= 1.1
        }
        checks.append(TargetCheck(target: "recall ≥ 1.1× faiss IndexFlatIP.search (core forced), same shapes",
                                  measured: parts.isEmpty ? "no faiss recall run" : parts.joined(separator: "; "), holds: holds))
        return checks + screeningTargets(report) + ScreenTargets.checks(report)
    }

    /// Issue 8: the screening backends against the fp32 sgemm peak (clustering) and the fp32
    /// BLAS recall, the fastest of bf16 and int8 at each shape.
    static func screeningTargets(_ report: BenchReport) -> [TargetCheck] {
        let screening = ["bf16", "int8"], peak = report.peak.peak
        var checks: [TargetCheck] = []
        for (pool, dim) in [(40000, 384), (100000, 1536)] {
            let rows = report.clustering.filter {
                $0.kind == "engine" && screening.contains($0.backend) && $0.pool == pool && $0.dim == dim && !$0.isExtrapolated && $0.gflops != nil
            }
            let measured = rows.map { String(format: "%@ %.0f GFLOP/s = %.2f× (re-checked %@)", $0.backend, $0.gflops!, $0.gflops! / peak,
                                             Tables.recheckRate($0.rechecked, $0.computedPairs)) }
            checks.append(TargetCheck(
                target: "clustering ≥ 1.6× the fp32 sgemm peak (effective GFLOP/s) at \(pool)@\(dim) (issue 8)",
                measured: rows.isEmpty ? "no bf16 or int8 run at \(pool)@\(dim)" : measured.joined(separator: "; "),
                holds: rows.isEmpty || !peak.isFinite ? nil : rows.map { $0.gflops! / peak }.max()! >= 1.6))
        }
        let recall = recallAgainstBLAS(report, factor: 1.6) { screening.contains($0.backend) }
        checks.append(TargetCheck(target: "recall ≥ 1.6× the fp32 BLAS recall, same shapes (issue 8)",
                                  measured: recall.parts.isEmpty ? "no blas and bf16/int8 recall run" : recall.parts.joined(separator: "; "),
                                  holds: recall.holds))
        return checks
    }

    /// At every shape with an engine `blas` recall: the fastest engine row `isCandidate` accepts,
    /// written "Q×N@d: backend s vs blas s = ratio× (what else `detail` says)", and whether every
    /// ratio at a shape `judges` accepts reaches `factor` (nil when no such shape has both).
    static func recallAgainstBLAS(_ report: BenchReport, factor: Double, detail: (RecallRow) -> String? = { _ in nil },
                                  judges: (RecallRow) -> Bool = { _ in true },
                                  _ isCandidate: (RecallRow) -> Bool) -> (parts: [String], holds: Bool?) {
        var parts: [String] = []
        var holds: Bool?
        for blas in report.recall where blas.kind == "engine" && blas.backend == "blas" {
            guard let blasSeconds = blas.secondsMin else { continue }
            let same = report.recall.filter {
                $0.kind == "engine" && isCandidate($0) && $0.dim == blas.dim && $0.queries == blas.queries
                    && $0.database == blas.database && $0.secondsMin != nil
            }
            guard let best = same.min(by: { $0.secondsMin! < $1.secondsMin! }) else { continue }
            parts.append(String(format: "%ld×%ld@%ld: %@ %.2f s vs blas %.2f s = %.2f×", blas.queries, blas.database, blas.dim,
                                best.backend, best.secondsMin!, blasSeconds, blasSeconds / best.secondsMin!)
                         + (detail(best).map { " (\($0))" } ?? "") + (judges(blas) ? "" : ", not a target shape"))
            if judges(blas) { holds = (holds ?? true) && blasSeconds / best.secondsMin! >= factor }
        }
        return (parts, holds)
    }
}
