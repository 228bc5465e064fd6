import Curation
import CurationStore
import CurationTestSupport
import Foundation
import Kernels
import TestSupport
import XCTest

final class InputLoadingTests: XCTestCase {
    // MARK: UTF-16 order (JavaScript's string comparison)

    func testUTF16Order() {
        let ids = ["b", "\u{E9}", "e\u{301}", "a", "\u{1F600}", "\u{FF61}", "", "ab", "B", "z", "\u{E000}"]
        let sorted = UTF16Order.sortedIndices(of: ids).map { ids[$0] }
        // By UTF-16 code unit: U+1F600 is the pair D83D DE00, so it sorts before U+E000 and U+FF61
        // (by code point it would come last); Swift's String < would put "e"+U+0301 with U+00E9.
        XCTAssertEqual(sorted.map { Array($0.utf16) },
                       ["", "B", "a", "ab", "b", "e\u{301}", "z", "\u{E9}", "\u{1F600}", "\u{E000}", "\u{FF61}"].map { Array($0.utf16) })
        XCTAssertTrue(UTF16Order.precedes("e\u{301}", "\u{E9}"))
        XCTAssertFalse(UTF16Order.precedes("\u{E9}", "e\u{301}"))
        XCTAssertTrue(UTF16Order.precedes("\u{1F600}", "\u{FFFD}"), "a surrogate pair sorts before U+E000-U+FFFF")
        XCTAssertFalse(UTF16Order.precedes("a", "a"))
        XCTAssertTrue(UTF16Order.precedes("a", "ab"))
        XCTAssertEqual(UTF16Order.sortedIndices(of: []), [])
        XCTAssertEqual(UTF16Order.sortedIndices(of: ["x", "x", "a"]), [2, 0, 1], "equal ids keep their order")
    }

    /// Against an independent JavaScript-style comparison (code units one by one, then length),
    /// on random ids mixing ASCII, combining marks, U+E000-U+FFFF and supplementary characters:
    /// it differs from UTF-8 byte order exactly on the mixes seed-contract §2b names.
    func testUTF16OrderMatchesJavaScriptComparison() {
        var generator = SplitMix64(seed: 7)
        let alphabet: [Unicode.Scalar] = ["a", "b", "Z", "\u{E9}", "\u{301}", "\u{E000}", "\u{FFFD}", "\u{10000}", "\u{1F600}", "0"]
        let ids = (0..<500).map { _ in
            String(String.UnicodeScalarView((0..<Int.random(in: 0...5, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        func javaScriptLess(_ x: String, _ y: String) -> Bool {
            let (a, b) = (Array(x.utf16), Array(y.utf16))
            var i = 0
            while i < a.count && i < b.count {
                if a[i] != b[i] { return a[i] < b[i] }
                i += 1
            }
            return a.count < b.count
        }
        let expected = ids.indices.sorted { a, b in
            javaScriptLess(ids[a], ids[b]) || (!javaScriptLess(ids[b], ids[a]) && a < b)
        }
        XCTAssertEqual(UTF16Order.sortedIndices(of: ids), expected)
        let byBytes = ids.indices.sorted { a, b in
            let (x, y) = (Array(ids[a].utf8), Array(ids[b].utf8))
            return x != y ? x.lexicographicallyPrecedes(y) : a < b
        }
        XCTAssertNotEqual(expected, byBytes, "the sample mixes supplementary characters with U+E000-U+FFFF")
    }

    // MARK: ids + embeddings

    func testClusterInputLoadsAndOrders() throws {
        let dir = try TemporaryDirectory()
        let p = try dir.writeJSONL("p.jsonl", ["zeta", "\u{E9}clair", "alpha", "e\u{301}clair"])
        let e = try dir.writeF32("p.f32", [[1, 0], [0, 1], [1, 1], [2, 0]])
        let input = try ClusterInput(prospectsPath: p, embeddingsPath: e, dimension: 2)
        XCTAssertEqual(input.items.ids.count, 4)
        XCTAssertEqual(input.items.matrix.rows, 4)
        XCTAssertEqual(input.items.matrix.dimension, 2)
        XCTAssertEqual(input.items.matrix.row(2), [1, 1], "row i belongs to line i+1")
        XCTAssertEqual(input.order, [2, 3, 0, 1])
    }

    func testRecallInputUsesItemIDForTheDatabase() throws {
        let dir = try TemporaryDirectory()
        let q = try dir.writeJSONL("q.jsonl", ["q1", "q2"])
        let qe = try dir.writeF32("q.f32", [[1, 0, 0], [0, 1, 0]])
        let d = try dir.writeJSONL("d.jsonl", field: "item_id", ["d1"])
        let de = try dir.writeF32("d.f32", [[0, 0, 1]])
        let input = try RecallInput(queriesPath: q, queryEmbeddingsPath: qe, databasePath: d, databaseEmbeddingsPath: de, dimension: 3)
        XCTAssertEqual(input.queries.ids, ["q1", "q2"])
        XCTAssertEqual(input.database.ids, ["d1"])
        XCTAssertEqual(input.database.matrix.rows, 1)
        // The database must use item_id.
        XCTAssertThrowsError(try RecallInput(queriesPath: q, queryEmbeddingsPath: qe, databasePath: q,
                                             databaseEmbeddingsPath: qe, dimension: 3)) { error in
            XCTAssertEqual(error as? InputFileError, InputFileError(path: q, line: 1, reason: .missingField("item_id")))
        }
    }

    func assertLoadError(_ jsonl: String, _ rows: [[Float]]?, f32Bytes: Int? = nil, dimension: Int = 2,
                         _ expected: (_ p: String, _ e: String) -> InputFileError,
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try TemporaryDirectory()
        let p = try dir.write("p.jsonl", jsonl)
        let e = dir.path("p.f32")
        if let rows { try dir.writeF32("p.f32", rows) }
        if let f32Bytes { try Data(count: f32Bytes).write(to: URL(fileURLWithPath: e)) }
        XCTAssertThrowsError(try ClusterInput(prospectsPath: p, embeddingsPath: e, dimension: dimension),
                             file: file, line: line) { error in
            XCTAssertEqual(error as? InputFileError, expected(p, e), file: file, line: line)
        }
    }

    let three = ["a", "b", "c"].map { #"{"prospect_id": "\#($0)"}"# + "\n" }.joined()

    func testEmbeddingErrors() throws {
        try assertLoadError(three, nil, f32Bytes: 20) { _, e in
            InputFileError(path: e, reason: .embeddingByteCount(bytes: 20, dimension: 2))
        }
        try assertLoadError(three, [[1, 0], [0, 1]]) { p, e in
            InputFileError(path: e, reason: .rowCountMismatch(rows: 2, lines: 3, jsonlPath: p))
        }
        // A NaN in a row beyond the last line is reported as a row count mismatch, not blamed on a missing line.
        try assertLoadError(three, [[1, 0], [0, 1], [1, 1], [.nan, 1]]) { p, e in
            InputFileError(path: e, reason: .rowCountMismatch(rows: 4, lines: 3, jsonlPath: p))
        }
        try assertLoadError(three, [[1, 0], [0, 1], [1, .nan]]) { p, e in
            InputFileError(path: e, reason: .nonFiniteEmbedding(row: 2, column: 1, jsonlPath: p))
        }
        try assertLoadError(three, [[1, 0], [-.infinity, 1], [1, 1]]) { p, e in
            InputFileError(path: e, reason: .nonFiniteEmbedding(row: 1, column: 0, jsonlPath: p))
        }
        try assertLoadError(three, nil) { _, e in
            InputFileError(path: e, reason: .unreadable("No such file or directory"))
        }
        for dimension in [0, -1] {
            try assertLoadError(three, [[1, 0]], dimension: dimension) { _, e in
                InputFileError(path: e, reason: .invalidDimension(dimension))
            }
        }
        // The JSONL file is checked first.
        try assertLoadError(three + "{}\n", nil, f32Bytes: 3) { p, _ in
            InputFileError(path: p, line: 4, reason: .missingField("prospect_id"))
        }
    }

    func testEmptyInput() throws {
        let dir = try TemporaryDirectory()
        let input = try ClusterInput(prospectsPath: try dir.write("p.jsonl", ""), embeddingsPath: try dir.write("p.f32", ""), dimension: 4)
        XCTAssertEqual(input.items.ids, [])
        XCTAssertEqual(input.items.matrix.rows, 0)
        XCTAssertEqual(input.order, [])
    }

    /// The 2,000-row real fixture: ids and rows line up and the order is sorted.
    func testRealFixture() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
        let p = fixtures.appendingPathComponent("debian-minilm-2000.jsonl").path
        let e = fixtures.appendingPathComponent("debian-minilm-2000.f32").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: p), "fixture not present")
        let input = try ClusterInput(prospectsPath: p, embeddingsPath: e, dimension: 384)
        XCTAssertEqual(input.items.ids.count, 2000)
        XCTAssertEqual(input.items.ids.first, "000172c426070175")
        let sorted = input.order.map { input.items.ids[$0] }
        XCTAssertTrue(zip(sorted, sorted.dropFirst()).allSatisfy { UTF16Order.precedes($0, $1) })
    }
}
