/// Whether and at which rank a low-rank screen (`LowRankScreen`) runs before the full-dimension
/// similarities. It changes speed, never results.
public enum ScreenRank: Sendable, Equatable, CustomStringConvertible {
    /// The rank and encoding with the least expected work, estimated on a sample of the data, or
    /// no screen when none pays (small inputs, isotropic data, low dimensions).
    case auto
    /// No screen: every pair is computed in full.
    case off
    /// A screen of this many principal directions (at least 1; capped at the dimension and at the
    /// directions in which the sampled rows vary: fewer rows than dimensions span fewer).
    case rank(Int)

    /// Parses `auto`, `off` or a rank ≥ 1.
    public init?(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "off": self = .off
        default:
            guard let k = Int(text), k >= 1 else { return nil }
            self = .rank(k)
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .off: "off"
        case let .rank(k): String(k)
        }
    }
}

/// What a low-rank screen did in one clustering or recall.
public struct ScreenSummary: Sendable, Equatable, Encodable {
    /// k: the principal directions screened with.
    public let rank: Int
    /// The element type of the screen's tiles: "float32", "bf16" or "int8".
    public let encoding: String
    /// Pairs whose screen similarity was computed.
    public let screenedPairs: Int
    /// Screened pairs that could not be ruled out and were computed in full.
    public let survivors: Int

    /// survivors / screenedPairs (0 when nothing was screened).
    public var survivingFraction: Double { screenedPairs > 0 ? Double(survivors) / Double(screenedPairs) : 0 }

    /// Two runs' screens as one: pairs and survivors summed, the rank and encoding of the run that
    /// screened more pairs; nil when neither screened.
    public static func combined(_ a: ScreenSummary?, _ b: ScreenSummary?) -> ScreenSummary? {
        guard let a, let b else { return a ?? b }
        let main = a.screenedPairs >= b.screenedPairs ? a : b
        return ScreenSummary(rank: main.rank, encoding: main.encoding, screenedPairs: a.screenedPairs + b.screenedPairs,
                             survivors: a.survivors + b.survivors)
    }

    private enum CodingKeys: String, CodingKey {
        case rank, encoding, screenedPairs = "screened_pairs", survivors, survivingFraction = "surviving_fraction"
    }

    /// `{"rank", "encoding", "screened_pairs", "survivors", "surviving_fraction"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rank, forKey: .rank)
        try container.encode(encoding, forKey: .encoding)
        try container.encode(screenedPairs, forKey: .screenedPairs)
        try container.encode(survivors, forKey: .survivors)
        try container.encode(survivingFraction, forKey: .survivingFraction)
    }

    package init(rank: Int, encoding: String, screenedPairs: Int, survivors: Int) {
        self.rank = rank
        self.encoding = encoding
        self.screenedPairs = screenedPairs
        self.survivors = survivors
    }
}
