import Foundation

/// Line-level reading of JSON Lines files, shared by the id reader and the importers.
///
/// Rules: lines end in `\n` (a `\r` before it is tolerated); every line is one JSON object; an
/// empty or whitespace-only line is an error unless only blank lines follow it (so a trailing
/// newline, or several, is fine). Line numbers are 1-based.
enum JSONLines {
    /// The whole file at `path`, read with POSIX calls so the error names the system's reason.
    /// Works for pipes and other non-regular files too.
    static func contents(ofFile path: String) throws(InputFileError) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputFileError(path: path, reason: .unreadable(Self.systemReason())) }
        defer { close(fd) }
        var info = stat()
        var capacity = 1 << 16
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { capacity = max(Int(info.st_size) + 1, 1) }
        var buffer = [UInt8](repeating: 0, count: capacity)
        var used = 0
        while true {
            if used == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, $0.count - used) }
            if got < 0 {
                if errno == EINTR { continue }
                throw InputFileError(path: path, reason: .unreadable(Self.systemReason()))
            }
            if got == 0 { break }
            used += got
        }
        buffer.removeSubrange(used...)
        return Data(buffer)
    }

    /// Calls `body(line, object)` for every line of `data`, in order, after checking the
    /// line-level rules above.
    /// - Parameter path: the file name used in errors.
    /// - Throws: `InputFileError` for a blank line in the middle, invalid JSON or a line that is
    ///   not an object, and whatever `body` throws.
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

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
