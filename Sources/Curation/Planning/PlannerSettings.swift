import Foundation

extension Planner {
    /// The planner's knobs; defaults as in `CurateConfig`. Their ranges are checked in one place,
    /// `problem`, which `curate.toml`, the flags and `Planner.plan` all apply.
    public struct Settings: Sendable, Equatable {
        /// Committed items recalled per prospect (0: no recall).
        public var recallTopK: Int
        /// Best recall score that makes a prospect warm.
        public var recallClusterFloor: Double
        /// Greedy clustering threshold of the cold prospects.
        public var clusterSimilarity: Double
        /// Most prospects per curator request.
        public var maxClusterSize: Int
        /// Novelty below which a prospect is skipped.
        public var salienceThreshold: Double

        /// The settings of `config`.
        public init(_ config: CurateConfig = CurateConfig()) {
            recallTopK = config.recallTopK
            recallClusterFloor = config.recallClusterFloor
            clusterSimilarity = config.clusterSimilarity
            maxClusterSize = config.maxClusterSize
            salienceThreshold = config.salienceThreshold
        }
    }
}

extension Planner.Settings {
    /// One knob, named as in `curate.toml`.
    public enum Name: String, CaseIterable, Sendable {
        case recallTopK = "recall_top_k", recallClusterFloor = "recall_cluster_floor"
        case clusterSimilarity = "cluster_similarity", maxClusterSize = "max_cluster_size"
        case salienceThreshold = "salience_threshold"

        /// The flag that overrides it: the name with dashes (`--max-cluster-size`).
        public var flag: String { "--" + rawValue.replacingOccurrences(of: "_", with: "-") }
    }

    /// `recall_top_k`: 0 (no recall) to 10,000.
    public static let recallTopKRange = 0...10_000
    /// `max_cluster_size`: at least 1.
    public static let maxClusterSizeRange = 1...Int.max
    /// `recall_cluster_floor` and `cluster_similarity`: cosine similarities.
    public static let similarityRange = -1.0...1.0
    /// `salience_threshold`: a novelty, 1 − cosine.
    public static let salienceRange = 0.0...2.0

    /// A knob out of its range.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The knob.
        public let name: Name
        /// What it must be: `in [-1, 1]`, `at least 1`, `in 0...10000`.
        public let rule: String
        /// The value refused, as written.
        public let value: String

        /// `<name> must be <rule> (got <value>)`.
        public var description: String { described(as: name.rawValue) }

        /// The problem with the knob called `label` (a flag: `--max-cluster-size must be at least 1 (got 0)`).
        public func described(as label: String) -> String { "\(label) must be \(rule) (got \(value))" }
    }

    /// The first knob out of its range (NaN and infinities are out of every range), nil when all are in range.
    public var problem: Problem? {
        func integer(_ name: Name, _ value: Int, _ range: ClosedRange<Int>) -> Problem? {
            range.contains(value) ? nil : Problem(name: name, rule: Self.describe(range), value: "\(value)")
        }
        func number(_ name: Name, _ value: Double, _ range: ClosedRange<Double>) -> Problem? {
            value.isFinite && range.contains(value) ? nil : Problem(name: name, rule: Self.describe(range), value: "\(value)")
        }
        return integer(.recallTopK, recallTopK, Self.recallTopKRange)
            ?? number(.recallClusterFloor, recallClusterFloor, Self.similarityRange)
            ?? number(.clusterSimilarity, clusterSimilarity, Self.similarityRange)
            ?? integer(.maxClusterSize, maxClusterSize, Self.maxClusterSizeRange)
            ?? number(.salienceThreshold, salienceThreshold, Self.salienceRange)
    }

    /// `in 0...10000`, or `at least 1` for a range without upper bound.
    package static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == .max ? "at least \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
    }

    /// `in [-1, 1]`, bounds as integers where they are whole.
    package static func describe(_ range: ClosedRange<Double>) -> String {
        func bound(_ x: Double) -> String { x == x.rounded() ? "\(Int(x))" : "\(x)" }
        return "in [\(bound(range.lowerBound)), \(bound(range.upperBound))]"
    }
}
