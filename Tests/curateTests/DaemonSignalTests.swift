import Foundation
import ProviderEmulator
import XCTest

/// SIGTERM while a daemon step is in flight (issue 14, item 12): the step finishes — the job it
/// was submitting is stored whole — and the daemon exits 0; the next tick collects the job.
final class DaemonSignalTests: XCTestCase {
    func testSIGTERMDuringAStepFinishesTheStep() async throws {
        let key = "sk-ant-daemon-0123456789"
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.05, apiKey: key))
        emulator.inject([EmulatorFault(route: .createBatch, kind: .delay(seconds: 2))])
        let dir = try SecretsCommandTests.store()
        let output = dir.url.appendingPathComponent("daemon.out")
        let process = try CurateProcess.start(["daemon", "--db", "d.sqlite", "--interval", "60m", "--json", "--provider", "anthropic",
                                               "--base-url", emulator.baseURL],
                                              in: dir.url, environment: ["ANTHROPIC_API_KEY": key], log: output).process
        // Synchronise on the emulator: the create request has arrived, its answer is 2 s away.
        let deadline = ContinuousClock.now + .seconds(30)
        while emulator.stats().requestsByRoute["createBatch", default: 0] == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertEqual(emulator.stats().requestsByRoute["createBatch"], 1, "the step is submitting")
        process.terminate()   // SIGTERM, mid-step
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        XCTAssertEqual(process.terminationReason, .exit, text)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains(#""outcome":"submitted""#), "the step in flight finished: \(text)")
        XCTAssertTrue(text.contains("daemon: stopped by signal"), text)
        try await Task.sleep(for: .milliseconds(200))
        let tick = try CurateProcess.run(["tick", "--db", "d.sqlite", "--json", "--provider", "anthropic", "--base-url", emulator.baseURL],
                                         in: dir.url, environment: ["ANTHROPIC_API_KEY": key])
        XCTAssertTrue(tick.stdoutText.contains(#""outcome":"collected""#), tick.stdoutText + tick.stderr)
        try await emulator.stop()
    }
}
