import Curation

/// A JSON document built by the commands and serialized deterministically: object keys sorted
/// by Unicode code point, no insignificant whitespace, doubles in their shortest round-trip form.
indirect enum JSONValue {
    case null
    case bool(Bool)
    case integer(Int)
    /// A double; non-finite values (which JSON cannot represent) are written as `null`.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The compact JSON text of `self`.
    func serialized() -> String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

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
            let keys = object.members.map(\.key)
            for (n, i) in CodePointOrder.sortedIndices(of: keys).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(keys[i], to: &out)
                out.append(UInt8(ascii: ":"))
                object.members[i].value.write(to: &out)
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

/// The members of a JSON object. Keys are kept as given (never merged by Swift's canonical
/// string equivalence) and sorted by code point when serialized.
struct JSONObject: ExpressibleByDictionaryLiteral {
    var members: [(key: String, value: JSONValue)]

    init(_ members: [(key: String, value: JSONValue)]) {
        self.members = members
    }

    init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }
}
