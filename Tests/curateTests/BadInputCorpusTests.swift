import Curation
import CurationStore
import Foundation
import GRDB
import XCTest

/// Runs the bad-input corpus of `Tests/Fixtures/bad-input/cases.json` through the built CLI:
/// every case must exit non-zero with one clear `error:` line naming what is wrong, print
/// nothing on standard output, and leave the database byte-for-byte as it was, or, for cases
/// marked `"after": "resumable"`, consistently updated: the next run without the fault resumes
/// the job it left and finishes.
///
/// Each case runs in a fresh copy of the corpus next to `d.sqlite`, a store holding the first
/// 20 fixture prospects with their real vectors. `setup` prepares the store: `locked` (another
/// connection holds the write lock for the whole run), `read-only` (mode 0444), `full-disk`
/// (SQLite's `max_page_count` pinned at the store's current size).
final class BadInputCorpusTests: XCTestCase {
    private struct Case: Decodable {
        let name: String
        let args: [String]
        let exit: Int32
        let error: String
        let setup: String?
        let store: String?
        let after: String?
    }

    private static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/bad-input")

    func testEveryBadInputGetsAClearErrorAndLeavesTheStoreUnchanged() throws {
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: Self.corpus.appendingPathComponent("cases.json")))
        XCTAssertGreaterThanOrEqual(cases.count, 25)
        let template = try baselineDirectory()
        for testCase in cases {
            let dir = try InputDirectory()
            for name in try FileManager.default.contentsOfDirectory(atPath: template.url.path) {
                try FileManager.default.copyItem(at: template.url.appendingPathComponent(name), to: dir.url.appendingPathComponent(name))
            }
            let storeURL = dir.url.appendingPathComponent(testCase.store ?? "d.sqlite")
            let before = try storeBytes(storeURL)
            var environment: [String: String?] = [:]
            var lock: StoreLock?
            switch testCase.setup {
            case "locked": lock = StoreLock(path: storeURL.path)
            case "read-only": try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: storeURL.path)
            case "full-disk": environment["CURATE_SQLITE_MAX_PAGE_COUNT"] = String(try pageCount(storeURL))
            case nil: break
            case let other?: XCTFail("\(testCase.name): unknown setup \(other)")
            }
            let result = try CurateProcess.run(testCase.args, in: dir.url, environment: environment)
            lock?.release()
            let message = "\(testCase.name): \(result.stderr)"
            XCTAssertEqual(result.status, testCase.exit, message)
            XCTAssertFalse(result.killed, message)
            XCTAssertTrue(result.stderr.hasPrefix(testCase.exit == 64 ? "Error: " : "error: "), message)
            XCTAssertTrue(result.stderr.contains(testCase.error), "\(message) lacks \(testCase.error)")
            XCTAssertTrue(result.stdout.isEmpty, "\(testCase.name): \(result.stdoutText)")
            if testCase.after == "resumable" {
                let resumed = try CurateProcess.run(testCase.args, in: dir.url)
                XCTAssertEqual(resumed.status, 0, "\(testCase.name), resumed: \(resumed.stderr)")
                XCTAssertTrue(resumed.stderr.contains("resuming"), "\(testCase.name), resumed: \(resumed.stderr)")
                let status = try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url)
                XCTAssertTrue(status.stdoutText.contains("\"pending\":0"), "\(testCase.name), resumed: \(status.stdoutText)")
            } else {
                XCTAssertEqual(try storeBytes(storeURL), before, "\(testCase.name): the store changed")
            }
        }
    }

    /// A read-only store still answers reads.
    func testAReadOnlyStoreStillReports() throws {
        let dir = try baselineDirectory()
        let store = dir.url.appendingPathComponent("d.sqlite")
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store.path)
        let before = try storeBytes(store)
        let status = try CurateProcess.run(["status", "--db", "d.sqlite", "--json"], in: dir.url)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdoutText.contains("\"pending\":20"), status.stdoutText)
        XCTAssertEqual(try CurateProcess.run(["backfill", "--db", "d.sqlite", "--dry-run"], in: dir.url).status, 0)
        XCTAssertEqual(try storeBytes(store), before)
    }

    // MARK: Helpers

    /// The corpus with `d.sqlite` imported from `base.jsonl` and `base.f32`.
    private func baselineDirectory() throws -> InputDirectory {
        let dir = try InputDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path) where name != "cases.json" {
            try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent(name), to: dir.url.appendingPathComponent(name))
        }
        let imported = try CurateProcess.run(["import", "prospects", "base.jsonl", "--embeddings", "base.f32", "--dim", "384",
                                              "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        return dir
    }

    /// The database file's bytes and its WAL's (an empty WAL counts as none: SQLite may create
    /// one when it opens the file, even read-only).
    private func storeBytes(_ url: URL) throws -> [Data] {
        try [url, URL(fileURLWithPath: url.path + "-wal")].map { file in
            FileManager.default.fileExists(atPath: file.path) ? try Data(contentsOf: file) : Data()
        }
    }

    /// The number of pages of the database file (its header, bytes 28–31, big-endian).
    private func pageCount(_ url: URL) throws -> Int {
        let header = try Data(contentsOf: url).prefix(32)
        return header.suffix(4).reduce(0) { $0 << 8 | Int($1) }
    }
}

/// Holds the write lock of a store from another connection, with an uncommitted change, until
/// released (the change is then rolled back).
private final class StoreLock: @unchecked Sendable {
    private let held = DispatchSemaphore(value: 0)
    private let release_ = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(path: String) {
        let held = self.held, release = self.release_, done = self.done
        Thread.detachNewThread {
            var holding = false
            do {
                let store = try CurationStore(path: path, access: .queue)
                try store.write { db -> Void in
                    try db.execute(sql: "UPDATE store_info SET value = value WHERE key = 'embedding_dim'")
                    holding = true
                    held.signal()
                    release.wait()
                    throw CancellationError()   // roll back
                }
            } catch {
                if !holding { held.signal() }   // never hang the test; the case then fails on its exit status
            }
            done.signal()   // the store is closed here
        }
        held.wait()
    }

    func release() {
        release_.signal()
        done.wait()
    }
}
