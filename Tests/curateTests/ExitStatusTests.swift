import Foundation
import XCTest

/// One exit status policy for every command (`ExitStatus`): the same section in every `--help`,
/// and the same status for the same kind of failure whichever command meets it.
final class ExitStatusTests: XCTestCase {
    static let commands: [[String]] = [
        ["cluster"], ["recall"], ["info"], ["import", "prospects"], ["import", "committed"], ["import", "resolutions"],
        ["import", "sources"], ["backfill"], ["tick"], ["daemon"], ["status"], ["report"], ["export"],
    ]

    func testEveryCommandDocumentsTheSamePolicy() throws {
        var sections: [String: [String]] = [:]
        for command in Self.commands {
            let help = try CurateProcess.run(command + ["--help"]).stdoutText
            guard let start = help.range(of: "Exit status:") else { XCTFail("\(command) --help has no exit status"); continue }
            let section = String(help[start.lowerBound...].prefix { _ in true }).components(separatedBy: "\n\n")[0]
            sections[section, default: []].append(command.joined(separator: " "))
        }
        XCTAssertEqual(sections.count, 1, "sections differ: \(sections.values)")
        let section = try XCTUnwrap(sections.keys.first)
        for status in ["  0   success", "  1   the store", "  2   bad input file or value", "  3   backfill only", "  64  usage error"] {
            XCTAssertTrue(section.contains(status), "\(status) missing from \(section)")
        }
    }

    /// A value out of range is bad input (2) in every command; an unknown flag is a usage error (64).
    func testTheSameFailureGetsTheSameStatusEverywhere() throws {
        let dir = try InputDirectory()
        try dir.writeJSONL("p.jsonl", ["a"])
        try dir.writeF32("p.f32", [[1, 0]])
        let outOfRange: [([String], String)] = [
            (["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "0"], "--dim must be at least 1"),
            (["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "2", "--threshold", "1.5"], "--threshold"),
            (["recall", "--queries", "p.jsonl", "--query-embeddings", "p.f32", "--database", "p.jsonl",
              "--database-embeddings", "p.f32", "--dim", "2", "--k", "-1"], "--k must be at least 0"),
            (["import", "prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "0", "--db", "new.sqlite"], "--dim must be at least 1"),
            (["backfill", "--db", "new.sqlite", "--max-cluster-size", "0"], "--max-cluster-size must be at least 1 (got 0)"),
            (["backfill", "--db", "new.sqlite", "--recall-top-k", "10001"], "--recall-top-k must be in 0...10000"),
            (["report", "--db", "new.sqlite", "--out", "r.html", "--cluster-similarity", "2"], "--cluster-similarity must be in [-1, 1] (got 2.0)"),
            (["daemon", "--db", "new.sqlite", "--interval", "0m"], "--interval"),
            (["status", "--db", "new.sqlite", "--since", "2026-13-01"], "--since"),
        ]
        for (arguments, fragment) in outOfRange {
            let result = try CurateProcess.run(arguments, in: dir.url)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stdout.isEmpty, "\(arguments)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("new.sqlite").path), "nothing was created")
        for command in Self.commands {
            XCTAssertEqual(try CurateProcess.run(command + ["--frobnicate"], in: dir.url).status, 64, "\(command)")
        }
    }
}
