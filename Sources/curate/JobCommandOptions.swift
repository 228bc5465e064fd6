import ArgumentParser
import Curation
import CurationReport
import CurationStore
import Foundation
import Kernels

/// `--db` and `--config`, shared by the job commands.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The SQLite database; it must exist (create it with `curate import`).", valueName: "file"))
    var db = "curate.sqlite"

    @Option(help: ArgumentHelp("Configuration file (default: curate.toml next to the database, if any).", valueName: "file"))
    var config: String?

    /// The configuration in force.
    /// - Throws: exit status 2 after reporting a bad config file.
    func loadConfig() throws -> CurateConfig {
        do {
            return try CurateConfig.load(configPath: config, databasePath: db)
        } catch {
            throw ExitStatus.badInput(error.description)
        }
    }

    /// Opens the existing store; a missing file is bad input (never created here).
    /// - Throws: exit status 2 for a missing file, exit status 1 when it cannot be opened.
    func openStore() throws -> CurationStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ExitStatus.badInput("the database \(db) does not exist (create it with `curate import prospects FILE.jsonl --db \(db)`)")
        }
        do {
            return try CurationStore(path: db, access: .queue, opening: .existingStore)
        } catch .notACurateStore {
            throw ExitStatus.badInput(StoreError.notACurateStore(path: db).description)
        } catch {
            throw ExitStatus.failure("\(error.description)")
        }
    }
}

/// `--since` and `--until`: the scope of the pending pool, by each session's latest activity.
struct WindowOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Keep sessions whose latest activity is at or after this UTC day.", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(help: ArgumentHelp("Keep sessions whose latest activity is before this UTC day (exclusive).", valueName: "YYYY-MM-DD"))
    var until: String?

    /// The two days' UTC midnights.
    /// - Throws: exit status 2 for a bad date, or an empty range.
    func days() throws -> (UTCTimestamp?, UTCTimestamp?) { try parseDays(since: since, until: until) }
}

/// Planner flags that override the configuration.
struct PlannerOptions: ParsableArguments {
    @Option(name: .customLong("cluster-similarity"), parsing: .unconditional,
            help: ArgumentHelp("Greedy clustering threshold, in [-1, 1] (config: cluster_similarity).", valueName: "x"))
    var clusterSimilarity: Double?

    @Option(name: .customLong("recall-cluster-floor"), parsing: .unconditional,
            help: ArgumentHelp("Top recall score making a prospect warm, in [-1, 1] (config: recall_cluster_floor).", valueName: "x"))
    var recallClusterFloor: Double?

    @Option(name: .customLong("max-cluster-size"), parsing: .unconditional,
            help: ArgumentHelp("Largest cluster sent in one request, at least 1 (config: max_cluster_size).", valueName: "n"))
    var maxClusterSize: Int?

    @Option(name: .customLong("salience-threshold"), parsing: .unconditional,
            help: ArgumentHelp("Novelty below which prospects are skipped, in [0, 2] (config: salience_threshold).", valueName: "x"))
    var salienceThreshold: Double?

    @Option(name: .customLong("recall-top-k"), parsing: .unconditional,
            help: ArgumentHelp("Committed items recalled per prospect, 0 disables recall (config: recall_top_k).", valueName: "n"))
    var recallTopK: Int?

    @Option(help: ArgumentHelp("""
        How similarities are computed: auto, blas, simd, swift-simd, bf16, int8 or scalar; every \
        backend gives the same plan.
        """, valueName: "backend"))
    var backend: Backend = .auto

    @Option(name: .customLong("screen-rank"), help: ScreenRank.help)
    var screenRank: ScreenRank = .auto

    /// The planner of `config` with these overrides.
    /// - Throws: exit status 2 for a value out of range (`Planner.Settings.problem`, named by its flag).
    func planner(_ config: CurateConfig) throws -> Planner {
        var settings = Planner.Settings(config)
        settings.clusterSimilarity = clusterSimilarity ?? settings.clusterSimilarity
        settings.recallClusterFloor = recallClusterFloor ?? settings.recallClusterFloor
        settings.maxClusterSize = maxClusterSize ?? settings.maxClusterSize
        settings.salienceThreshold = salienceThreshold ?? settings.salienceThreshold
        settings.recallTopK = recallTopK ?? settings.recallTopK
        if let problem = settings.problem { throw ExitStatus.badInput(problem.described(as: problem.name.flag)) }
        return Planner(settings: settings, backend: backend, screenRank: screenRank)
    }
}

/// Says on standard error, when a window applies, that it is approximate (the store holds no
/// source rows) or how many pending prospects it can never hold (their sessions have no source
/// rows).
func noteWindowBasis(_ store: CurationStore, windowed: Bool) {
    guard windowed, let basis = try? store.activityBasis() else { return }
    noteWindowBasis(basis, pendingWithoutActivity: basis == .prospects ? 0 : (try? store.pendingWithoutActivity()) ?? 0)
}

/// The note of `noteWindowBasis(_:windowed:)` from facts already read.
func noteWindowBasis(_ basis: ActivityBasis, pendingWithoutActivity outside: Int) {
    if basis == .prospects {
        standardError(ActivityBasis.approximateNote)
    } else if outside > 0 {
        standardError("note: \(outside) pending prospect\(outside == 1 ? "" : "s") belong\(outside == 1 ? "s" : "") to sessions "
                      + "without source rows: outside every window (an unwindowed run plans them)")
    }
}

/// Parses `--since`/`--until` days.
/// - Throws: exit status 2 for a bad date, or an empty range.
func parseDays(since: String?, until: String?) throws -> (UTCTimestamp?, UTCTimestamp?) {
    func day(_ flag: String, _ text: String?) throws -> UTCTimestamp? {
        guard let text else { return nil }
        do {
            return try UTCTimestamp(day: text)
        } catch {
            throw ExitStatus.badInput("\(flag): \(error.description)")
        }
    }
    let lower = try day("--since", since), upper = try day("--until", until)
    if let lower, let upper, upper <= lower {
        throw ExitStatus.badInput("--until \(until!) must be after --since \(since!) (--until is exclusive)")
    }
    return (lower, upper)
}

extension DecisionTally {
    /// `processed/pending over N cluster(s) - C committed, M merged, R rejected, S skipped`
    /// (committed includes deepened).
    func line(pending: Int, clusters: Int) -> String {
        "\(processed)/\(pending) over \(clusters) cluster\(clusters == 1 ? "" : "s") - \(committed + deepened) committed, "
            + "\(merged) merged, \(rejected) rejected, \(skipped) skipped"
    }
}
