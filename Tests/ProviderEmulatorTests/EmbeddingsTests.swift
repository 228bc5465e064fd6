import Foundation
import ProviderEmulator
import XCTest

final class EmbeddingsTests: XCTestCase {
    func testFloatAndBase64CarryTheSameDeterministicUnitVectors() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(embeddingDimension: 16))
        let client = WireClient.openAI(emulator)
        let texts = ["libfoo", "a second text", "libfoo"]
        let floats = try await client.send("POST", "/v1/embeddings", json: ["model": "emb-1", "input": texts]).json
        XCTAssertEqual(floats["model"] as? String, "emb-1")
        XCTAssertEqual(floats["object"] as? String, "list")
        let floatVectors = try Self.vectors(floats) { try XCTUnwrap(($0 as? [Double])?.map(Float.init)) }
        let base64 = try await client.send("POST", "/v1/embeddings",
                                           json: ["model": "emb-1", "input": texts, "encoding_format": "base64"]).json
        let base64Vectors = try Self.vectors(base64) { try Self.decodeBase64(try XCTUnwrap($0 as? String)) }
        XCTAssertEqual(floatVectors, base64Vectors)
        XCTAssertEqual(floatVectors.map(\.count), [16, 16, 16])
        XCTAssertEqual(floatVectors[0], floatVectors[2], "the same text gets the same vector")
        XCTAssertNotEqual(floatVectors[0], floatVectors[1])
        for vector in floatVectors {
            XCTAssertEqual(vector.reduce(0) { $0 + Double($1) * Double($1) }, 1, accuracy: 1e-5)
        }
        let single = try await client.send("POST", "/v1/embeddings",
                                           json: ["model": "emb-1", "input": "libfoo", "dimensions": 4]).json
        XCTAssertEqual(try Self.vectors(single) { try XCTUnwrap($0 as? [Double]) }.map(\.count), [4])
        XCTAssertEqual(emulator.stats().embeddedInputs, 7)
        try await emulator.stop()
    }

    func testShuffledDataStillCarriesItsIndex() async throws {
        let emulator = try await ProviderEmulator.start(EmulatorConfiguration(embeddingDimension: 4, shuffleEmbeddings: true))
        let reply = try await WireClient.openAI(emulator).send("POST", "/v1/embeddings",
                                                               json: ["model": "m", "input": ["a", "b", "c"]]).json
        let data = try XCTUnwrap(reply["data"] as? [[String: Any]])
        XCTAssertEqual(data.compactMap { $0["index"] as? Int }, [2, 1, 0])
        let unshuffled = try await ProviderEmulator.start(EmulatorConfiguration(embeddingDimension: 4))
        let ordered = try await WireClient.openAI(unshuffled).send("POST", "/v1/embeddings",
                                                                   json: ["model": "m", "input": ["a", "b", "c"]]).json
        XCTAssertEqual(try Self.vectors(reply) { $0 as? [Double] }, try Self.vectors(ordered) { $0 as? [Double] })
        try await emulator.stop()
        try await unshuffled.stop()
    }

    func testInvalidInputsAreRefused() async throws {
        let emulator = try await ProviderEmulator.start()
        let client = WireClient.openAI(emulator)
        let cases: [(String, Any)] = [("empty string", ""), ("empty in array", ["a", ""]), ("no inputs", [String]()),
                                      ("too many", Array(repeating: "x", count: 2049)), ("tokens", [[1, 2]])]
        for (reason, input) in cases {
            let refused = try await client.send("POST", "/v1/embeddings", json: ["model": "m", "input": input])
            XCTAssertEqual(refused.status, 400, reason)
            XCTAssertEqual((refused.json["error"] as? [String: Any])?["type"] as? String, "invalid_request_error", reason)
        }
        let badFormat = try await client.send("POST", "/v1/embeddings", json: ["model": "m", "input": "a", "encoding_format": "hex"])
        XCTAssertEqual(badFormat.status, 400)
        XCTAssertEqual(emulator.stats().embeddedInputs, 0)
        try await emulator.stop()
    }

    /// The embeddings of a reply in index order, each read by `read`.
    private static func vectors<V>(_ reply: [String: Any], _ read: (Any?) throws -> V) throws -> [V] {
        let data = try XCTUnwrap(reply["data"] as? [[String: Any]])
        return try data.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }.map { try read($0["embedding"]) }
    }

    /// Little-endian float32 values from base64.
    private static func decodeBase64(_ text: String) throws -> [Float] {
        let bytes = [UInt8](try XCTUnwrap(Data(base64Encoded: text)))
        XCTAssertEqual(bytes.count % 4, 0)
        return stride(from: 0, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: bytes[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
    }
}
