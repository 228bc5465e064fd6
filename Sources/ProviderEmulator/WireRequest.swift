import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request as the server read it: head and whole body.
struct WireRequest: Sendable {
    /// The request line and headers.
    var head: HTTPRequestHead
    /// The body, complete unless `bodyTooLarge`.
    var body: ByteBuffer
    /// The body exceeded the route's limit and was discarded past it.
    var bodyTooLarge = false

    /// The path without the query.
    var path: String {
        String(head.uri.prefix { $0 != "?" })
    }

    /// The query parameters, percent-decoded (the last of repeated names wins).
    var query: [String: String] {
        guard let mark = head.uri.firstIndex(of: "?") else { return [:] }
        var parameters: [String: String] = [:]
        for pair in head.uri[head.uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            parameters[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return parameters
    }

    /// The first value of header `name`.
    func header(_ name: String) -> String? {
        head.headers.first(name: name)
    }

    /// The body decoded as `type` (without copying it).
    /// - Throws: `DecodingError` when the body is not JSON of that shape.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try body.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else {
                return try JSONDecoder().decode(type, from: Data())
            }
            let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none)
            return try JSONDecoder().decode(type, from: data)
        }
    }

    /// A piece of the prompt the request carried, for error messages: text following the first
    /// `"content":` of the body (else the body's start). Error bodies echo it on purpose, marked
    /// with `ProviderEmulator.secretMarker`, so clients can prove they never log error bodies.
    var promptExcerpt: String {
        let bytes = body.readableBytesView
        let needle = Array("\"content\":".utf8)
        var start = bytes.startIndex
        if let found = bytes.indices.first(where: { index in
            bytes.index(index, offsetBy: needle.count, limitedBy: bytes.endIndex) != nil
                && bytes[index..<(index + needle.count)].elementsEqual(needle)
        }) {
            start = found + needle.count
        }
        let excerpt = String(decoding: bytes[start..<min(start + 80, bytes.endIndex)], as: UTF8.self)
        return "\(ProviderEmulator.secretMarker) \(excerpt)"
    }
}
