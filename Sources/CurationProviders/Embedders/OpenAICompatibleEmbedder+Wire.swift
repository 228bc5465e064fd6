import CurationStore
import Foundation

/// The `POST /v1/embeddings` request body and reply (`shared/design/provider-wire-formats.md`
/// §3): `{"model", "input": [texts], "encoding_format", "dimensions"?}` →
/// `{"data": [{"index": i, "embedding": [numbers] | "<base64>"}]}`, in any order.
enum EmbeddingsWire {
    /// The request body for `inputs`; `dimensions` is sent only when given.
    static func body(model: String, inputs: [String], encoding: OpenAICompatibleEmbedder.Encoding,
                     dimensions: Int?) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = [
            ("model", .string(model)), ("input", .array(inputs.map { .string($0) })),
            ("encoding_format", .string(encoding.rawValue)),
        ]
        if let dimensions { members.append(("dimensions", .integer(dimensions))) }
        return Array(JSONValue.object(JSONObject(members)).serialized().utf8)
    }

    /// The `count` vectors of a reply, ordered by `index`, each checked: `dimension` values,
    /// all finite as float32. Numbers are read as `Double` and rounded to float32; base64 is
    /// the little-endian float32 bytes (a whole number of them).
    /// - Throws: `.malformedReply` (not JSON of that shape, an index missing, repeated or out
    ///   of range, bad base64), `.wrongDimension`, `.nonFinite`.
    static func vectors(ofReply bytes: [UInt8], count: Int, dimension: Int,
                        model: String) throws(OpenAICompatibleEmbedderError) -> [[Float]] {
        let reply: Reply
        do {
            reply = try JSONDecoder().decode(Reply.self, from: Data(bytes))
        } catch {
            throw .malformedReply(model: model, reason: "not an embeddings list")
        }
        guard reply.data.count == count else {
            throw .malformedReply(model: model, reason: "\(reply.data.count) embeddings for \(count) inputs")
        }
        var vectors = [[Float]?](repeating: nil, count: count)
        for item in reply.data {
            guard (0..<count).contains(item.index), vectors[item.index] == nil else {
                throw .malformedReply(model: model, reason: "index \(item.index) is out of range or repeated")
            }
            let vector: [Float]
            switch item.embedding {
            case let .numbers(values): vector = values.map { Float($0) }
            case let .base64(text):
                guard let data = Data(base64Encoded: text) else {
                    throw .malformedReply(model: model, reason: "embedding \(item.index) is not valid base64")
                }
                do {
                    vector = try EmbeddingBlob.floats(from: data)
                } catch {
                    throw .malformedReply(model: model, reason: "embedding \(item.index): \(error)")
                }
            }
            guard vector.count == dimension else {
                throw .wrongDimension(model: model, expected: dimension, received: vector.count)
            }
            guard vector.allSatisfy(\.isFinite) else { throw .nonFinite(model: model, index: item.index) }
            vectors[item.index] = vector
        }
        return vectors.compactMap { $0 }
    }

    // MARK: Implementation

    private struct Reply: Decodable {
        let data: [Item]
    }

    private struct Item: Decodable {
        let index: Int
        let embedding: Payload
    }

    /// An embedding as numbers or as base64 text.
    private enum Payload: Decodable {
        case numbers([Double])
        case base64(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .base64(text)
            } else {
                self = .numbers(try container.decode([Double].self))
            }
        }
    }
}
