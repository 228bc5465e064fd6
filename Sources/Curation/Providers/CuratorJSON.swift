import Foundation

/// A JSON value as curators exchange them: tool inputs, rendered request bodies, stored batches.
///
/// Parsing never crashes on odd shapes: anything JSON can say has a case, and callers inspect
/// the case they need (`objectValue`, `arrayValue`, …), getting nil for any other shape.
/// Serialization is deterministic: object keys sorted by Unicode code point, no insignificant
/// whitespace, integral numbers below 2⁵³ written without a fraction.
///
/// ```swift
/// let input = try CuratorJSON(parsing: Data(#"{"decisions": [{"index": 1, "action": "commit"}]}"#.utf8))
/// input["decisions"]?.arrayValue?.count   // 1
/// input.serialized()                      // {"decisions":[{"action":"commit","index":1}]}
/// ```
public enum CuratorJSON: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([CuratorJSON])
    case object([String: CuratorJSON])

    /// Parses JSON text (any top-level value).
    /// - Throws: `CuratorJSONError` when `data` is not JSON.
    public init(parsing data: Data) throws(CuratorJSONError) {
        do {
            self = try JSONDecoder().decode(CuratorJSON.self, from: data)
        } catch {
            throw CuratorJSONError(reason: "\(error)")
        }
    }

    /// Parses JSON text (any top-level value).
    /// - Throws: `CuratorJSONError` when `text` is not JSON.
    public init(parsing text: String) throws(CuratorJSONError) {
        try self.init(parsing: Data(text.utf8))
    }

    public init(from decoder: any Decoder) throws {
        // Cheapest first for tool inputs (mostly strings, then numbers, then objects): each
        // failed attempt costs a thrown error.
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([String: CuratorJSON].self) {
            self = .object(value)
        } else if let value = try? container.decode([CuratorJSON].self) {
            self = .array(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if container.decodeNil() {
            self = .null
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    /// The members when `self` is an object.
    public var objectValue: [String: CuratorJSON]? {
        if case let .object(value) = self { return value }
        return nil
    }

    /// The elements when `self` is an array.
    public var arrayValue: [CuratorJSON]? {
        if case let .array(value) = self { return value }
        return nil
    }

    /// The text when `self` is a string.
    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The number when `self` is a number.
    public var numberValue: Double? {
        if case let .number(value) = self { return value }
        return nil
    }

    /// The member `key` when `self` is an object that has it.
    public subscript(key: String) -> CuratorJSON? {
        objectValue?[key]
    }

    /// The compact, deterministic JSON text of `self`.
    /// - Complexity: O(size of the value), plus sorting each object's keys.
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
        case let .number(value):
            if !value.isFinite {
                out.append(contentsOf: "null".utf8)
            } else if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
                out.append(contentsOf: String(Int64(value)).utf8)
            } else {
                out.append(contentsOf: value.description.utf8)
            }
        case let .string(value): Self.writeString(value, to: &out)
        case let .array(values):
            out.append(UInt8(ascii: "["))
            for (i, value) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            let keys = Array(members.keys)
            for (n, i) in CodePointOrder.sortedIndices(of: keys).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(keys[i], to: &out)
                out.append(UInt8(ascii: ":"))
                members[keys[i]]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

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

extension CuratorJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: CuratorJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, CuratorJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { first, _ in first }))
    }
    public init(nilLiteral: ()) { self = .null }
}

/// Text that is not JSON.
public struct CuratorJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parser's explanation.
    public let reason: String
    public var description: String { "invalid JSON: \(reason)" }
}
