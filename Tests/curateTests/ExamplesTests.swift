import Foundation
import XCTest

/// The `Examples/` packages depend on this package by path, as another tool would, and use only
/// its public products: building and running them keeps the public API from breaking silently.
final class ExamplesTests: XCTestCase {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testClusterFileBuildsAndAgreesWithTheCLI() throws {
        let example = Self.package.appendingPathComponent("Examples/ClusterFile")
        let scratch = Self.package.appendingPathComponent(".build-examples")
        let build = try CurateProcess.run(executable: URL(fileURLWithPath: "/usr/bin/env"), [
            "swift", "build", "-c", "release", "--package-path", example.path, "--scratch-path", scratch.path,
        ])
        XCTAssertEqual(build.status, 0, "the example no longer builds against the public API:\n\(build.stdoutText)\n\(build.stderr)")
        let binary = scratch.appendingPathComponent("release/cluster-file")
        let fixture = BackfillCommandTests.fixture.path
        let run = try CurateProcess.run(executable: binary, [fixture + ".f32", "384", "0.82"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = run.stdoutText.split(separator: "\n").map { $0.split(separator: " ").map { Int($0)! } }

        // The CLI visits prospects in prospect_id order; the fixture's lines are in that order,
        // so its clusters of ids are the example's clusters of rows.
        let cli = try CurateProcess.run(["cluster", "--prospects", fixture + ".jsonl", "--embeddings", fixture + ".f32", "--dim", "384"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let output = try XCTUnwrap(JSONSerialization.jsonObject(with: cli.stdout) as? [String: Any])
        let lines = try String(contentsOfFile: fixture + ".jsonl", encoding: .utf8).split(separator: "\n")
        let ids = try lines.map { try XCTUnwrap((JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["prospect_id"] as? String) }
        XCTAssertEqual(ids, ids.sorted())
        let rowOf = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let expected = try XCTUnwrap(output["clusters"] as? [[String]]).map { $0.map { rowOf[$0]! } }
        XCTAssertEqual(rows, expected)
        XCTAssertLessThan(rows.count, 2000)

        let usage = try CurateProcess.run(executable: binary, ["only-one-argument"])
        XCTAssertEqual(usage.status, 64)
        let missing = try CurateProcess.run(executable: binary, ["/nonexistent.f32", "384"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("cannot read /nonexistent.f32"), missing.stderr)
    }
}
