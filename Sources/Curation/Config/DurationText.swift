/// The one reader of the durations the flags take: a whole count from 1 to 100,000 and a unit,
/// `s`, `m`, `h`, `d` or `w` (`30s`, `60m`, `12h`, `14d`, `2w`). Each flag names the units it
/// accepts (`--window`: h, d, w; `--interval`: s, m, h).
public enum DurationText {
    /// A unit of a duration.
    public enum Unit: Character, Sendable, CaseIterable {
        case second = "s", minute = "m", hour = "h", day = "d", week = "w"

        /// Milliseconds in one unit.
        public var milliseconds: Int64 {
            switch self {
            case .second: 1_000
            case .minute: 60_000
            case .hour: 3_600_000
            case .day: 86_400_000
            case .week: 604_800_000
            }
        }
    }

    /// The milliseconds `text` stands for, or nil when it is not a count in 1...100,000 followed
    /// by one of `units`.
    public static func milliseconds(_ text: String, units: [Unit]) -> Int64? {
        guard let symbol = text.last, let unit = Unit(rawValue: symbol), units.contains(unit),
              let count = Int64(text.dropLast()), (1...100_000).contains(count) else { return nil }
        return count * unit.milliseconds
    }

    /// `milliseconds` in the largest of `units` that divides it evenly (`14d`, `2w`), else in
    /// milliseconds (`1500ms`).
    public static func text(_ milliseconds: Int64, units: [Unit]) -> String {
        let unit = units.sorted { $0.milliseconds > $1.milliseconds }.first { milliseconds % $0.milliseconds == 0 }
        return unit.map { "\(milliseconds / $0.milliseconds)\($0.rawValue)" } ?? "\(milliseconds)ms"
    }
}
