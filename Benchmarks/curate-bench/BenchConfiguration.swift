import Clustering
import Foundation
import Kernels

/// One pool to cluster: `rows` items of dimension `dimension`. Written `N` (the run's `--dim`)
/// or `N@D`.
struct PoolSpec: Hashable, Comparable, CustomStringConvertible, Sendable {
    let rows: Int
    let dimension: Int

    var description: String { "\(rows)@\(dimension)" }

    static func < (a: PoolSpec, b: PoolSpec) -> Bool {
        (a.dimension, a.rows) < (b.dimension, b.rows)
    }

    /// Parses `N` or `N@D`; `N` may use `k` for thousands (`40k`).
    static func parse(_ text: String, defaultDimension: Int) throws(SpecError) -> PoolSpec {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let rows = parseCount(parts[0]), rows >= 1 else { throw .badPool(text) }
        let dimension = parts.count == 2 ? Int(parts[1]) : defaultDimension
        guard let dimension, dimension >= 1 else { throw .badPool(text) }
        return PoolSpec(rows: rows, dimension: dimension)
    }
}

/// One recall shape: `queries` query rows against `database` rows, k = 8. Written `QxN` or `QxN@D`.
struct RecallSpec: Hashable, CustomStringConvertible, Sendable {
    let queries: Int
    let database: Int
    let dimension: Int

    var description: String { "\(queries)x\(database)@\(dimension)" }
    var shape: String { "\(queries)×\(database)" }

    static func parse(_ text: String, defaultDimension: Int) throws(SpecError) -> RecallSpec {
        let atParts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard (1...2).contains(atParts.count) else { throw .badRecall(text) }
        let sizes = atParts[0].lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard sizes.count == 2, let q = parseCount(sizes[0]), let n = parseCount(sizes[1]), q >= 1, n >= 1 else {
            throw .badRecall(text)
        }
        let dimension = atParts.count == 2 ? Int(atParts[1]) : defaultDimension
        guard let dimension, dimension >= 1 else { throw .badRecall(text) }
        return RecallSpec(queries: q, database: n, dimension: dimension)
    }
}

/// A count like `40000` or `40k`.
func parseCount<S: StringProtocol>(_ text: S) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    if trimmed.hasSuffix("k"), let value = Int(trimmed.dropLast()) { return value * 1000 }
    return Int(trimmed)
}

/// Parses a comma list of screens (off, auto, or a rank ≥ 1).
func screenList(_ text: String) throws(SpecError) -> [ScreenRank] {
    let screens = commaList(text).map { ScreenRank($0) }
    guard !screens.isEmpty, screens.allSatisfy({ $0 != nil }) else { throw .badList(option: "--screens", value: text) }
    return screens.map { $0! }
}

/// The name of a run: the backend, then `+screen` (auto) or `+screenK` when it screens.
func runName(_ backend: Backend, _ screen: ScreenRank) -> String {
    switch screen {
    case .off: backend.rawValue
    case .auto: "\(backend.rawValue)+screen"
    case let .rank(k): "\(backend.rawValue)+screen\(k)"
    }
}

/// Splits a comma-separated list, dropping blanks.
func commaList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// Everything a run does, parsed and checked from the command line.
struct BenchConfiguration: Sendable {
    var pools: [PoolSpec]
    var dimension: Int
    /// The real dataset directory, or nil for `--dataset synthetic`.
    var datasetDirectory: String?
    var backends: [Backend]
    var threshold: Double
    var reps: Int
    var repBudget: Double
    /// A repetition during which other processes took more than this share of the CPUs is re-run.
    var maxContention: Double
    /// Seconds the whole run may spend waiting for a quiet machine.
    var waitBudget: Double
    /// Largest pool each backend is run at, for every dimension (key nil) or one; above it
    /// its seconds are extrapolated.
    var maxPool: [Backend: [Int?: Int]]
    var recall: [RecallSpec]
    var recallBackends: [Backend]
    /// The low-rank screens every backend but scalar runs with.
    var screens: [ScreenRank]
    var recallQueryBlock: Int
    var recallDatabaseChunk: Int
    var endToEnd: Bool
    var endToEndPools: [PoolSpec]?
    var committed: Int
    /// Also time `curate report` on each end-to-end store.
    var report: Bool
    var peers: Bool
    var peerPools: [PoolSpec]?
    var peerLibraries: [String]
    var peerRecall: Bool
    var peersPython: String
    var peersScript: String
    /// Candidate tile sizes; more than one value in any list starts a sweep.
    var blockRows: [Int]
    var subBlockRows: [Int]
    var firstSeedChunk: [Int]
    var seedChunk: [Int]
    var tunePool: Int?
    var synthetic: SyntheticDataset.Parameters
    var jsonPath: String?
    var csvPath: String?
    var plotPath: String?
    var markdownPath: String?

    /// The screens `backend` runs with: scalar never screens, so it runs once.
    func screens(for backend: Backend) -> [ScreenRank] {
        backend == .scalar ? [.off] : screens
    }

    /// The largest pool `backend` runs at dimension `dimension`, or nil for no limit.
    func limit(_ backend: Backend, dimension: Int) -> Int? {
        maxPool[backend].flatMap { $0[dimension] ?? $0[nil] }
    }

    /// Whether the tile options ask for a sweep.
    var sweepsTiles: Bool { [blockRows, subBlockRows, firstSeedChunk, seedChunk].contains { $0.count > 1 } }

    /// Every tiling of the sweep (valid ones only: seed chunk ≥ first chunk).
    var tilingCandidates: [GreedyClustering.Tiling] {
        var result: [GreedyClustering.Tiling] = []
        for b in blockRows {
            for s in subBlockRows {
                for f in firstSeedChunk {
                    for c in seedChunk where c >= f {
                        var t = GreedyClustering.Tiling()
                        (t.blockRows, t.subBlockRows, t.firstSeedChunk, t.seedChunk) = (b, s, f, c)
                        result.append(t)
                    }
                }
            }
        }
        return result
    }
}

/// A malformed option value.
enum SpecError: Error, CustomStringConvertible {
    case badPool(String)
    case badRecall(String)
    case badBackend(String)
    case badLimit(String)
    case badList(option: String, value: String)

    var description: String {
        switch self {
        case let .badPool(text): "bad pool \(text.debugDescription): expected N or N@D (e.g. 40000 or 100000@1536)"
        case let .badRecall(text): "bad recall shape \(text.debugDescription): expected QxN or QxN@D (e.g. 10000x20000)"
        case let .badBackend(text):
            "unknown backend \(text.debugDescription): expected one of \(Backend.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .badLimit(text): "bad limit \(text.debugDescription): expected backend=N or backend=N@D (e.g. swift-simd=2800, scalar=2800@1536)"
        case let .badList(option, value): "bad value \(value.debugDescription) for \(option): expected positive integers, comma-separated"
        }
    }
}
