/// `curate daemon`: daemon ticks (`DaemonTick`) repeated until the task running them is cancelled.
///
/// After a tick that collected a job the next tick runs at once (to submit the next job);
/// otherwise the daemon sleeps `interval`. A tick failing for a passing reason
/// (`JobError.isTransient`: a busy store, an unreachable provider…) is reported and retried at
/// the next tick; any other failure ends the run. Cancellation (the CLI cancels on SIGINT and
/// SIGTERM) never cuts a step short: the step in flight runs to its end in a task of its own,
/// then the loop returns; a job it submitted stays in the slot for the next tick.
///
/// ```swift
/// let daemon = Daemon(tick: DaemonTick(store: store, config: config, provider: provider))
/// let run = Task { try await daemon.run(interval: .seconds(3600)) { print($0) } }
/// run.cancel()   // returns after the step in flight
/// ```
public struct Daemon: Sendable {
    /// The step repeated.
    public let tick: DaemonTick

    /// A daemon repeating `tick`.
    public init(tick: DaemonTick) {
        self.tick = tick
    }

    /// What one iteration did.
    public enum Event: Sendable {
        /// A tick ran to its outcome.
        case ticked(TickOutcome)
        /// A tick failed for a passing reason; the next tick retries.
        case failed(JobError)
    }

    /// Ticks until the calling task is cancelled or `deadline` has passed, reporting each
    /// iteration to `onEvent`.
    /// - Throws: the first `JobError` that is not transient.
    public func run(interval: Duration, until deadline: ContinuousClock.Instant? = nil,
                    onEvent: @Sendable (Event) -> Void) async throws(JobError) {
        let clock = ContinuousClock()
        while !Task.isCancelled, deadline.map({ clock.now < $0 }) ?? true {
            let tick = self.tick
            // Not a child task: cancelling the daemon must not interrupt the step in flight.
            let step = await Task { () async -> Result<TickOutcome, JobError> in
                do throws(JobError) { return .success(try await tick.step()) } catch { return .failure(error) }
            }.value
            switch step {
            case let .success(outcome):
                onEvent(.ticked(outcome))
                if case .collected = outcome { continue }
            case let .failure(error):
                guard error.isTransient else { throw error }
                onEvent(.failed(error))
            }
            let wake = deadline.map { min($0, clock.now.advanced(by: interval)) } ?? clock.now.advanced(by: interval)
            try? await Task.sleep(until: wake, clock: clock)
        }
    }
}

extension JobError {
    /// Whether a daemon retries after this failure at its next tick: the store was busy, the
    /// provider unreachable, another process took or collected the job, or a step was
    /// interrupted. Bad configuration, a corrupt job row or a failed plan are not.
    public var isTransient: Bool {
        switch self {
        case .provider, .store, .jobVanished, .slotTaken, .interrupted: true
        case .slotHeldByOtherOwner, .providerUnavailable, .providerMisconfigured, .corruptJob, .planning: false
        }
    }
}
