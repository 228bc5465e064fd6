import Foundation
import XCTest

/// Issue 14, item 7: inputs have bounds. Only regular files are read, a `.f32` file's size is
/// checked before it is read, `--dim` is at most 65,536, a JSON Lines line at most 1 MiB and a
/// JSON Lines file at most 4 GiB. Each run is bounded in time and address space
/// (`BoundedCurate`), so the unbounded reading these tests reproduce fails instead of taking the
/// machine down.
final class InputBoundsTests: XCTestCase {
    private static let line = #"{"prospect_id": "a", "anchor_key": "s", "ts": "2026-01-01T00:00:00Z"}"# + "\n"

    /// Asserts a quick exit 2 with one `error:` line containing every text of `expected`, and
    /// nothing on standard output.
    private func assertBadInput(_ outcome: BoundedCurate.Outcome, _ expected: [String], within seconds: Double = 10,
                                file: StaticString = #filePath, line: UInt = #line) {
        let result = outcome.result
        XCTAssertEqual(result.status, 2, "exit \(result.status), killed \(result.killed): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        for text in expected {
            XCTAssertTrue(result.stderr.contains(text), "\(result.stderr) lacks \(text)", file: file, line: line)
        }
        XCTAssertTrue(result.stdout.isEmpty, result.stdoutText, file: file, line: line)
        XCTAssertLessThan(outcome.seconds, seconds, "refused at once", file: file, line: line)
    }

    /// A sparse file of `bytes` zero bytes (no disk blocks).
    private func sparseFile(_ dir: InputDirectory, _ name: String, bytes: off_t) throws {
        let fd = open(dir.url.appendingPathComponent(name).path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(ftruncate(fd, bytes), 0)
        close(fd)
    }

    // MARK: Regular files only

    /// Reproduced: `import prospects /dev/zero` read until allocation failed (a crash, after
    /// creating the store).
    func testDevZeroAsAJSONLinesInputFailsAtOnce() throws {
        let dir = try InputDirectory()
        assertBadInput(try BoundedCurate.run(["import", "prospects", "/dev/zero", "--db", "d.sqlite"], in: dir.url),
                       ["/dev/zero", "not a regular file"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("d.sqlite").path),
                       "no store is created for an input that cannot be read")
        assertBadInput(try BoundedCurate.run(["cluster", "--prospects", "/dev/zero", "--embeddings", "/dev/zero", "--dim", "4"],
                                             in: dir.url), ["/dev/zero", "not a regular file"])
    }

    /// Reproduced: `/dev/zero` as the `.f32` file was read until allocation failed; a FIFO as the
    /// config file blocked until a writer came.
    func testDevZeroAsVectorsOrAFIFOAsConfigFailsAtOnce() throws {
        let dir = try InputDirectory()
        try dir.write("p.jsonl", Self.line)
        assertBadInput(try BoundedCurate.run(["import", "prospects", "p.jsonl", "--embeddings", "/dev/zero", "--dim", "4",
                                              "--db", "d.sqlite"], in: dir.url), ["/dev/zero", "not a regular file"])
        // Owned by the user and not writable by others: only its kind refuses it.
        XCTAssertEqual(mkfifo(dir.url.appendingPathComponent("fifo.toml").path, 0o600), 0)
        assertBadInput(try BoundedCurate.run(["import", "prospects", "p.jsonl", "--config", "fifo.toml", "--db", "d.sqlite"],
                                             in: dir.url, seconds: 20), ["fifo.toml", "not a regular file"])
        assertBadInput(try BoundedCurate.run(["import", "prospects", "p.jsonl", "--config", "/dev/zero", "--db", "d.sqlite"],
                                             in: dir.url), ["/dev/zero"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("d.sqlite").path))
    }

    /// A FIFO without a writer: opening it must not block, and it is refused.
    func testAFIFOIsRefusedWithoutBlocking() throws {
        let dir = try InputDirectory()
        XCTAssertEqual(mkfifo(dir.url.appendingPathComponent("fifo.jsonl").path, 0o600), 0)
        assertBadInput(try BoundedCurate.run(["import", "prospects", "fifo.jsonl", "--db", "d.sqlite"], in: dir.url, seconds: 20),
                       ["fifo.jsonl", "not a regular file"])
        try dir.write("p.jsonl", Self.line)
        assertBadInput(try BoundedCurate.run(["cluster", "--prospects", "p.jsonl", "--embeddings", "fifo.jsonl", "--dim", "4"],
                                             in: dir.url, seconds: 20), ["fifo.jsonl", "not a regular file"])
    }

    // MARK: .f32 size before reading

    /// Reproduced: a 4 GiB sparse `.f32` with a one-line JSONL was read whole (8.4 GB RSS), then
    /// rejected; here the address space is capped at 2 GB, so reading it fails.
    func testASparseFourGiBF32IsRefusedBeforeItIsRead() throws {
        let dir = try InputDirectory()
        try dir.write("p.jsonl", Self.line)
        try sparseFile(dir, "big.f32", bytes: 4 << 30)
        assertBadInput(try BoundedCurate.run(["import", "prospects", "p.jsonl", "--embeddings", "big.f32", "--dim", "1024",
                                              "--db", "d.sqlite"], in: dir.url),
                       ["big.f32: has 1048576 rows but p.jsonl has 1 line"])
        assertBadInput(try BoundedCurate.run(["cluster", "--prospects", "p.jsonl", "--embeddings", "big.f32", "--dim", "1024"],
                                             in: dir.url), ["big.f32: has 1048576 rows but p.jsonl has 1 line"])
        // Not a whole number of rows: refused before reading too.
        assertBadInput(try BoundedCurate.run(["import", "prospects", "p.jsonl", "--embeddings", "big.f32", "--dim", "65535",
                                              "--db", "d.sqlite"], in: dir.url), ["big.f32: 4294967296 bytes is not a whole number"])
    }

    // MARK: --dim

    /// Reproduced: `--dim 2305843009213693952` overflowed `dim × 4` and crashed (signal) instead of exiting 2.
    func testAHugeDimensionExitsTwoOnEveryCommand() throws {
        let dir = try InputDirectory()
        try dir.write("p.jsonl", Self.line)
        try dir.write("c.jsonl", #"{"item_id": "c", "item_type": "tool"}"# + "\n")
        try dir.writeF32("p.f32", [[1, 2, 3, 4]])
        for dim in ["2305843009213693952", "9223372036854775807", "65537"] {
            let commands: [[String]] = [
                ["import", "prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", dim, "--db", "d.sqlite"],
                ["import", "committed", "c.jsonl", "--embeddings", "p.f32", "--dim", dim, "--db", "d.sqlite"],
                ["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", dim],
                ["recall", "--queries", "p.jsonl", "--query-embeddings", "p.f32", "--database", "c.jsonl",
                 "--database-embeddings", "p.f32", "--dim", dim],
            ]
            for arguments in commands {
                let outcome = try BoundedCurate.run(arguments, in: dir.url)
                XCTAssertFalse(outcome.result.killed, "\(arguments[0]) --dim \(dim)")
                assertBadInput(outcome, ["--dim must be at most 65536 (got \(dim))"])
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("d.sqlite").path))
        // 65,536 itself is allowed: the run goes on to the file's size.
        assertBadInput(try BoundedCurate.run(["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "65536"],
                                             in: dir.url), ["p.f32: 16 bytes is not a whole number of float32 rows of dimension 65536"])
    }

    // MARK: JSON Lines bounds

    /// Reproduced: a line of any length was read and parsed whole.
    func testALineLongerThanOneMiBIsRefusedWithItsLineNumber() throws {
        let dir = try InputDirectory()
        func line(_ id: String, bytes: Int) -> String {
            let head = #"{"prospect_id": "\#(id)", "anchor_key": "s", "ts": "2026-01-01T00:00:00Z", "label": ""#
            return head + String(repeating: "x", count: bytes - head.utf8.count - 2) + "\"}"
        }
        let limit = 1 << 20
        try dir.write("long.jsonl", Self.line.replacingOccurrences(of: "\"a\"", with: "\"first\"") + line("b", bytes: limit + 1) + "\n")
        assertBadInput(try BoundedCurate.run(["import", "prospects", "long.jsonl", "--db", "d.sqlite"], in: dir.url),
                       ["long.jsonl:2:", "longer than 1 MiB"])
        assertBadInput(try BoundedCurate.run(["cluster", "--prospects", "long.jsonl", "--embeddings", "long.jsonl", "--dim", "4"],
                                             in: dir.url), ["long.jsonl:2:", "longer than 1 MiB"])
        // Exactly 1 MiB (CRLF endings not counted) is fine.
        try dir.write("edge.jsonl", line("a", bytes: limit) + "\r\n")
        let edge = try BoundedCurate.run(["import", "prospects", "edge.jsonl", "--db", "d.sqlite"], in: dir.url)
        XCTAssertEqual(edge.result.status, 0, edge.result.stderr)
    }

    /// Reproduced: a JSON Lines file of any size was read whole (a 4 GiB file: 4 GiB and more of memory).
    func testAJSONLinesFileOverFourGiBIsRefusedBeforeItIsRead() throws {
        let dir = try InputDirectory()
        try sparseFile(dir, "huge.jsonl", bytes: (4 << 30) + 1)
        assertBadInput(try BoundedCurate.run(["import", "prospects", "huge.jsonl", "--db", "d.sqlite"], in: dir.url),
                       ["huge.jsonl", "4294967297 bytes", "larger than"])
        assertBadInput(try BoundedCurate.run(["cluster", "--prospects", "huge.jsonl", "--embeddings", "huge.jsonl", "--dim", "4"],
                                             in: dir.url), ["huge.jsonl", "larger than"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("d.sqlite").path))
    }
}
