import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import GRDB
import ProviderEmulator
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The OpenAI-compatible embedder against the loopback emulator (and, for replies the emulator
/// never sends, a canned server): encodings, index order, batching, the cache, checks.
final class OpenAICompatibleEmbedderTests: XCTestCase {
    /// Float and base64 replies give bit-identical vectors, and replies in reverse index order
    /// are put back in input order.
    func testFloatAndBase64AgreeAndIndexOrderIsFollowed() async throws {
        let plain = try Self.start(EmulatorConfiguration(embeddingDimension: 16))
        let shuffled = try Self.start(EmulatorConfiguration(embeddingDimension: 16, shuffleEmbeddings: true))
        defer { Self.stop(plain, shuffled) }
        let texts = ["alpha", "beta", "gamma", "delta"]
        let float = try await Self.embedder(JobScratch().store(), plain, dimension: 16).embed(texts)
        let base64 = try await Self.embedder(JobScratch().store(), shuffled, dimension: 16, encoding: "base64").embed(texts)
        let reordered = try await Self.embedder(JobScratch().store(), shuffled, dimension: 16).embed(texts)
        XCTAssertEqual(float.count, 4)
        XCTAssertEqual(float, base64)
        XCTAssertEqual(float, reordered)
        XCTAssertNotEqual(float[0], float[1])
        for vector in float {
            XCTAssertEqual(vector.count, 16)
            XCTAssertEqual(vector.reduce(0) { $0 + Double($1) * Double($1) }, 1, accuracy: 1e-5)
        }
    }

    /// Texts go `embedding_batch_size` per request, a repeated text once, blank texts not at
    /// all (zero vectors); a second embedder on the same store (a new process) serves every
    /// known text from the cache and sends only the new one.
    func testBatchesAndCache() async throws {
        let emulator = try Self.start(EmulatorConfiguration(apiKey: "test-key", embeddingDimension: 8))
        defer { Self.stop(emulator) }
        let scratch = try JobScratch()
        let texts = (0..<7).map { "text \($0)" } + ["text 3", "", "  "]
        let first = try Self.embedder(scratch.store(), emulator, dimension: 8, batchSize: 3)
        let vectors = try await first.embed(texts)
        XCTAssertEqual(emulator.stats().embeddedInputs, 7)
        XCTAssertEqual(emulator.stats().requestsByRoute["embeddings"], 3)
        XCTAssertEqual(first.counts, Self.counts(sent: 7, cached: 0, blank: 2, requests: 3))
        XCTAssertEqual(vectors[7], vectors[3])
        XCTAssertEqual(vectors[8], [Float](repeating: 0, count: 8))
        XCTAssertEqual(vectors[9], [Float](repeating: 0, count: 8))

        let store = try scratch.store()
        let second = try Self.embedder(store, emulator, dimension: 8, batchSize: 3)
        let again = try await second.embed(texts + ["text 7"])
        XCTAssertEqual(emulator.stats().embeddedInputs, 8, "only the new text was sent")
        XCTAssertEqual(second.counts, Self.counts(sent: 1, cached: 7, blank: 2, requests: 1))
        XCTAssertEqual(Array(again.prefix(10)), vectors)
        XCTAssertEqual(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM embedding_cache") }, 8)
        XCTAssertEqual(try store.read { try String.fetchOne($0, sql: "SELECT DISTINCT model FROM embedding_cache") },
                       "text-embedding-3-small")
    }

    /// A model whose vectors are not `embedding_dim` long fails naming both dimensions, and
    /// nothing is cached; asked for, `dimensions` makes the model shorten them.
    func testDimensionMismatchAndDimensionsParameter() async throws {
        let emulator = try Self.start(EmulatorConfiguration(embeddingDimension: 16))
        defer { Self.stop(emulator) }
        let store = try JobScratch().store()
        await XCTAssertThrowsErrorAsync(try await Self.embedder(store, emulator, dimension: 8).embed(["a"])) { error in
            XCTAssertEqual(error as? OpenAICompatibleEmbedderError,
                           .wrongDimension(model: "text-embedding-3-small", expected: 8, received: 16))
            XCTAssertTrue("\(error)".contains("embedding_dim"), "\(error)")
        }
        XCTAssertEqual(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM embedding_cache") }, 0)
        let shortened = try await Self.embedder(store, emulator, dimension: 8, requestDimensions: true).embed(["a"])
        XCTAssertEqual(shortened[0].count, 8)
    }

    /// Values that are not finite float32 (a number beyond its range, a NaN in base64) and
    /// base64 that is not whole float32 values are refused with a clear error.
    func testNonFiniteAndMalformedVectorsAreRejected() async throws {
        let nan = Data([0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f]).base64EncodedString()   // [1, NaN]
        let cases: [(String, OpenAICompatibleEmbedderError)] = [
            (#"{"data":[{"index":0,"embedding":[1e39,0]}]}"#, .nonFinite(model: "text-embedding-3-small", index: 0)),
            (#"{"data":[{"index":0,"embedding":"\#(nan)"}]}"#, .nonFinite(model: "text-embedding-3-small", index: 0)),
            (#"{"data":[{"index":0,"embedding":"AAAAAAA="}]}"#,
             .malformedReply(model: "text-embedding-3-small",
                             reason: "embedding 0: embedding blob of 5 bytes is not a whole number of float32 values")),
            (#"{"data":[{"index":1,"embedding":[1,0]}]}"#,
             .malformedReply(model: "text-embedding-3-small", reason: "index 1 is out of range or repeated")),
            (#"{"data":[]}"#, .malformedReply(model: "text-embedding-3-small", reason: "0 embeddings for 1 inputs")),
        ]
        for (reply, expected) in cases {
            let server = try CannedHTTPServer(body: reply)
            defer { server.stop() }
            let store = try JobScratch().store()
            await XCTAssertThrowsErrorAsync(try await Self.embedder(store, baseURL: server.baseURL, dimension: 2).embed(["a"]), reply) { error in
                XCTAssertEqual(error as? OpenAICompatibleEmbedderError, expected, reply)
            }
            XCTAssertEqual(try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM embedding_cache") }, 0)
        }
    }

    /// An HTTP error is reported by status and type, never with the error body.
    func testHTTPErrorsDoNotQuoteTheBody() async throws {
        let emulator = try Self.start(EmulatorConfiguration(embeddingDimension: 8))
        defer { Self.stop(emulator) }
        emulator.inject([EmulatorFault(route: .embeddings, kind: .status(code: 500))])
        await XCTAssertThrowsErrorAsync(try await Self.embedder(JobScratch().store(), emulator, dimension: 8).embed(["secret text"])) { error in
            guard case .http(.status(_, 500, _, _))? = error as? OpenAICompatibleEmbedderError else { return XCTFail("\(error)") }
            XCTAssertFalse("\(error)".contains(ProviderEmulator.secretMarker), "\(error)")
            XCTAssertFalse("\(error)".contains("secret text"), "\(error)")
        }
    }

    /// The key variable must be set and the base URL be http(s); the factory builds the
    /// configured embedder.
    func testConfiguration() throws {
        let store = try JobScratch().store()
        var config = CurateConfig()
        config.embedder = "openai-compatible"
        let http = ProviderHTTPClient(policy: RetryPolicy(maxRetries: 0), timeout: .seconds(5))
        XCTAssertThrowsError(try OpenAICompatibleEmbedder(store: store, config: config, http: http, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("OPENAI_API_KEY"), "\(error)")
        }
        let environment = ["OPENAI_API_KEY": "k", "CURATE_OPENAI_BASE_URL": "http://127.0.0.1:1/v1/"]
        let fromEnvironment = try OpenAICompatibleEmbedder(store: store, config: config, http: http, environment: environment)
        XCTAssertEqual(fromEnvironment.baseURL, "http://127.0.0.1:1/v1")
        config.embeddingBaseURL = "ftp://example.com"
        XCTAssertThrowsError(try OpenAICompatibleEmbedder(store: store, config: config, http: http, environment: environment))
        config.embeddingBaseURL = "https://example.com/v1"
        XCTAssertTrue(try config.makeEmbedder(store: store, environment: environment) is OpenAICompatibleEmbedder)
        config.embedder = "hashing"
        XCTAssertTrue(try config.makeEmbedder(store: store, environment: [:]) is HashingEmbedder)
    }

    // MARK: Helpers

    static func start(_ configuration: EmulatorConfiguration) throws -> ProviderEmulator {
        try JobScratch.wait { try await ProviderEmulator.start(configuration) }
    }

    static func stop(_ emulators: ProviderEmulator...) {
        for emulator in emulators { try? JobScratch.wait { try await emulator.stop() } }
    }

    static func embedder(_ store: CurationStore, _ emulator: ProviderEmulator, dimension: Int, encoding: String = "float",
                         batchSize: Int = 256, requestDimensions: Bool = false) throws -> OpenAICompatibleEmbedder {
        try embedder(store, baseURL: emulator.baseURL, dimension: dimension, encoding: encoding, batchSize: batchSize,
                     requestDimensions: requestDimensions)
    }

    /// An embedder on the server at `baseURL` (without `/v1`) with no retries.
    static func embedder(_ store: CurationStore, baseURL: String, dimension: Int, encoding: String = "float",
                         batchSize: Int = 256, requestDimensions: Bool = false) throws -> OpenAICompatibleEmbedder {
        var config = CurateConfig()
        config.embedder = "openai-compatible"
        config.embeddingDim = dimension
        config.embeddingBaseURL = baseURL + "/v1"
        config.embeddingEncoding = encoding
        config.embeddingBatchSize = batchSize
        return try OpenAICompatibleEmbedder(store: store, config: config,
                                            http: ProviderHTTPClient(policy: RetryPolicy(maxRetries: 0), timeout: .seconds(30)),
                                            requestDimensions: requestDimensions, environment: ["OPENAI_API_KEY": "test-key"])
    }

    static func counts(sent: Int, cached: Int, blank: Int, requests: Int) -> EmbeddingCounts {
        var counts = EmbeddingCounts()
        counts.sent = sent
        counts.cached = cached
        counts.blank = blank
        counts.requests = requests
        return counts
    }
}

/// A loopback HTTP/1.1 server answering every request with status 200 and the same JSON body:
/// for replies the emulator never sends (non-finite values, broken tool-call arguments).
final class CannedHTTPServer: @unchecked Sendable {
    /// `http://127.0.0.1:<port>`.
    let baseURL: String
    private let listener: Int32
    private let reply: [UInt8]

    init(body: String) throws {
        reply = Array("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n".utf8)
            + Array("connection: close\r\n\r\n\(body)".utf8)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, address, &length) == 0
            }
        }
        guard listener >= 0, bound else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        baseURL = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        Thread { [self] in serve() }.start()
    }

    /// Stops accepting connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while case let connection = accept(listener, nil, nil), connection >= 0 {
            readRequest(connection)
            _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(connection)
        }
    }

    /// Reads the head and the `content-length` bytes of body of one request.
    private func readRequest(_ connection: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let separator = Array("\r\n\r\n".utf8)
        while case let count = recv(connection, &buffer, buffer.count, 0), count > 0 {
            received += buffer[0..<count]
            guard received.count >= 4,
                  let end = (0...received.count - 4).first(where: { received[$0..<$0 + 4].elementsEqual(separator) }) else { continue }
            let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count >= end + 4 + length { return }
        }
    }
}
