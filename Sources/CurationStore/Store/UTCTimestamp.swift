import Foundation

/// An instant in UTC with millisecond precision, and the one text form the store keeps it in.
///
/// The store writes every timestamp as `YYYY-MM-DDTHH:MM:SS.mmmZ` (always 24 characters, always
/// UTC, always three fraction digits), so comparing the texts compares the instants: SQLite's
/// `max()` and `>=` on these columns are chronological.
///
/// ```swift
/// let ts = try UTCTimestamp(iso8601: "2026-01-27T10:14:29+01:00")
/// ts.text                                   // "2026-01-27T09:14:29.000Z"
/// let since = try UTCTimestamp(day: "2026-01-27")   // 2026-01-27T00:00:00.000Z
/// ```
public struct UTCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z (negative before it).
    public let millisecondsSince1970: Int64

    /// The instant `milliseconds` after 1970-01-01T00:00:00Z.
    public init(millisecondsSince1970 milliseconds: Int64) {
        millisecondsSince1970 = milliseconds
    }

    /// The instant of `date`, truncated to the millisecond (towards the past).
    public init(_ date: Date) {
        millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The current instant, truncated to the millisecond.
    public static func now() -> UTCTimestamp { UTCTimestamp(Date()) }

    /// The store's text form, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var text: String {
        let (days, msOfDay) = Self.floorDivide(millisecondsSince1970, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let ms = Int(msOfDay)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(ms / 3_600_000, 2)):"
            + "\(pad(ms / 60_000 % 60, 2)):\(pad(ms / 1000 % 60, 2)).\(pad(ms % 1000, 3))Z"
    }

    public var description: String { text }

    public static func < (a: UTCTimestamp, b: UTCTimestamp) -> Bool {
        a.millisecondsSince1970 < b.millisecondsSince1970
    }

    /// Parses an RFC 3339 / ISO-8601 date-time with a UTC designator or an offset:
    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`. A lowercase `t`/`z` or a space instead
    /// of `T` is accepted. Digits of the fraction past milliseconds are dropped (truncated).
    /// Years 0001–9999 only; leap seconds (`:60`) are refused.
    /// - Throws: `TimestampError` saying what is wrong.
    public init(iso8601 text: String) throws(TimestampError) {
        var p = Scanner8(text)
        let (year, month, day) = try p.date(text)
        guard let sep = p.next(), sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || sep == UInt8(ascii: " ") else {
            throw TimestampError(text: text, problem: "expected YYYY-MM-DDTHH:MM:SS followed by Z or a UTC offset such as +01:00")
        }
        guard let hour = p.digits(2), p.expect(":"), let minute = p.digits(2), p.expect(":"), let second = p.digits(2) else {
            throw TimestampError(text: text, problem: "expected YYYY-MM-DDTHH:MM:SS followed by Z or a UTC offset such as +01:00")
        }
        guard hour < 24, minute < 60, second < 60 else {
            throw TimestampError(text: text, problem: "time of day \(Self.two(hour)):\(Self.two(minute)):\(Self.two(second)) is out of range")
        }
        var millis = 0
        if p.peek() == UInt8(ascii: ".") || p.peek() == UInt8(ascii: ",") {
            _ = p.next()
            var count = 0
            while let d = p.peekDigit() {
                _ = p.next()
                if count < 3 { millis = millis * 10 + d }
                count += 1
            }
            guard count > 0 else { throw TimestampError(text: text, problem: "a decimal point must be followed by digits") }
            if count < 3 { for _ in count..<3 { millis *= 10 } }
        }
        var offsetMinutes = 0
        switch p.next() {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            break
        case let sign? where sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"):
            guard let oh = p.digits(2), p.expect(":"), let om = p.digits(2), oh < 24, om < 60 else {
                throw TimestampError(text: text, problem: "the UTC offset must be +HH:MM or -HH:MM")
            }
            offsetMinutes = (oh * 60 + om) * (sign == UInt8(ascii: "+") ? 1 : -1)
        default:
            throw TimestampError(text: text, problem: "missing time zone: end with Z (UTC) or an offset such as +01:00")
        }
        guard p.atEnd else { throw TimestampError(text: text, problem: "unexpected characters after the time zone") }
        let days = Int64(Self.days(fromCivil: year, month, day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        millisecondsSince1970 = seconds * 1000 + Int64(millis)
    }

    /// Parses a `YYYY-MM-DD` day as its first instant in UTC (midnight, `00:00:00Z`).
    /// - Throws: `TimestampError` for anything else, such as `2026-1-5`, `2026-02-30` or a time.
    public init(day text: String) throws(TimestampError) {
        var p = Scanner8(text)
        let (year, month, day) = try p.date(text)
        guard p.atEnd else {
            throw TimestampError(text: text, problem: "expected a day as YYYY-MM-DD (read as UTC midnight), with nothing after it")
        }
        millisecondsSince1970 = Int64(Self.days(fromCivil: year, month, day)) * 86_400_000
    }

    // MARK: Calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms)

    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = Int(z0) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    fileprivate static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// Why a timestamp or a day was refused. `description` quotes the text and says what is wrong.
public struct TimestampError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text that was refused.
    public let text: String
    /// What is wrong with it.
    public let problem: String

    public var description: String { "invalid date \(text.debugDescription): \(problem)" }
}

/// A byte cursor over an ASCII-ish string, for the parsers above.
private struct Scanner8 {
    let bytes: [UInt8]
    var index = 0
    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { index == bytes.count }
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
    func peekDigit() -> Int? {
        guard let b = peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
        return Int(b - UInt8(ascii: "0"))
    }
    mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }
    mutating func expect(_ c: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: c) else { return false }
        index += 1
        return true
    }
    /// Exactly `count` ASCII digits.
    mutating func digits(_ count: Int) -> Int? {
        var value = 0
        for _ in 0..<count {
            guard let d = peekDigit() else { return nil }
            value = value * 10 + d
            index += 1
        }
        return value
    }
    /// `YYYY-MM-DD`, checked against the calendar.
    mutating func date(_ text: String) throws(TimestampError) -> (Int, Int, Int) {
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2) else {
            throw TimestampError(text: text, problem: "expected a date as YYYY-MM-DD")
        }
        guard year >= 1 else { throw TimestampError(text: text, problem: "year 0000 is out of range") }
        guard (1...12).contains(month) else {
            throw TimestampError(text: text, problem: "month \(UTCTimestamp.two(month)) is out of range 01-12")
        }
        let last = UTCTimestamp.daysIn(month: month, year: year)
        guard (1...last).contains(day) else {
            throw TimestampError(text: text, problem: "day \(UTCTimestamp.two(day)) is out of range for \(year)-\(UTCTimestamp.two(month)) (01-\(last))")
        }
        return (year, month, day)
    }
}
