/// Elapsed time by the monotonic clock (`ContinuousClock`), in seconds.
///
/// ```swift
/// let (clusters, seconds) = Stopwatch.measure { cluster(items) }
///
/// let stopwatch = Stopwatch()   // started
/// poll()
/// print(stopwatch.seconds)
/// ```
public struct Stopwatch: Sendable {
    private let start: ContinuousClock.Instant

    /// A stopwatch started now.
    public init() {
        start = ContinuousClock.now
    }

    /// Seconds since the stopwatch started.
    public var seconds: Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// The result of `body` and the seconds it took.
    public static func measure<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (value: T, seconds: Double) {
        let stopwatch = Stopwatch()
        let value = try body()
        return (value, stopwatch.seconds)
    }

    /// The result of the async `body` and the seconds it took.
    public static func measure<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> (value: T, seconds: Double) {
        let stopwatch = Stopwatch()
        let value = try await body()
        return (value, stopwatch.seconds)
    }
}
