import ArgumentParser
import Dispatch
import Foundation
import ProviderEmulator

/// `curate-emulator`: runs the provider emulator until SIGTERM or SIGINT.
struct CurateEmulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curate-emulator",
        abstract: "Serve a loopback emulator of the Anthropic Message Batches and OpenAI-compatible APIs.",
        discussion: """
            Listens on 127.0.0.1 and prints one line, {"base_url":"http://127.0.0.1:PORT"}, once \
            it accepts connections; it then serves until SIGTERM or SIGINT. Anthropic clients use \
            the base URL, OpenAI-compatible clients the base URL followed by /v1.

            Routes: POST/GET /v1/messages/batches, GET|DELETE /v1/messages/batches/ID, \
            POST /v1/messages/batches/ID/cancel, GET /v1/messages/batches/ID/results, \
            POST /v1/chat/completions, POST /v1/embeddings. A batch is in_progress for \
            --processing-delay seconds after its creation, then ended. Every curator request is \
            answered with a call of the offered tool (curate_decisions), forced or not: a prospect \
            whose label equals an earlier one's (trimmed, ignoring case) gets "decision": "merge" \
            into it, every other one "decision": "commit" as <type>:<slug of label> with \
            confidence 0.8. A batch request with thinking on and a forced tool (tool_choice tool \
            or any) is errored, as the real API refuses it.

            Admin routes: GET /_emulator/stats returns the stats as JSON; POST /_emulator/faults \
            appends a JSON array of faults; POST /_emulator/outcomes replaces the per-request \
            outcome rules with a JSON array; POST /_emulator/reset-stats zeroes the stats.

            A fault is {"route": R, "kind": K, "times": N (default 1), ...} with R one of \
            createBatch, retrieveBatch, listBatches, cancelBatch, batchResults, deleteBatch, \
            chatCompletions, embeddings and K one of:
              status           "status": 429|500|503|529|..., optional "retryAfterSeconds",
                               "retryAfterMilliseconds"
              dropConnection   close the connection without processing or answering
              dropResponse     process the request, then close without answering
              truncateResults  "afterLines": K, "cleanEnd": true|false (batchResults only)
              delay            "seconds": S, then answer normally
            An outcome rule is {"outcome": "errored"|"expired"|"canceled"|"refusal", \
            "customIDSuffix": "..."} or {..., "everyKth": K}; a scripted answer is \
            {"outcome": "scripted", "content": [Anthropic content blocks], "stopReason": "..." \
            (default tool_use), "customIDSuffix"|"everyKth": ...}: a batch result carries the \
            blocks as they are, a chat completion maps tool_use blocks to tool_calls and text \
            blocks to content.

            Examples:
              curate-emulator --processing-delay 2 --api-key test-key
              curate-emulator --faults faults.json
              curl -s -X POST localhost:PORT/_emulator/faults \\
                -d '[{"route":"createBatch","kind":"status","status":529,"retryAfterSeconds":1}]'
            """
    )

    @Option(help: "The port to listen on (0: an ephemeral port).")
    var port = 0

    @Option(help: ArgumentHelp("Seconds a batch stays in_progress after its creation.", valueName: "seconds"))
    var processingDelay = 0.0

    @Option(help: ArgumentHelp("Seconds every chat completion and embeddings request waits.", valueName: "seconds"))
    var requestDelay = 0.0

    @Option(help: ArgumentHelp("The key required in x-api-key (Anthropic) and Authorization: Bearer (OpenAI); "
                               + "without it any key is accepted.", valueName: "key"))
    var apiKey: String?

    @Option(help: "The most requests one batch may hold.")
    var maxBatchRequests = 100_000

    @Option(help: ArgumentHelp("The largest create-batch body (413 beyond).", valueName: "bytes"))
    var maxBatchBytes = 256_000_000

    @Option(help: "The dimension of embeddings when a request does not ask for one.")
    var embeddingDimension = 384

    @Flag(help: "Return embeddings data in reverse index order.")
    var shuffleEmbeddings = false

    @Option(help: ArgumentHelp("A JSON file holding an array of faults to inject at start.", valueName: "file"))
    var faults: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard processingDelay >= 0, requestDelay >= 0 else { throw ValidationError("delays must not be negative") }
        guard maxBatchRequests >= 1, maxBatchBytes >= 1 else { throw ValidationError("limits must be positive") }
        guard embeddingDimension >= 1 else { throw ValidationError("--embedding-dimension must be positive") }
    }

    func run() async throws {
        let initialFaults = try faults.map { path in
            try JSONDecoder().decode([EmulatorFault].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } ?? []
        let emulator = try await ProviderEmulator.start(
            EmulatorConfiguration(processingDelay: processingDelay, requestDelay: requestDelay, apiKey: apiKey,
                                  maxBatchRequests: maxBatchRequests, maxBatchBytes: maxBatchBytes,
                                  embeddingDimension: embeddingDimension, shuffleEmbeddings: shuffleEmbeddings),
            port: port)
        emulator.inject(initialFaults)
        FileHandle.standardOutput.write(Data("{\"base_url\":\"\(emulator.baseURL)\"}\n".utf8))
        await Self.terminationSignal()
        try await emulator.stop()
    }

    /// Returns once SIGTERM or SIGINT arrives.
    private static func terminationSignal() async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
    }
}

/// Runs the command from an async function: top-level code would pick the synchronous `main()`.
func launch() async {
    await CurateEmulator.main()
}

await launch()
