import Foundation
import GRDB
import XCTest

/// Issue 14, item 6: the store and every output are readable by their owner only, an atomic
/// write keeps the mode of the file it replaces, and no output may replace the database, its
/// `-wal`/`-shm` or the config in force.
final class OutputFileSafetyTests: XCTestCase {
    /// A store of three prospects (vectors from the default hashing embedder), its inputs and a
    /// subdirectory `sub` (for `./sub/../` spellings).
    private func smallStore() throws -> InputDirectory {
        let dir = try InputDirectory()
        try dir.write("p.jsonl", (1...3).map {
            #"{"prospect_id": "p\#($0)", "anchor_key": "s\#($0)", "label": "sqlite wal mode \#($0)", "summary": "the wal file", "ts": "2026-01-0\#($0)T00:00:00Z"}"#
        }.joined(separator: "\n") + "\n")
        try dir.writeF32("p.f32", [[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1]])
        let imported = try CurateProcess.run(["import", "prospects", "p.jsonl", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("sub"), withIntermediateDirectories: true)
        return dir
    }

    private func path(_ dir: InputDirectory, _ name: String) -> String { dir.url.appendingPathComponent(name).path }

    /// The database file and its WAL, byte for byte (a missing WAL reads as empty).
    private func storeBytes(_ dir: InputDirectory) throws -> [Data] {
        try ["d.sqlite", "d.sqlite-wal"].map { name in
            let url = dir.url.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: url.path) ? try Data(contentsOf: url) : Data()
        }
    }

    // MARK: Modes

    /// Reproduced: the store was created 0644 under the usual umask 022, and so were the
    /// `-wal` and `-shm` SQLite gives the database's mode.
    func testANewStoreAndItsWALAndSHMAreOwnerOnly() throws {
        try FileMode.withUmask(0o022) {
            let dir = try smallStore()
            XCTAssertEqual(FileMode.of(path(dir, "d.sqlite")), 0o600, "the store holds people's text")
            // While a connection is open the -wal and -shm exist: SQLite creates them with the store's mode.
            let queue = try DatabaseQueue(path: path(dir, "d.sqlite"))
            try queue.read { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM prospects") }
            for suffix in ["-wal", "-shm"] {
                XCTAssertEqual(FileMode.of(path(dir, "d.sqlite" + suffix)), 0o600, suffix)
            }
            try queue.close()
        }
    }

    /// Reproduced: every output was created 0644 under umask 022 (`export` already asked 0600).
    func testEveryOutputIsCreatedOwnerOnly() throws {
        try FileMode.withUmask(0o022) {
            let dir = try smallStore()
            let runs: [(String, [String])] = [
                ("report.html", ["report", "--db", "d.sqlite", "--out", "report.html"]),
                ("plan.json", ["backfill", "--db", "d.sqlite", "--dry-run", "--plan-out", "plan.json"]),
                ("committed.jsonl", ["export", "committed", "--db", "d.sqlite", "--out", "committed.jsonl"]),
                ("clusters.json", ["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "3", "--out", "clusters.json"]),
            ]
            for (output, arguments) in runs {
                let result = try CurateProcess.run(arguments, in: dir.url)
                XCTAssertEqual(result.status, 0, "\(arguments[0]): \(result.stderr)")
                XCTAssertEqual(FileMode.of(path(dir, output)), 0o600, "\(arguments[0]) --out")
            }
        }
    }

    /// Reproduced: a 0600 report replaced by a new one became 0644 (the temporary file's mode).
    func testAReplacedOutputKeepsItsMode() throws {
        try FileMode.withUmask(0o022) {
            let dir = try smallStore()
            for (name, mode) in [("private.html", mode_t(0o600)), ("shared.html", mode_t(0o640))] {
                try dir.write(name, "old")
                XCTAssertEqual(chmod(path(dir, name), mode), 0)
                let result = try CurateProcess.run(["report", "--db", "d.sqlite", "--out", name], in: dir.url)
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertTrue(try String(contentsOfFile: path(dir, name), encoding: .utf8).hasPrefix("<!DOCTYPE html>"), "replaced")
                XCTAssertEqual(FileMode.of(path(dir, name)), mode, "\(name) keeps mode \(String(mode, radix: 8))")
            }
            try dir.write("plan.json", "{}")
            XCTAssertEqual(chmod(path(dir, "plan.json"), 0o600), 0)
            let plan = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--dry-run", "--plan-out", "plan.json"], in: dir.url)
            XCTAssertEqual(plan.status, 0, plan.stderr)
            XCTAssertEqual(FileMode.of(path(dir, "plan.json")), 0o600)
        }
    }

    // MARK: Outputs that would replace the store or its config

    /// Reproduced: `report --out` naming the database replaced it with HTML and exited 0.
    func testAnOutputNamingTheDatabaseOrItsWALOrSHMIsRefused() throws {
        let dir = try smallStore()
        XCTAssertEqual(link(path(dir, "d.sqlite"), path(dir, "hard-link.sqlite")), 0)
        XCTAssertEqual(symlink("d.sqlite", path(dir, "sym-link.sqlite")), 0)
        let before = try storeBytes(dir)
        let outputs = ["d.sqlite", "./sub/../d.sqlite", path(dir, "d.sqlite"), "hard-link.sqlite", "sym-link.sqlite",
                       "./sub/../d.sqlite-wal", "d.sqlite-shm"]
        for out in outputs {
            for arguments in [["report", "--db", "d.sqlite", "--out", out],
                              ["backfill", "--db", "d.sqlite", "--dry-run", "--plan-out", out],
                              ["export", "committed", "--db", "d.sqlite", "--out", out]] {
                let result = try CurateProcess.run(arguments, in: dir.url)
                let what = "\(arguments.prefix(2).joined(separator: " ")) → \(out)"
                XCTAssertEqual(result.status, 2, "\(what): \(result.stderr)")
                XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(what): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains(out) && result.stderr.contains("d.sqlite"), "\(what): \(result.stderr)")
                XCTAssertTrue(result.stdout.isEmpty, "\(what): \(result.stdoutText)")
                XCTAssertEqual(try storeBytes(dir), before, "\(what): the store changed")
                XCTAssertFalse(try dir.contents().contains { $0.contains(".tmp-") }, "\(what): a temporary file was left")
                let wal = (try? Data(contentsOf: dir.url.appendingPathComponent("d.sqlite-wal"))) ?? Data()
                XCTAssertFalse(wal.starts(with: Data("<".utf8)) || wal.starts(with: Data("{".utf8)), "\(what): the WAL was replaced")
            }
        }
        let status = try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdoutText.contains("\"pending\":3"), status.stdoutText)
    }

    /// Reproduced: an output naming the config in force (given with `--config`, or the
    /// `curate.toml` next to the database) replaced it.
    func testAnOutputNamingTheConfigInForceIsRefused() throws {
        let dir = try smallStore()
        let config = "[planner]\ncluster_similarity = 0.8\n"
        try dir.write("curate.toml", config)
        try dir.write("other.toml", config)
        for arguments in [["report", "--db", "d.sqlite", "--out", "./sub/../curate.toml"],
                          ["backfill", "--db", "d.sqlite", "--dry-run", "--plan-out", "curate.toml"],
                          ["export", "committed", "--db", "d.sqlite", "--out", "curate.toml"],
                          ["report", "--db", "d.sqlite", "--config", "other.toml", "--out", "sub/../other.toml"],
                          ["backfill", "--db", "d.sqlite", "--config", "other.toml", "--dry-run", "--plan-out", "other.toml"]] {
            let result = try CurateProcess.run(arguments, in: dir.url)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("config"), "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(try String(contentsOfFile: path(dir, "curate.toml"), encoding: .utf8), config)
        XCTAssertEqual(try String(contentsOfFile: path(dir, "other.toml"), encoding: .utf8), config)
        // A config that is not in force is just a file.
        let result = try CurateProcess.run(["report", "--db", "d.sqlite", "--config", "curate.toml", "--out", "other.toml"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
