import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import Synchronization
import XCTest

/// `Daemon.run(interval:until:)`: the loop, its retries and its stop by cancellation.
final class DaemonTests: XCTestCase {
    /// A submit held at a gate when the daemon is cancelled still completes, and the loop then
    /// returns without another tick: the job stays in the slot.
    func testCancellationLetsTheStepInFlightFinish() async throws {
        let store = try CurationStore.inMemory()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        let gated = GatedSubmitProvider(LocalCurator(store: store, config: CurateConfig()))
        let daemon = Daemon(tick: DaemonTick(store: store, config: CurateConfig(), provider: gated))
        let events = EventNames()
        let run = Task { try await daemon.run(interval: .seconds(3600)) { event in events.append(event) } }
        await gated.waitUntilSubmitting()
        run.cancel()
        gated.open()
        try await run.value
        XCTAssertEqual(events.names, ["submitted"], "the step finished, then the loop stopped")
        XCTAssertNotNil(try JobSlot.current(store), "the submitted job stays in the slot for the next tick")
    }

    /// Until the deadline: a collected job makes the next tick run at once; then the pool is
    /// empty and the daemon idles.
    func testTicksUntilTheDeadline() async throws {
        let store = try CurationStore.inMemory()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        let daemon = Daemon(tick: JobScratch.tick(store))
        let events = EventNames()
        try await daemon.run(interval: .milliseconds(20), until: .now + .milliseconds(500)) { event in
            events.append(event)
        }
        let names = events.names
        XCTAssertEqual(Array(names.prefix(3)), ["submitted", "collected", "idle"], "\(names)")
        XCTAssertEqual(try store.counts().pending, 0)
    }

    /// A provider failure is transient: reported, retried at the next tick. A bad plan is not:
    /// thrown at once.
    func testTransientFailuresAreRetriedOthersEndTheRun() async throws {
        let store = try CurationStore.inMemory()
        try await JobScratch.importProspects(store, JobScratch.twoClusterProspects())
        let failing = GatedSubmitProvider(LocalCurator(store: store, config: CurateConfig()), failing: true)
        failing.open()
        let events = EventNames()
        try await Daemon(tick: DaemonTick(store: store, config: CurateConfig(), provider: failing))
            .run(interval: .milliseconds(20), until: .now + .milliseconds(300)) { event in events.append(event) }
        let names = events.names
        XCTAssertEqual(names.first, "failed", "\(names)")
        XCTAssertGreaterThan(names.filter { $0 == "failed" }.count, 1, "retried at the next ticks: \(names)")

        var tick = JobScratch.tick(store)
        tick.planner.settings.maxClusterSize = 0
        do {
            try await Daemon(tick: tick).run(interval: .milliseconds(20)) { _ in }
            XCTFail("a bad plan ends the run")
        } catch {
            XCTAssertFalse(error.isTransient)
            guard case .planning = error else { return XCTFail("\(error)") }
        }
    }

}

/// The events a daemon reported, by name.
private final class EventNames: Sendable {
    private let list = Mutex<[String]>([])

    var names: [String] { list.withLock { $0 } }

    func append(_ event: Daemon.Event) { list.withLock { $0.append(Self.name(event)) } }

    private static func name(_ event: Daemon.Event) -> String {
        switch event {
        case .failed: "failed"
        case let .ticked(outcome):
            switch outcome {
            case .idle: "idle"
            case .submitted: "submitted"
            case .waiting: "waiting"
            case .collected: "collected"
            case .foreign: "foreign"
            }
        }
    }
}

/// A provider whose `submit` waits at a gate (failing if its task is cancelled meanwhile), then
/// fails when `failing`, else hands the batch to the local curator.
private final class GatedSubmitProvider: LocalForwardingProvider {
    let inner: LocalCurator
    private let failing: Bool
    private let state = Mutex((submitting: false, open: false))

    init(_ base: LocalCurator, failing: Bool = false) {
        self.inner = base
        self.failing = failing
    }

    /// Returns once a submit is waiting at the gate.
    func waitUntilSubmitting() async {
        while !state.withLock({ $0.submitting }) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// Lets every submit through.
    func open() { state.withLock { $0.open = true } }

    func submit(requests: [CuratorRequest], jobNonce: String) async throws(CuratorProviderError) -> String {
        state.withLock { $0.submitting = true }
        while !state.withLock({ $0.open }) { try? await Task.sleep(for: .milliseconds(5)) }
        // A provider's HTTP call fails when its task is cancelled; so does this one.
        if Task.isCancelled { throw .unavailable("cancelled") }
        if failing { throw .unavailable("injected") }
        return try await inner.submit(requests: requests, jobNonce: jobNonce)
    }
}
