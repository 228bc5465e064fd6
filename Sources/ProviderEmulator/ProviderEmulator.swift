import Foundation

/// A loopback HTTP/1.1 server speaking the Anthropic Message Batches and OpenAI-compatible
/// (chat completions with tools, embeddings) wire formats, with injectable faults.
///
/// Anthropic clients use `baseURL`, OpenAI-compatible ones `baseURL + "/v1"`. Every curator
/// request (the `CuratorPrompt` user message) is answered by an emulated model with a real call
/// of the offered tool (forced or not), one decision per prospect index: a prospect whose label
/// (trimmed, case-insensitively) equals an earlier prospect's is merged into that one's key
/// (`"decision":"merge"`); every other one is committed (`"decision":"commit"`) with
/// `item_type` its type (`item` when `(none)`, empty or `unspecified`), `item_key`
/// `<type slug>:<label slug>`, its label and summary; confidence is always 0.8. As the real
/// API does, a batch request with thinking on and a forced tool (`tool_choice` `tool` or `any`)
/// is `errored`.
///
/// Faults (`inject(_:)`) and per-request outcomes (`setOutcomes(_:)`, including scripted
/// answers) make it misbehave on purpose, and `stats()` tells what reached it. Error messages echo part of the request after
/// `secretMarker`, so a client can prove it never logs error bodies. Batches end lazily:
/// `processingDelay` after creation, whenever they are next looked at.
///
/// ```swift
/// let emulator = try await ProviderEmulator.start(EmulatorConfiguration(processingDelay: 0.1, apiKey: "k"))
/// emulator.inject([EmulatorFault(route: .createBatch, kind: .status(529, retryAfterMilliseconds: 50))])
/// // ... run the client against emulator.baseURL ...
/// XCTAssertEqual(emulator.stats().submissionsByCustomID.values.max(), 1)
/// try await emulator.stop()
/// ```
///
/// The same controls exist over HTTP under `/_emulator/` (see `curate-emulator --help`).
public final class ProviderEmulator: Sendable {
    /// The text error messages put before the part of the request they echo.
    public static let secretMarker = "prompt content:"

    /// `http://127.0.0.1:<port>`.
    public let baseURL: String
    /// The port the server listens on.
    public let port: Int
    /// The configuration the emulator runs with.
    public var configuration: EmulatorConfiguration { core.configuration }

    private let core: EmulatorCore
    private let serving: Task<Void, Never>

    private init(port: Int, core: EmulatorCore, serving: Task<Void, Never>) {
        self.port = port
        self.baseURL = core.baseURL
        self.core = core
        self.serving = serving
    }

    deinit {
        serving.cancel()
    }

    /// Starts an emulator listening on 127.0.0.1.
    /// - Parameters:
    ///   - configuration: delays, key and limits.
    ///   - port: the port; 0 picks an ephemeral one.
    /// - Throws: when the port cannot be bound.
    public static func start(_ configuration: EmulatorConfiguration = EmulatorConfiguration(),
                             port: Int = 0) async throws -> ProviderEmulator {
        let listener = try await HTTPServer.listen(port: port)
        let boundPort = listener.channel.localAddress?.port ?? port
        let core = EmulatorCore(configuration: configuration, baseURL: "http://127.0.0.1:\(boundPort)")
        let serving = Task { await HTTPServer.run(listener, core: core) }
        return ProviderEmulator(port: boundPort, core: core, serving: serving)
    }

    /// Appends `faults` to the queue of pending faults.
    public func inject(_ faults: [EmulatorFault]) {
        core.inject(faults)
    }

    /// Replaces the per-request outcome rules (and restarts the chat completion count that
    /// `everyKth` uses). Batches keep the outcomes fixed when they were created.
    public func setOutcomes(_ rules: [EmulatorOutcomeRule]) {
        core.setOutcomes(rules)
    }

    /// Ends every batch still in progress now, as if its processing delay had passed: tests hold
    /// batches with a long `processingDelay` and release them here, instead of racing a short one.
    public func finishBatches() {
        let now = Date()
        core.state.withLock { state in
            for id in state.batches.keys where state.batches[id].map({ !$0.hasEnded(at: now) }) ?? false {
                state.batches[id]?.endsAt = now
            }
        }
    }

    /// What the emulator has seen so far.
    public func stats() -> EmulatorStats {
        core.state.withLock { $0.stats }
    }

    /// Zeroes the stats.
    public func resetStats() {
        core.resetStats()
    }

    /// Stops listening, closes every connection and waits until they are gone.
    public func stop() async throws {
        serving.cancel()
        await serving.value
    }
}
