import CurationStore
import XCTest

/// `JSONValue(encoding:)`: what the commands' results print.
final class JSONValueEncoderTests: XCTestCase {
    private struct Row: Encodable {
        struct Inner: Encodable { let b: Bool; let list: [Int?] }
        let name: String
        let count: Int
        let score: Double
        let missing: String?
        let inner: Inner
        let byID: [String: Double]
    }

    /// Synthesized conformances: keys sorted, nil optionals written as null (not left out),
    /// numbers in `JSONValue`'s shortest round-trip form, nested containers and dictionaries.
    func testSynthesizedConformancesKeepEveryKey() throws {
        let row = Row(name: "a\"/b", count: 3, score: 0.82, missing: nil, inner: .init(b: true, list: [1, nil]),
                      byID: ["z": 1, "a": 0.5])
        XCTAssertEqual(try JSONValue(encoding: row).serialized(),
                       #"{"byID":{"a":0.5,"z":1.0},"count":3,"inner":{"b":true,"list":[1,null]},"missing":null,"name":"a\"/b","score":0.82}"#)
    }

    private struct Merged: Encodable {
        enum Keys: String, CodingKey { case outer }
        let inner: Row.Inner
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .outer)
            try inner.encode(to: encoder)
        }
    }

    /// Two keyed containers on one encoder make one object (how results add their context).
    func testContainersOnOneEncoderMerge() throws {
        XCTAssertEqual(try JSONValue(encoding: Merged(inner: .init(b: false, list: []))).serialized(),
                       #"{"b":false,"list":[],"outer":1}"#)
    }

    private struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }

    func testAValueThatEncodesNothingIsRefused() {
        XCTAssertThrowsError(try JSONValue(encoding: Nothing()))
        XCTAssertEqual(try JSONValue(encoding: [Nothing?.none]).serialized(), "[null]")
    }
}
