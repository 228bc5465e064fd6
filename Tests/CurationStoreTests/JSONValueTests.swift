import Curation
import CurationStore
import XCTest

/// The one JSON value type: the commands' output rules and the curators' parsing rules.
final class JSONValueTests: XCTestCase {
    /// Doubles keep their shortest round-trip form; integers, parsed or given, print as digits.
    func testNumbersSerializeByCase() throws {
        let value: JSONValue = [.number(1), .number(-0.0), .number(0.82), .number(.nan), .integer(1), 2]
        XCTAssertEqual(value.serialized(), "[1.0,-0.0,0.82,null,1,2]")
        XCTAssertEqual(try JSONValue(parsing: "[1.0, 1e2, -0, 2.5, 1e300]").serialized(), "[1,100,0,2.5,1e+300]")
        XCTAssertEqual(JSONValue.integer(3), .number(3))
    }

    /// Canonically equivalent keys stay two members, sorted by UTF-16 code unit.
    func testObjectKeysAreKeptAsGiven() {
        let object = JSONObject([("e\u{301}", .integer(2)), ("\u{E9}", .integer(1)), ("a", .null)])
        XCTAssertEqual(JSONValue.object(object).serialized(), "{\"a\":null,\"e\u{301}\":2,\"\u{E9}\":1}")
        XCTAssertEqual(object.members.count, 3)
    }
}
