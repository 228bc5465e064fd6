import Foundation
import ProviderEmulator
import XCTest

/// `curate-emulator` as another process would run it: base URL line, admin routes, SIGTERM.
final class ExecutableTests: XCTestCase {
    func testExecutablePrintsItsBaseURLAndServesAdminRoutes() async throws {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let executable = products.appendingPathComponent("curate-emulator")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("curate-emulator is not built next to the tests")
        }
        let faults = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-faults-\(UUID()).json")
        try JSONEncoder().encode([EmulatorFault(route: .listBatches, kind: .status(503, retryAfterSeconds: 1))])
            .write(to: faults)
        defer { try? FileManager.default.removeItem(at: faults) }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--api-key", "k", "--faults", faults.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line += chunk
        }
        let announced = try XCTUnwrap(try JSONSerialization.jsonObject(with: line) as? [String: String])
        let baseURL = try XCTUnwrap(announced["base_url"])
        XCTAssertTrue(baseURL.hasPrefix("http://127.0.0.1:"))

        let client = WireClient(baseURL: baseURL, headers: ["anthropic-version": "2023-06-01", "x-api-key": "k"],
                                session: .fresh())
        try await client.expect(503, "GET", "/v1/messages/batches")
        try await client.expect(200, "GET", "/v1/messages/batches")
        let stats = try JSONDecoder().decode(EmulatorStats.self, from: try await client.send("GET", "/_emulator/stats").body)
        XCTAssertEqual(stats.requestsByRoute, ["listBatches": 2])
        XCTAssertEqual(stats.faultsServed, 1)

        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
