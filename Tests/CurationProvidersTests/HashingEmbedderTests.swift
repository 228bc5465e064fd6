import Curation
import CurationProviders
import CurationStore
import XCTest

final class HashingEmbedderTests: XCTestCase {
    /// Golden values, computed by an independent implementation of the documented algorithm.
    func testGoldenValues() {
        let embedder = HashingEmbedder()
        XCTAssertEqual(embedder.dimension, 384)
        func nonZero(_ text: String) -> [(Int, Float)] {
            embedder.embed(text).enumerated().filter { $0.element != 0 }.map { ($0.offset, $0.element) }
        }
        let curl = nonZero("curl. Command line tool for transferring data with URL syntax")
        XCTAssertEqual(curl.count, 94)
        XCTAssertEqual(curl.prefix(6).map(\.0), [1, 2, 11, 16, 23, 27])
        XCTAssertEqual(curl.prefix(6).map(\.1), [-0.09325048327445984, 0.09325048327445984, -0.09325048327445984,
                                                 -0.09325048327445984, 0.09325048327445984, 0.09325048327445984])
        let unicode = nonZero("Ünïcödé  Straße\tÉcole")
        XCTAssertEqual(unicode.count, 36)
        XCTAssertEqual(unicode.prefix(6).map(\.0), [20, 25, 47, 48, 54, 59])
        XCTAssertEqual(unicode.prefix(6).map(\.1), [-0.1601281464099884, -0.1601281464099884, -0.1601281464099884,
                                                    -0.1601281464099884, 0.1601281464099884, -0.1601281464099884])
        let ab = nonZero("ab")
        XCTAssertEqual(ab.map(\.0), [56, 62, 328])
        XCTAssertEqual(ab.map(\.1), [0.5773502588272095, -0.5773502588272095, -0.5773502588272095])
        XCTAssertEqual(HashingEmbedder(dimension: 8).embed("ab"), [0, 0, 0, 0, 0, 0, -1, 0])
        XCTAssertEqual(FNV1a64.hash("abc".utf8), 0xe71f_a219_0541_574b)
        XCTAssertEqual(FNV1a64.hash([UInt8]()), 0xcbf2_9ce4_8422_2325)
    }

    func testDeterministicAndNormalised() {
        let texts = ["curl. Command line tool", "", "   ", "a", "Ünïcödé", String(repeating: "long text ", count: 200)]
        let first = HashingEmbedder().embed(texts)
        XCTAssertEqual(first, HashingEmbedder().embed(texts))
        XCTAssertEqual(first, texts.map { HashingEmbedder().embed($0) })
        for (text, vector) in zip(texts, first) {
            XCTAssertEqual(vector.count, 384)
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            if text.allSatisfy(\.isWhitespace) {
                XCTAssertEqual(norm, 0, "an empty text gives the zero vector")
            } else {
                XCTAssertEqual(norm, 1, accuracy: 1e-6, text)
            }
        }
    }

    func testCaseWhitespaceAndNormalisationDoNotMatter() {
        let embedder = HashingEmbedder(dimension: 64)
        XCTAssertEqual(embedder.embed("\u{C9}cole  Normale"), embedder.embed("e\u{301}cole normale"))
        XCTAssertEqual(embedder.embed(" Hello\n\tWorld "), embedder.embed("hello world"))
        XCTAssertNotEqual(embedder.embed("hello world"), embedder.embed("hello word"))
    }

    func testSimilarTextsAreCloserThanUnrelatedOnes() {
        let embedder = HashingEmbedder()
        func cosine(_ a: String, _ b: String) -> Float {
            zip(embedder.embed(a), embedder.embed(b)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        XCTAssertGreaterThan(cosine("libcurl development files", "libcurl development headers"),
                             cosine("libcurl development files", "haskell profiling libraries"))
    }
}
