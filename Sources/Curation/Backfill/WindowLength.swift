/// The length of a backfill window: `14d`, `2w`, `12h`.
public struct WindowLength: Sendable, Equatable, CustomStringConvertible {
    /// The length in milliseconds (positive).
    public let milliseconds: Int64

    /// A length of `milliseconds` (must be positive).
    public init?(milliseconds: Int64) {
        guard milliseconds > 0 else { return nil }
        self.milliseconds = milliseconds
    }

    /// Parses `<n>d` (days), `<n>w` (weeks) or `<n>h` (hours), 1 ≤ n ≤ 100,000 (`DurationText`).
    /// - Throws: `WindowLengthError` for anything else.
    public init(parsing text: String) throws(WindowLengthError) {
        guard let milliseconds = DurationText.milliseconds(text, units: Self.units) else { throw WindowLengthError(text: text) }
        self.milliseconds = milliseconds
    }

    public var description: String { DurationText.text(milliseconds, units: Self.units) }

    /// The units a window is written in.
    private static let units: [DurationText.Unit] = [.hour, .day, .week]
}

/// A window length that could not be read.
public struct WindowLengthError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text refused.
    public let text: String
    public var description: String {
        "invalid window \(text.debugDescription): expected a positive count and a unit, such as 14d, 2w or 12h"
    }
}
