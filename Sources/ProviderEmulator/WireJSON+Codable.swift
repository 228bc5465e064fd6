import Foundation

/// Any JSON value read and written with `Codable` (the scripted content of outcome rules), and
/// looked into.
///
/// Decoding sorts object keys, so equal values decoded serialise to the same text; numbers
/// without a fraction that fit an `Int` stay integers.
extension WireJSON: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let values = try? container.decode([WireJSON].self) {
            self = .array(values)
        } else {
            self = .object(try container.decode([String: WireJSON].self).sorted { $0.key < $1.key })
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .int(value): try container.encode(value)
        case let .double(value): try container.encode(value)
        case let .float(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(values): try container.encode(values)
        case let .object(members):
            try container.encode(Dictionary(members, uniquingKeysWith: { _, last in last }))
        case let .raw(bytes): try container.encode(try Self.parse(bytes))
        }
    }

    /// The value of the JSON text `bytes`.
    /// - Throws: `DecodingError` when it is not JSON.
    static func parse(_ bytes: some Sequence<UInt8>) throws -> WireJSON {
        try JSONDecoder().decode(WireJSON.self, from: Data(bytes))
    }

    /// The member `key` of an object (nil for other values or a missing member).
    subscript(key: String) -> WireJSON? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The text of a string value, else nil.
    var string: String? {
        guard case let .string(value) = self else { return nil }
        return value
    }
}
