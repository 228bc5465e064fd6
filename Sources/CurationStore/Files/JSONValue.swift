import Foundation

/// A JSON value: what the commands print, and what curators exchange (tool inputs, rendered
/// request bodies, stored batches).
///
/// Parsing never crashes on odd shapes: anything JSON can say has a case, and callers inspect
/// the case they need (`objectValue`, `arrayValue`, …), getting nil for any other shape.
/// Serialization is deterministic: object keys sorted by UTF-16 code unit, no insignificant
/// whitespace, `.integer` as its digits and `.number` in its shortest round-trip form (`1.0`,
/// `0.82`, `1e-05`). Parsing gives `.integer` for an integral number below 2⁵³ in magnitude,
/// `.number` for any other, and equality compares numbers by value across the two cases.
///
/// ```swift
/// let input = try JSONValue(parsing: Data(#"{"decisions": [{"index": 1, "decision": "commit"}]}"#.utf8))
/// input["decisions"]?.arrayValue?.count   // 1
/// input.serialized()                      // {"decisions":[{"decision":"commit","index":1}]}
/// ```
public enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int)
    /// A double; non-finite values (which JSON cannot represent) are written as `null`.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses JSON text (any top-level value).
    /// - Throws: `JSONParseError` when `data` is not JSON.
    public init(parsing data: Data) throws(JSONParseError) {
        do {
            self = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw JSONParseError(reason: "\(error)")
        }
    }

    /// Parses JSON text (any top-level value).
    /// - Throws: `JSONParseError` when `text` is not JSON.
    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Data(text.utf8))
    }

    public init(from decoder: any Decoder) throws {
        // Cheapest first for tool inputs (mostly strings, then numbers, then objects): each
        // failed attempt costs a thrown error.
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Double.self) {
            self = value == value.rounded() && abs(value) < 9_007_199_254_740_992 ? .integer(Int(value)) : .number(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(JSONObject(value.map { (key: $0.key, value: $0.value) }))
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if container.decodeNil() {
            self = .null
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes `self`; an object with canonically equivalent keys keeps the first of them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(Dictionary(value.members, uniquingKeysWith: { first, _ in first }))
        }
    }

    /// Whether `lhs` and `rhs` are the same value; `.integer` and `.number` compare by value
    /// (JSON does not tell `1` from `1.0`), objects member by member whatever their order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default:
            guard let a = lhs.numberValue, let b = rhs.numberValue else { return false }
            return a == b
        }
    }

    /// The members when `self` is an object.
    public var objectValue: JSONObject? {
        if case let .object(value) = self { return value }
        return nil
    }

    /// The elements when `self` is an array.
    public var arrayValue: [JSONValue]? {
        if case let .array(value) = self { return value }
        return nil
    }

    /// The text when `self` is a string.
    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The number when `self` is a number (`.integer` or `.number`).
    public var numberValue: Double? {
        switch self {
        case let .integer(value): Double(value)
        case let .number(value): value
        default: nil
        }
    }

    /// The member `key` when `self` is an object that has it.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The compact, deterministic JSON text of `self`.
    /// - Complexity: O(size of the value).
    public func serialized() -> String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { serialized() }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case let .integer(value): out.append(contentsOf: String(value).utf8)
        case let .number(value):
            // Swift's description of a finite Double is its shortest round-trip form, and valid
            // JSON ("0.82", "1.0", "1e-05", "-0.0").
            out.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
        case let .string(value): Self.writeString(value, to: &out)
        case let .array(values):
            out.append(UInt8(ascii: "["))
            for (i, value) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(object):
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, every other
    /// scalar written as UTF-8 unchanged (no normalization).
    private static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// The members of a JSON object, sorted by the UTF-16 code units of their keys (equal keys keep their
/// order). Keys are kept as given: never merged by Swift's canonical string equivalence.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The members, in UTF-16 order of their keys.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// An object of `members`, in any order.
    public init(_ members: [(key: String, value: JSONValue)]) {
        self.members = UTF16Order.sortedIndices(of: members.map(\.key)).map { members[$0] }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    /// The value of the first member named `key` (by Swift string equality), if any.
    public subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.elementsEqual(rhs.members) { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}

/// Text that is not JSON.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parser's explanation.
    public let reason: String
    public var description: String { "invalid JSON: \(reason)" }
}
