import Curation
import CurationStore
import CurationTestSupport
import Foundation
import XCTest

final class JSONLIdReaderTests: XCTestCase {
    let reader = JSONLIdReader()

    func read(_ text: String, field: String = "prospect_id") throws(InputFileError) -> [String] {
        try JSONLIdReader(field: field).read(Data(text.utf8), path: "p.jsonl")
    }

    /// The error `text` gives, or a failure when it reads fine.
    func error(_ text: String, field: String = "prospect_id", file: StaticString = #filePath, line: UInt = #line) -> InputFileError? {
        do {
            let ids = try read(text, field: field)
            XCTFail("read \(ids) without an error", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testIdsInLineOrderOtherFieldsIgnored() throws {
        let text = """
            {"prospect_id": "b", "label": "x", "summary": "y", "confidence": 0.5, "nested": {"prospect_id": 1}}
            {"label": [1, 2, 3], "prospect_id": "a"}
            {"prospect_id": "c\\n\\u00e9\\ud83d\\ude00"}
            """
        XCTAssertEqual(try read(text), ["b", "a", "c\n\u{E9}\u{1F600}"])
        XCTAssertEqual(try read(text + "\n"), ["b", "a", "c\n\u{E9}\u{1F600}"])
    }

    func testOtherIDField() throws {
        XCTAssertEqual(try read(#"{"item_id": "i1", "prospect_id": "p"}"# + "\n", field: "item_id"), ["i1"])
        XCTAssertEqual(error(#"{"prospect_id": "p"}"# + "\n", field: "item_id"),
                       InputFileError(path: "p.jsonl", line: 1, reason: .missingField("item_id")))
    }

    func testEmptyFileHasNoIds() throws {
        XCTAssertEqual(try read(""), [])
        XCTAssertEqual(try read("\n"), [])
        XCTAssertEqual(try read("\n\n \n"), [])
    }

    func testTrailingBlankLinesAndCRLFAreFine() throws {
        XCTAssertEqual(try read(#"{"prospect_id": "a"}"#), ["a"])
        XCTAssertEqual(try read(#"{"prospect_id": "a"}"# + "\n\n\n"), ["a"])
        XCTAssertEqual(try read(#"{"prospect_id": "a"}"# + "\r\n" + #"{"prospect_id": "b"}"# + "\r\n\r\n"), ["a", "b"])
        XCTAssertEqual(try read(#"{"prospect_id": "a"}"# + "\r\n" + #"{"prospect_id": "b"}"#), ["a", "b"])
        XCTAssertEqual(try read("\u{FEFF}" + #"{"prospect_id": "a"}"# + "\n"), ["a"], "a UTF-8 byte order mark is tolerated")
    }

    func testBlankLineInTheMiddleNamesItsLine() {
        let a = #"{"prospect_id": "a"}"#, b = #"{"prospect_id": "b"}"#
        XCTAssertEqual(error(a + "\n\n" + b + "\n"), InputFileError(path: "p.jsonl", line: 2, reason: .blankLine))
        XCTAssertEqual(error(a + "\n \t\r\n\n" + b), InputFileError(path: "p.jsonl", line: 2, reason: .blankLine),
                       "whitespace-only lines are blank; the first of a run is named")
        XCTAssertEqual(error("\n" + a), InputFileError(path: "p.jsonl", line: 1, reason: .blankLine))
        XCTAssertEqual(error(a + "\r\n\r\n" + b + "\r\n")?.line, 2)
    }

    func testInvalidJSONNamesTheLine() throws {
        let e = try XCTUnwrap(error(#"{"prospect_id": "a"}"# + "\n" + #"{"prospect_id": "b" "x": 1}"# + "\n"))
        XCTAssertEqual(e.line, 2)
        guard case .invalidJSON = e.reason else { return XCTFail("\(e)") }
        XCTAssertTrue(e.description.hasPrefix("p.jsonl:2: invalid JSON: "), e.description)
        XCTAssertEqual(error("{\"prospect_id\": \"a\"}\n{\"prospect_id\": \"b\"")?.line, 2)
        XCTAssertEqual(error("{\"prospect_id\": \"a\"} x\n")?.line, 1)
        XCTAssertEqual(error("not json\n")?.line, 1)
    }

    func testLinesThatAreNotObjects() {
        XCTAssertEqual(error("[1]\n"), InputFileError(path: "p.jsonl", line: 1, reason: .notAnObject(found: "an array")))
        XCTAssertEqual(error("{\"prospect_id\": \"a\"}\n\"a\"\n")?.reason, .notAnObject(found: "a string"))
        XCTAssertEqual(error("3\n")?.reason, .notAnObject(found: "a number"))
        XCTAssertEqual(error("null\n")?.reason, .notAnObject(found: "null"))
    }

    func testMissingOrNonStringID() {
        XCTAssertEqual(error(#"{"prospect_id": "a"}"# + "\n" + #"{"label": "a"}"#),
                       InputFileError(path: "p.jsonl", line: 2, reason: .missingField("prospect_id")))
        let kinds = [("5", "a number"), ("1.5", "a number"), ("true", "a boolean"), ("null", "null"),
                     ("[\"a\"]", "an array"), ("{\"a\": 1}", "an object")]
        for (value, kind) in kinds {
            XCTAssertEqual(error("{\"prospect_id\": \(value)}\n"),
                           InputFileError(path: "p.jsonl", line: 1, reason: .nonStringField("prospect_id", found: kind)), value)
        }
    }

    func testDuplicateNamesBothLines() {
        let text = ["a", "b", "c", "b", "a"].map { #"{"prospect_id": "\#($0)"}"# }.joined(separator: "\n")
        XCTAssertEqual(error(text), InputFileError(path: "p.jsonl", line: 4,
                                                   reason: .duplicateID(field: "prospect_id", id: "b", firstLine: 2)))
    }

    func testCanonicallyEquivalentIdsAreDistinct() throws {
        // Swift's String == says these are equal; as ids (code points, bytes) they differ.
        XCTAssertEqual("\u{E9}", "e\u{301}")
        let ids = try read(#"{"prospect_id": "\u00e9"}"# + "\n" + #"{"prospect_id": "e\u0301"}"# + "\n")
        XCTAssertEqual(ids.map { Array($0.unicodeScalars) }, [["\u{E9}"], ["e", "\u{301}"]])
    }

    func testErrorDescriptions() {
        func text(_ line: Int?, _ reason: InputFileError.Reason, path: String = "p.jsonl") -> String {
            InputFileError(path: path, line: line, reason: reason).description
        }
        XCTAssertEqual(text(nil, .unreadable("No such file or directory")), "cannot read p.jsonl: No such file or directory")
        XCTAssertEqual(text(3, .blankLine), "p.jsonl:3: blank line (only the end of the file may have blank lines)")
        XCTAssertEqual(text(2, .invalidJSON("unexpected end of file")), "p.jsonl:2: invalid JSON: unexpected end of file")
        XCTAssertEqual(text(2, .notAnObject(found: "an array")), "p.jsonl:2: expected a JSON object, found an array")
        XCTAssertEqual(text(4, .missingField("item_id")), #"p.jsonl:4: missing "item_id" field"#)
        XCTAssertEqual(text(4, .nonStringField("prospect_id", found: "null")), #"p.jsonl:4: "prospect_id" must be a string, found null"#)
        XCTAssertEqual(text(9, .duplicateID(field: "prospect_id", id: "a\"\nb", firstLine: 2)),
                       #"p.jsonl:9: duplicate prospect_id "a\"\nb" (first on line 2)"#, "the id is quoted and escaped: one line")
        XCTAssertEqual(text(nil, .invalidDimension(0), path: "e.f32"), "e.f32: dimension 0 is invalid, it must be at least 1")
        XCTAssertEqual(text(nil, .embeddingByteCount(bytes: 10, dimension: 2), path: "e.f32"),
                       "e.f32: 10 bytes is not a whole number of float32 rows of dimension 2 (8 bytes each)")
        XCTAssertEqual(text(nil, .rowCountMismatch(rows: 1, lines: 3, jsonlPath: "p.jsonl"), path: "e.f32"),
                       "e.f32: has 1 row but p.jsonl has 3 lines (row i of the .f32 is line i+1 of the .jsonl)")
        XCTAssertEqual(text(nil, .nonFiniteEmbedding(row: 4, column: 7, jsonlPath: "p.jsonl"), path: "e.f32"),
                       "e.f32: row 4, column 7 is NaN or infinite (row 4 is line 5 of p.jsonl; rows and columns count from 0)")
    }

    func testFilesOnDisk() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("p.jsonl", #"{"prospect_id": "x"}"# + "\n")
        XCTAssertEqual(try reader.read(contentsOfFile: path), ["x"])
        XCTAssertThrowsError(try reader.read(contentsOfFile: dir.path("missing.jsonl"))) { error in
            XCTAssertEqual(error as? InputFileError,
                           InputFileError(path: dir.path("missing.jsonl"), reason: .unreadable("No such file or directory")))
        }
        XCTAssertThrowsError(try reader.read(contentsOfFile: dir.url.path)) { error in
            XCTAssertEqual(error as? InputFileError, InputFileError(path: dir.url.path, reason: .unreadable("Is a directory")))
        }
    }

    /// 40,000 lines of ~350 bytes, the size of the real data set.
    func testLargeFileIsFast() throws {
        let filler = String(repeating: "lorem ipsum ", count: 22)
        var text = ""
        text.reserveCapacity(40_000 * 360)
        for i in 0..<40_000 {
            text += #"{"prospect_id": "\#(String(i, radix: 16))", "anchor_key": "k\#(i % 97)", "summary": "\#(filler)", "confidence": 0.5}"# + "\n"
        }
        let data = Data(text.utf8)
        XCTAssertGreaterThan(data.count, 40_000 * 300)
        let clock = ContinuousClock()
        let start = clock.now
        let ids = try reader.read(data, path: "big.jsonl")
        let elapsed = clock.now - start
        XCTAssertEqual(ids.count, 40_000)
        XCTAssertEqual(ids[41], "29")
        #if DEBUG
        XCTAssertLessThan(elapsed, .seconds(10))
        #else
        XCTAssertLessThan(elapsed, .seconds(1))
        #endif
    }
}
