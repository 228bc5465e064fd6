import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ProviderEmulator
import XCTest

/// One HTTP answer as a test sees it.
struct WireResponse {
    let status: Int
    /// Header values by lowercased name.
    let headers: [String: String]
    let body: Data

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    /// The body's non-empty lines, each parsed as a JSON object.
    var jsonLines: [[String: Any]] {
        body.split(separator: UInt8(ascii: "\n")).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any]
        }
    }
}

/// A URLSession client for one API of the emulator, with that API's headers.
struct WireClient {
    let baseURL: String
    let headers: [String: String]
    let session: URLSession

    /// A client for the Anthropic routes (`anthropic-version` always, `x-api-key` when given).
    static func anthropic(_ emulator: ProviderEmulator, key: String? = nil, session: URLSession = .fresh()) -> WireClient {
        var headers = ["anthropic-version": "2023-06-01", "content-type": "application/json"]
        if let key { headers["x-api-key"] = key }
        return WireClient(baseURL: emulator.baseURL, headers: headers, session: session)
    }

    /// A client for the OpenAI-compatible routes (`Authorization: Bearer` when a key is given).
    static func openAI(_ emulator: ProviderEmulator, key: String? = nil, session: URLSession = .fresh()) -> WireClient {
        var headers = ["content-type": "application/json"]
        if let key { headers["authorization"] = "Bearer \(key)" }
        return WireClient(baseURL: emulator.baseURL, headers: headers, session: session)
    }

    /// Sends a request; `json` is serialised as the body.
    func send(_ method: String, _ path: String, json: Any? = nil, extraHeaders: [String: String] = [:]) async throws
        -> WireResponse {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        for (name, value) in headers.merging(extraHeaders, uniquingKeysWith: { $1 }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        if let json { request.httpBody = try JSONSerialization.data(withJSONObject: json) }
        let (body, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for case let (name as String, value as String) in http.allHeaderFields { headers[name.lowercased()] = value }
        return WireResponse(status: http.statusCode, headers: headers, body: body)
    }
}

extension WireClient {
    /// Sends a request and checks that it is answered with `status`.
    func expect(_ status: Int, _ method: String, _ path: String, json: Any? = nil,
                file: StaticString = #filePath, line: UInt = #line) async throws {
        let response = try await send(method, path, json: json)
        XCTAssertEqual(response.status, status, "\(method) \(path)", file: file, line: line)
    }

    /// Creates a batch with one sample cluster per custom id and returns its id.
    func createBatch(_ customIDs: [String], file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let created = try await send("POST", "/v1/messages/batches", json: CuratorFixtures.createBody(customIDs))
        XCTAssertEqual(created.status, 200, file: file, line: line)
        return try XCTUnwrap(created.json["id"] as? String, file: file, line: line)
    }
}

extension URLSession {
    /// A session with its own connection pool, so a dropped connection is never one reused
    /// from an earlier test (which the HTTP stack could silently retry).
    static func fresh() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 20
        return URLSession(configuration: configuration)
    }
}
