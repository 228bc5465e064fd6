import Foundation

/// Line-level reading of JSON Lines files, shared by the id reader and the importers.
///
/// Rules: lines end in `\n` (a `\r` before it is tolerated); every line is one JSON object; an
/// empty or whitespace-only line is an error unless only blank lines follow it (so a trailing
/// newline, or several, is fine); a line has at most `InputLimits.maxLineBytes` bytes and a file
/// at most `InputLimits.maxFileBytes`, and only regular files are read. Line numbers are 1-based.
package enum JSONLines {
    /// The whole file at `path`, after checking the file-level rules: a regular file (a device
    /// or a FIFO is refused at once), at most `InputLimits.maxFileBytes` (refused before it is
    /// read), no line longer than `InputLimits.maxLineBytes` (refused before any line is parsed).
    /// - Throws: `InputFileError` naming the file and, for a long line, the line.
    package static func contents(ofFile path: String) throws(InputFileError) -> Data {
        let data = try RegularFile(path: path).contents(maxBytes: InputLimits.maxFileBytes)
        try checkLineLengths(data, path: path)
        return data
    }

    /// Refuses the first line of `data` longer than `InputLimits.maxLineBytes` (its `\n` and a
    /// `\r` before it not counted).
    /// - Throws: `InputFileError` with `.lineTooLong` and the line's number.
    static func checkLineLengths(_ data: Data, path: String) throws(InputFileError) {
        let limit = InputLimits.maxLineBytes
        guard data.count > limit else { return }
        let tooLong: (line: Int, bytes: Int)? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            var line = 0, start = 0
            while start < raw.count {
                line += 1
                let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start)
                    .map { UnsafeRawPointer($0) - base } ?? raw.count
                var length = newline - start
                if length > 0 && raw[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
                if length > limit { return (line, length) }
                start = newline + 1
            }
            return nil
        }
        if let tooLong {
            throw InputFileError(path: path, line: tooLong.line, reason: .lineTooLong(bytes: tooLong.bytes, limit: limit))
        }
    }

    /// Calls `body(line, object)` for every line of `data`, in order, after checking the
    /// line-level rules above.
    /// - Parameter path: the file name used in errors.
    /// - Throws: `InputFileError` for a line longer than `InputLimits.maxLineBytes`, a blank line
    ///   in the middle, invalid JSON or a line that is not an object, and whatever `body` throws.
    static func forEachObject(
        in data: Data, path: String,
        _ body: (_ line: Int, _ object: [String: Any]) throws(InputFileError) -> Void
    ) throws(InputFileError) {
        let bytes = [UInt8](data)
        var firstPendingBlank: Int? = nil
        var line = 0
        var start = 0
        while start < bytes.count {
            line += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            defer { start = end + 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            guard contentEnd - start <= InputLimits.maxLineBytes else {
                throw InputFileError(path: path, line: line,
                                     reason: .lineTooLong(bytes: contentEnd - start, limit: InputLimits.maxLineBytes))
            }
            if bytes[start..<contentEnd].allSatisfy(Self.isJSONWhitespace) {
                if firstPendingBlank == nil { firstPendingBlank = line }
                continue
            }
            if let blank = firstPendingBlank { throw InputFileError(path: path, line: blank, reason: .blankLine) }
            let value: Any
            do {
                value = try JSONSerialization.jsonObject(
                    with: Data(bytes[start..<contentEnd]), options: [.fragmentsAllowed])
            } catch {
                throw InputFileError(path: path, line: line, reason: .invalidJSON(Self.parserReason(error)))
            }
            guard let object = value as? [String: Any] else {
                throw InputFileError(path: path, line: line, reason: .notAnObject(found: Self.kind(of: value)))
            }
            try body(line, object)
        }
    }

    /// "a string", "a number", "a boolean", "null", "an array" or "an object".
    static func kind(of value: Any) -> String {
        if value is String { return "a string" }
        if value is NSNull { return "null" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        if let number = value as? NSNumber {
            // JSONSerialization makes booleans NSNumbers of Objective-C type "c" (char).
            return String(cString: number.objCType) == "c" ? "a boolean" : "a number"
        }
        return "a \(type(of: value))"
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// The parser's own explanation (e.g. "invalid value around character 6"), without the
    /// generic "data is not in the correct format" wrapper.
    private static func parserReason(_ error: Error) -> String {
        var text = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        while text.hasSuffix(".") { text.removeLast() }
        guard let first = text.first else { return "unparsable line" }
        return first.lowercased() + text.dropFirst()
    }
}
