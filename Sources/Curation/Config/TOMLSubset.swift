import CurationStore

/// A value of the TOML subset `curate.toml` is written in.
package enum TOMLValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)

    /// "a string", "an integer", "a float" or "a boolean".
    package var kind: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        }
    }

    package var description: String {
        switch self {
        case let .string(text): text.debugDescription
        case let .integer(value): String(value)
        case let .float(value): String(value)
        case let .boolean(value): String(value)
        }
    }
}

/// One `key = value` line of a TOML file.
package struct TOMLEntry: Equatable, Sendable {
    /// The `[section]` the key is under, nil at the top of the file.
    package let section: String?
    /// The bare key.
    package let key: String
    /// The value.
    package let value: TOMLValue
    /// The 1-based line of the entry.
    package let line: Int
}

/// A parser for the subset of TOML that configuration files need:
///
/// - comments (`# …`, whole-line or after a value) and blank lines;
/// - `[section]` headers with a bare name (letters, digits, `_`, `-`);
/// - `key = value` with a bare key and a value that is a basic string (`"…"`, with the escapes
///   `\" \\ \b \t \n \f \r \uXXXX \UXXXXXXXX`), a literal string (`'…'`), a decimal integer, a float
///   (`0.82`, `1e-3`, `-0.5`; `_` between digits allowed) or `true`/`false`.
///
/// Anything else (arrays, inline tables, dates, dotted or quoted keys, multi-line strings,
/// `[[array tables]]`) is refused with the line number, as are duplicate keys and sections:
/// nothing is silently ignored.
package enum TOMLSubset {
    /// The entries of `text`, in file order.
    /// - Parameters:
    ///   - path: the file name used in errors.
    ///   - knownSections: when given, a `[section]` header naming another section is an error.
    /// - Throws: `ConfigError` naming `path` and the 1-based line.
    package static func parse(_ text: String, path: String, knownSections: [String]? = nil) throws(ConfigError) -> [TOMLEntry] {
        var entries: [TOMLEntry] = []
        var section: String? = nil
        var sectionLines: [String: Int] = [:]
        var keyLines: [String: Int] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var cursor = Cursor(Array(rawLine.unicodeScalars), line: lineNumber, path: path)
            if cursor.scalars.last == "\r" { cursor.scalars.removeLast() }
            cursor.skipSpaces()
            if cursor.atEndOrComment { continue }
            if cursor.peek == "[" {
                cursor.index += 1
                if cursor.peek == "[" { throw cursor.error("arrays of tables ([[…]]) are not supported") }
                cursor.skipSpaces()
                let name = cursor.bareKey()
                guard !name.isEmpty else { throw cursor.error("expected a section name such as [planner]") }
                cursor.skipSpaces()
                if cursor.peek == "." { throw cursor.error("dotted section names are not supported") }
                guard cursor.peek == "]" else { throw cursor.error("expected ] after the section name") }
                cursor.index += 1
                try cursor.expectEndOfLine()
                if let knownSections, !knownSections.contains(name) {
                    throw cursor.error("unknown section [\(name)] (known sections: \(knownSections.map { "[\($0)]" }.joined(separator: ", ")))")
                }
                if let first = sectionLines.updateValue(lineNumber, forKey: name) {
                    throw cursor.error("duplicate section [\(name)] (first on line \(first))")
                }
                section = name
                continue
            }
            if cursor.peek == "\"" || cursor.peek == "'" { throw cursor.error("quoted keys are not supported") }
            let key = cursor.bareKey()
            guard !key.isEmpty else { throw cursor.error("expected key = value, a [section] or a # comment") }
            cursor.skipSpaces()
            if cursor.peek == "." { throw cursor.error("dotted keys are not supported") }
            guard cursor.peek == "=" else { throw cursor.error("expected = after the key \(key.debugDescription)") }
            cursor.index += 1
            cursor.skipSpaces()
            let value = try cursor.value()
            try cursor.expectEndOfLine()
            let fullKey = (section.map { $0 + "." } ?? "") + key
            if let first = keyLines.updateValue(lineNumber, forKey: fullKey) {
                throw cursor.error("duplicate key \(key.debugDescription) (first on line \(first))")
            }
            entries.append(TOMLEntry(section: section, key: key, value: value, line: lineNumber))
        }
        return entries
    }

    private struct Cursor {
        var scalars: [Unicode.Scalar]
        var index = 0
        let line: Int
        let path: String

        init(_ scalars: [Unicode.Scalar], line: Int, path: String) {
            self.scalars = scalars
            self.line = line
            self.path = path
        }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        var atEndOrComment: Bool { peek == nil || peek == "#" }

        func error(_ message: String) -> ConfigError { ConfigError(path: path, line: line, message: message) }

        mutating func skipSpaces() {
            while let c = peek, c == " " || c == "\t" { index += 1 }
        }

        mutating func expectEndOfLine() throws(ConfigError) {
            skipSpaces()
            guard atEndOrComment else {
                throw error("unexpected \(String(String.UnicodeScalarView(scalars[index...])).debugDescription) at the end of the line")
            }
        }

        static func isBare(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
        }

        mutating func bareKey() -> String {
            var out = String.UnicodeScalarView()
            while let c = peek, Self.isBare(c) {
                out.append(c)
                index += 1
            }
            return String(out)
        }

        mutating func value() throws(ConfigError) -> TOMLValue {
            guard let first = peek, first != "#" else { throw error("missing value after =") }
            switch first {
            case "\"":
                if scalars[index...].starts(with: ["\"", "\"", "\""]) { throw error("multi-line strings are not supported") }
                return .string(try basicString())
            case "'":
                if scalars[index...].starts(with: ["'", "'", "'"]) { throw error("multi-line strings are not supported") }
                index += 1
                var out = String.UnicodeScalarView()
                while let c = peek, c != "'" {
                    out.append(c)
                    index += 1
                }
                guard peek == "'" else { throw error("unterminated string (a string must close on its line)") }
                index += 1
                return .string(String(out))
            case "[": throw error("arrays are not supported")
            case "{": throw error("inline tables are not supported")
            default:
                var token = String.UnicodeScalarView()
                while let c = peek, c != " ", c != "\t", c != "#" {
                    token.append(c)
                    index += 1
                }
                guard let value = Self.scalarValue(String(token)) else {
                    throw error("invalid value \(String(token).debugDescription) (expected a \"string\", a number, true or false)")
                }
                return value
            }
        }

        mutating func basicString() throws(ConfigError) -> String {
            index += 1
            var out = String.UnicodeScalarView()
            while let c = peek {
                index += 1
                switch c {
                case "\"": return String(out)
                case "\\":
                    guard let e = peek else { break }
                    index += 1
                    switch e {
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    case "b": out.append("\u{8}")
                    case "t": out.append("\t")
                    case "n": out.append("\n")
                    case "f": out.append("\u{C}")
                    case "r": out.append("\r")
                    case "u", "U":
                        let count = e == "u" ? 4 : 8
                        guard index + count <= scalars.count,
                              let code = UInt32(String(String.UnicodeScalarView(scalars[index..<(index + count)])), radix: 16),
                              let scalar = Unicode.Scalar(code) else {
                            throw error("invalid \\\(e) escape in a string (expected \(count) hex digits of a Unicode scalar)")
                        }
                        out.append(scalar)
                        index += count
                    default: throw error("invalid escape \\\(e) in a string")
                    }
                default:
                    if c.value < 0x20 && c != "\t" || c.value == 0x7F { throw error("control character in a string") }
                    out.append(c)
                }
            }
            throw error("unterminated string (a string must close on its line)")
        }

        /// An integer, a float or a boolean, or nil.
        static func scalarValue(_ token: String) -> TOMLValue? {
            if token == "true" { return .boolean(true) }
            if token == "false" { return .boolean(false) }
            if token == "inf" || token == "+inf" { return .float(.infinity) }
            if token == "-inf" { return .float(-.infinity) }
            if token == "nan" || token == "+nan" || token == "-nan" { return .float(.nan) }
            let bytes = Array(token.utf8)
            // Underscores only between two digits.
            for (i, b) in bytes.enumerated() where b == UInt8(ascii: "_") {
                guard i > 0, i + 1 < bytes.count, isDigit(bytes[i - 1]), isDigit(bytes[i + 1]) else { return nil }
            }
            let plain = bytes.filter { $0 != UInt8(ascii: "_") }
            var i = 0
            if i < plain.count, plain[i] == UInt8(ascii: "+") || plain[i] == UInt8(ascii: "-") { i += 1 }
            let intStart = i
            while i < plain.count, isDigit(plain[i]) { i += 1 }
            let intDigits = i - intStart
            guard intDigits > 0, intDigits == 1 || plain[intStart] != UInt8(ascii: "0") else { return nil }
            var isFloat = false
            if i < plain.count, plain[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < plain.count, isDigit(plain[i]) { i += 1 }
                guard i > start else { return nil }
                isFloat = true
            }
            if i < plain.count, plain[i] == UInt8(ascii: "e") || plain[i] == UInt8(ascii: "E") {
                i += 1
                if i < plain.count, plain[i] == UInt8(ascii: "+") || plain[i] == UInt8(ascii: "-") { i += 1 }
                let start = i
                while i < plain.count, isDigit(plain[i]) { i += 1 }
                guard i > start else { return nil }
                isFloat = true
            }
            guard i == plain.count else { return nil }
            let text = String(decoding: plain, as: UTF8.self)
            if isFloat { return Double(text).map { .float($0) } }
            return Int(text).map { .integer($0) }
        }

        static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    }
}
