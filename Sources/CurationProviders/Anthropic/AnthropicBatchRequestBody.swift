import CurationStore
import Foundation

/// The body of `POST /v1/messages/batches`:
/// `{"requests":[{"custom_id":"…","params":{"model":"…",<request body members>}},…]}`.
///
/// Each request's rendered body is sent byte for byte, with the `model` member spliced in
/// after its opening brace (no re-serialisation), so the bytes sent are exactly predictable:
/// per request `36 + custom_id + body + model` bytes (`model` as a JSON string, quotes
/// included), plus 14 for the envelope.
package enum AnthropicBatchRequestBody {
    /// The most bytes one create call may carry: 256 MB, read as 256,000,000 (the stricter of
    /// the decimal and binary readings).
    package static let maxBytes = 256_000_000

    /// Bytes added to each request besides its `custom_id`, body and model string:
    /// `{"custom_id":"` `","params":` `"model":` `,` `}` and the separating comma.
    package static let requestOverhead = 36
    /// Bytes of `{"requests":[` and `]}`, less the one separating comma that is not written.
    package static let envelopeOverhead = 14

    /// The body for `requests`, each with `model`.
    /// - Throws: `CuratorProviderError.invalidRequest` when a body is not a JSON object or
    ///   already names a model, or the whole is larger than `maxBytes`.
    package static func encode(_ requests: [CuratorRequest], model: String) throws(CuratorProviderError) -> [UInt8] {
        let modelField = Array(#""model":"#.utf8) + Array(JSONValue.string(model).serialized().utf8)
        let total = requests.reduce(envelopeOverhead) {
            $0 + requestOverhead + modelField.count - 8 + $1.customID.utf8.count + $1.body.utf8.count
        }
        guard total <= maxBytes else {
            throw .invalidRequest("a batch of \(requests.count) requests is \(total) bytes, over the \(maxBytes)-byte limit")
        }
        var out: [UInt8] = []
        out.reserveCapacity(total)
        out.append(contentsOf: #"{"requests":["#.utf8)
        for (index, request) in requests.enumerated() {
            let members = try members(of: request)
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"custom_id":""#.utf8)
            out.append(contentsOf: request.customID.utf8)
            out.append(contentsOf: #"","params":{"#.utf8)
            out.append(contentsOf: modelField)
            if !members.isEmpty {
                out.append(UInt8(ascii: ","))
                out.append(contentsOf: members)
            }
            out.append(contentsOf: "}}".utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// The UTF-8 bytes of `request.body` inside its outer braces, without surrounding whitespace.
    private static func members(of request: CuratorRequest) throws(CuratorProviderError) -> ArraySlice<UInt8> {
        guard let body = try? JSONValue(parsing: request.body), let object = body.objectValue else {
            throw .invalidRequest("the body of \(request.customID) is not a JSON object")
        }
        guard object["model"] == nil else {
            throw .invalidRequest("the body of \(request.customID) names its own model; the provider sets it")
        }
        // A JSON object's text: optional whitespace, `{`, its members, `}`, optional whitespace.
        let bytes = Array(request.body.utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let open = bytes.firstIndex(of: UInt8(ascii: "{")), let close = bytes.lastIndex(of: UInt8(ascii: "}")) else {
            return []
        }
        var inner = bytes[(open + 1)..<close]
        while let first = inner.first, isSpace(first) { inner.removeFirst() }
        while let last = inner.last, isSpace(last) { inner.removeLast() }
        return inner
    }
}
