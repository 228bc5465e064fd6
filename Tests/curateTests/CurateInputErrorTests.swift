import Foundation
import XCTest

/// Bad input files exit with 2 and one line on standard error naming the file and the line;
/// unknown or unparsable flags exit with ArgumentParser's usage status, 64, values out of range with 2.
final class CurateInputErrorTests: XCTestCase {
    let good = [#"{"prospect_id": "a"}"#, #"{"prospect_id": "b"}"#, #"{"prospect_id": "c"}"#]

    /// Runs `cluster` on `jsonl` (lines joined with "\n", plus a final newline) and `rows`.
    func cluster(jsonl: String, rows: [[Float]], extra: [String] = []) throws -> CurateProcess.Result {
        let dir = try InputDirectory()
        try dir.write("in.jsonl", jsonl)
        try dir.writeF32("in.f32", rows)
        return try CurateProcess.run(["cluster", "--prospects", "in.jsonl", "--embeddings", "in.f32", "--dim", "2"] + extra,
                                     in: dir.url)
    }

    func lines(_ lines: [String]) -> String { lines.joined(separator: "\n") + "\n" }

    let threeRows: [[Float]] = [[1, 0], [0, 1], [1, 1]]

    /// Exit 2, nothing on stdout, exactly one line on stderr starting "error: " and holding every fragment.
    func assertInputError(_ result: CurateProcess.Result, _ fragments: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 2, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stdout.isEmpty, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "one line: \(result.stderr)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(result.stderr.contains(fragment), "\(result.stderr) lacks \(fragment)", file: file, line: line)
        }
    }

    func testF32SizeNotAMultipleOfTheRowSize() throws {
        let dir = try InputDirectory()
        try dir.write("in.jsonl", lines(good))
        try dir.write("in.f32", String(repeating: "x", count: 25))
        let result = try CurateProcess.run(["cluster", "--prospects", "in.jsonl", "--embeddings", "in.f32", "--dim", "2"],
                                           in: dir.url)
        assertInputError(result, ["in.f32", "25 bytes", "dimension 2", "8 bytes each"])
    }

    func testRowCountDiffersFromLineCount() throws {
        assertInputError(try cluster(jsonl: lines(good), rows: [[1, 0], [0, 1]]),
                         ["in.f32: has 2 rows but in.jsonl has 3 lines", "row i of the .f32 is line i+1"])
        assertInputError(try cluster(jsonl: lines(good), rows: threeRows + [[1, 2]]),
                         ["in.f32: has 4 rows but in.jsonl has 3 lines"])
    }

    func testNaNAndInfinityNameTheLineAndColumn() throws {
        assertInputError(try cluster(jsonl: lines(good), rows: [[1, 0], [0, .nan], [1, 1]]),
                         ["in.f32: row 1, column 1 is NaN or infinite", "line 2 of in.jsonl"])
        assertInputError(try cluster(jsonl: lines(good), rows: [[1, 0], [0, 1], [-.infinity, 1]]),
                         ["in.f32: row 2, column 0", "line 3 of in.jsonl"])
    }

    func testBrokenJSON() throws {
        assertInputError(try cluster(jsonl: lines([good[0], #"{"prospect_id": "b""#, good[2]]), rows: threeRows),
                         ["in.jsonl:2: invalid JSON"])
        assertInputError(try cluster(jsonl: lines([good[0], good[1], "[1, 2]"]), rows: threeRows),
                         ["in.jsonl:3: expected a JSON object, found an array"])
    }

    func testMissingOrNonStringID() throws {
        assertInputError(try cluster(jsonl: lines([good[0], #"{"id": "b"}"#, good[2]]), rows: threeRows),
                         [#"in.jsonl:2: missing "prospect_id" field"#])
        assertInputError(try cluster(jsonl: lines([good[0], good[1], #"{"prospect_id": 3}"#]), rows: threeRows),
                         [#"in.jsonl:3: "prospect_id" must be a string, found a number"#])
        assertInputError(try cluster(jsonl: lines([#"{"prospect_id": null}"#, good[1], good[2]]), rows: threeRows),
                         ["in.jsonl:1:", "found null"])
    }

    func testDuplicateIDNamesBothLines() throws {
        assertInputError(try cluster(jsonl: lines([good[0], good[1], #"{"prospect_id": "a", "x": 1}"#]), rows: threeRows),
                         [#"in.jsonl:3: duplicate prospect_id "a" (first on line 1)"#])
    }

    func testBlankLineInTheMiddle() throws {
        assertInputError(try cluster(jsonl: good[0] + "\n\n" + good[1] + "\n" + good[2] + "\n", rows: threeRows),
                         ["in.jsonl:2: blank line"])
    }

    func testTrailingBlankLinesAndCRLFAreFine() throws {
        let result = try cluster(jsonl: good.joined(separator: "\r\n") + "\r\n\r\n\n", rows: threeRows)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutText.contains(#""items":3"#))
    }

    func testUnreadableFiles() throws {
        let dir = try InputDirectory()
        try dir.write("in.jsonl", lines(good))
        var result = try CurateProcess.run(["cluster", "--prospects", "nope.jsonl", "--embeddings", "in.f32", "--dim", "2"],
                                           in: dir.url)
        assertInputError(result, ["cannot read nope.jsonl: No such file or directory"])
        result = try CurateProcess.run(["cluster", "--prospects", "in.jsonl", "--embeddings", "nope.f32", "--dim", "2"],
                                       in: dir.url)
        assertInputError(result, ["cannot read nope.f32"])
    }

    func testRecallNamesTheDatabaseFileAndItsIDField() throws {
        let dir = try InputDirectory()
        try dir.writeJSONL("q.jsonl", ["q1"])
        try dir.writeF32("q.f32", [[1, 0]])
        try dir.writeJSONL("d.jsonl", ["d1", "d2"])  // prospect_id, not item_id
        try dir.writeF32("d.f32", [[1, 0], [0, 1]])
        var result = try CurateProcess.run(["recall", "--queries", "q.jsonl", "--query-embeddings", "q.f32",
                                            "--database", "d.jsonl", "--database-embeddings", "d.f32", "--dim", "2"],
                                           in: dir.url)
        assertInputError(result, [#"d.jsonl:1: missing "item_id" field"#])
        try dir.writeJSONL("d.jsonl", field: "item_id", ["d1", "d2"])
        try dir.writeF32("d.f32", [[1, 0], [0, .infinity]])
        result = try CurateProcess.run(["recall", "--queries", "q.jsonl", "--query-embeddings", "q.f32",
                                        "--database", "d.jsonl", "--database-embeddings", "d.f32", "--dim", "2"],
                                       in: dir.url)
        assertInputError(result, ["d.f32: row 1, column 1", "line 2 of d.jsonl"])
    }

    // MARK: flags (ArgumentParser's usage errors, exit 64; values out of range, exit 2)

    func assertUsageError(_ result: CurateProcess.Result, _ fragment: String,
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 64, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stdout.isEmpty, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "\(result.stderr) lacks \(fragment)", file: file, line: line)
    }

    func testBadFlagValues() throws {
        for dim in ["0", "-4"] {
            let result = try cluster(jsonl: lines(good), rows: threeRows, extra: ["--dim", dim])
            XCTAssertEqual(result.status, 2, "a dimension below 1 is bad input")
            XCTAssertTrue(result.stderr.contains("error: --dim must be at least 1 (got \(dim))"), result.stderr)
        }
        for threshold in ["nan", "inf", "1.5", "-1.01"] {
            assertBadValue(try cluster(jsonl: lines(good), rows: threeRows, extra: ["--threshold", threshold]),
                           "--threshold must be a number in [-1, 1]")
        }
        assertUsageError(try cluster(jsonl: lines(good), rows: threeRows, extra: ["--backend", "gpu"]), "'gpu' is invalid for '--backend")
        let k = try CurateProcess.run(["recall", "--queries", "q", "--query-embeddings", "q", "--database", "d",
                                       "--database-embeddings", "d", "--dim", "2", "--k", "-1"])
        assertBadValue(k, "--k must be at least 0 (got -1)")
    }

    /// A value that parses but is out of range is bad input (`ExitStatus`): exit 2, one `error:` line.
    func assertBadValue(_ result: CurateProcess.Result, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 2, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stdout.isEmpty, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(fragment)"), "\(result.stderr) lacks \(fragment)", file: file, line: line)
    }

    func testUnknownFlagAndMissingOption() throws {
        assertUsageError(try cluster(jsonl: lines(good), rows: threeRows, extra: ["--bogus"]), "Unknown option '--bogus'")
        assertUsageError(try CurateProcess.run(["cluster", "--prospects", "p.jsonl", "--dim", "2"]), "--embeddings")
        assertUsageError(try CurateProcess.run(["frobnicate"]), "frobnicate")
    }
}
