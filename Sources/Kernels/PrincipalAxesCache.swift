import Synchronization

/// The principal axes last computed for one matrix: a request for as many axes or fewer is
/// served from it (the leading axes do not depend on how many were asked for).
package final class PrincipalAxesCache: Sendable {
    private let stored = Mutex<(requested: Int, axes: [[Double]])?>(nil)

    package init() {}

    /// The first `count` of the stored axes when at least `count` were requested before, else
    /// those `compute` returns (then stored).
    package func axes(count: Int, compute: () -> [[Double]]) -> [[Double]] {
        if let cached = stored.withLock({ $0 }), cached.requested >= count { return Array(cached.axes.prefix(count)) }
        let axes = compute()
        stored.withLock { $0 = (count, axes) }
        return axes
    }

    /// Forgets the stored axes (a benchmark measures each run from a cold start).
    package func clear() {
        stored.withLock { $0 = nil }
    }
}
