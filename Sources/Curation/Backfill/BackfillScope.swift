import CurationStore
import Foundation

/// What a backfill covers: the sessions whose latest activity (`ActivityBasis`) is in
/// `[since, until)`, walked as one job, or window by window.
///
/// **Windows** lie on a fixed grid: `[anchor + k·length, anchor + (k+1)·length)`, the anchor
/// being `since` when given, else the Unix epoch (1970-01-01T00:00Z). The grid depends only on
/// the flags, never on what is pending, so a rerun with the same flags sees the same windows.
/// The walk visits, oldest first, only windows that hold a pending prospect: it asks the store
/// for the earliest latest-activity of a session with a pending prospect at or after the
/// cursor, runs one job over that window (clipped to `[since, until)`), and moves the cursor to
/// the window's end.
///
/// **Crash and resume**: nothing but the store remembers the walk. A window that was fully
/// processed has no pending prospects left, so a rerun skips it without planning; the window a
/// crash interrupted still has its pending prospects (the unfinished job is first resumed and
/// collected, then the window is planned again for what is still pending). Re-walking is
/// therefore idempotent and picks up where the previous run stopped.
public struct BackfillScope: Sendable, Equatable {
    /// Inclusive lower bound (a `--since` day's UTC midnight), nil: the whole history.
    public var since: UTCTimestamp?
    /// Exclusive upper bound (an `--until` day's UTC midnight), nil: up to now.
    public var until: UTCTimestamp?
    /// The window length, nil: one job over the whole scope.
    public var window: WindowLength?

    /// A scope `[since, until)`, walked in windows of `window` when given.
    public init(since: UTCTimestamp? = nil, until: UTCTimestamp? = nil, window: WindowLength? = nil) {
        self.since = since
        self.until = until
        self.window = window
    }

    /// The scope as a job window.
    public var jobWindow: JobWindow { JobWindow(since: since, until: until) }

    /// The grid window holding `instant`, clipped to the scope.
    public func window(containing instant: UTCTimestamp) -> JobWindow {
        guard let window else { return jobWindow }
        let anchor = since?.millisecondsSince1970 ?? 0
        let offset = instant.millisecondsSince1970 - anchor
        let k = offset >= 0 ? offset / window.milliseconds : -((-offset + window.milliseconds - 1) / window.milliseconds)
        let start = anchor + k * window.milliseconds
        var lower = UTCTimestamp(millisecondsSince1970: start)
        var upper = UTCTimestamp(millisecondsSince1970: start + window.milliseconds)
        if let since, since > lower { lower = since }
        if let until, until < upper { upper = until }
        return JobWindow(since: lower, until: upper)
    }

    /// The window of the walk after `previous` (nil: the first), or nil when the walk is over:
    /// without `window`, the whole scope, once; with it, the window holding the earliest
    /// latest-activity, at or after the end of `previous`, of a session with a pending prospect
    /// in the scope.
    /// - Throws: a `DatabaseError`.
    public func nextWindow(after previous: JobWindow?, in store: CurationStore) throws -> JobWindow? {
        guard window != nil else { return previous == nil ? jobWindow : nil }
        let lower = [previous?.until, since].compactMap { $0 }.max()
        guard let next = try store.earliestPendingActivity(in: JobWindow(since: lower, until: until)) else { return nil }
        return window(containing: next)
    }
}
