import NIOCore

/// A JSON value built in code, serialised compactly with object keys in the order given.
enum WireJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case float(Float)
    case string(String)
    case array([WireJSON])
    case object([(String, WireJSON)])
    /// A value serialised already (UTF-8 JSON), written as it is.
    case raw([UInt8])

    /// `value` as a string, or `null` when nil.
    static func optional(_ value: String?) -> WireJSON {
        value.map(WireJSON.string) ?? .null
    }

    /// The compact serialisation as UTF-8 bytes.
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(to: &bytes)
        return bytes
    }

    /// The compact serialisation as a buffer.
    func buffer() -> ByteBuffer {
        ByteBuffer(bytes: bytes)
    }

    /// The compact serialisation as a string.
    var text: String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the compact serialisation to `bytes`.
    /// - Complexity: O(size of the output).
    func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case let .bool(value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case let .int(value): bytes.append(contentsOf: String(value).utf8)
        case let .double(value): bytes.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
        case let .float(value): bytes.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
        case let .string(value): Self.writeString(value, to: &bytes)
        case let .raw(value): bytes.append(contentsOf: value)
        case let .array(values):
            bytes.append(UInt8(ascii: "["))
            for (position, value) in values.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case let .object(members):
            bytes.append(UInt8(ascii: "{"))
            for (position, (key, value)) in members.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes `text` as a JSON string literal (RFC 8259 escapes; non-ASCII passes through as UTF-8).
    private static func writeString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var pending = text.utf8.startIndex
        for index in text.utf8.indices {
            let byte = text.utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: text.utf8[pending..<index])
            pending = text.utf8.index(after: index)
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: #"\t"#.utf8)
            default: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            }
        }
        bytes.append(contentsOf: text.utf8[pending...])
        bytes.append(UInt8(ascii: "\""))
    }
}

extension WireJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: WireJSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, WireJSON)...) { self = .object(elements) }
    init(nilLiteral: ()) { self = .null }
}
