import Foundation

/// Typed access to the fields of one JSON Lines object, with line-numbered errors.
struct FieldReader {
    let object: [String: Any]
    let path: String
    let line: Int

    private func problem(_ field: String, _ text: String) -> ImportError {
        .invalidField(path: path, line: line, field: field, problem: text)
    }

    private func isNull(_ value: Any?) -> Bool { value == nil || value is NSNull }

    /// A required, non-empty string (the shared reader's messages for missing / non-string).
    func requiredString(_ field: String) throws(ImportError) -> String {
        guard let value = object[field] else { throw .input(InputFileError(path: path, line: line, reason: .missingField(field))) }
        guard let text = value as? String else {
            throw .input(InputFileError(path: path, line: line, reason: .nonStringField(field, found: JSONLines.kind(of: value))))
        }
        guard !text.isEmpty else { throw problem(field, "must not be empty") }
        return text
    }

    /// An optional string: absent or null gives nil.
    func optionalString(_ field: String) throws(ImportError) -> String? {
        let value = object[field]
        if isNull(value) { return nil }
        guard let text = value as? String else { throw problem(field, "must be a string, found \(JSONLines.kind(of: value!))") }
        return text
    }

    /// A number in `range`, or `fallback` when absent or null.
    func number(_ field: String, in range: ClosedRange<Double>, default fallback: Double) throws(ImportError) -> Double {
        let value = object[field]
        if isNull(value) { return fallback }
        guard JSONLines.kind(of: value!) == "a number", let number = (value as? NSNumber)?.doubleValue else {
            throw problem(field, "must be a number in [\(range.lowerBound), \(range.upperBound)], found \(JSONLines.kind(of: value!))")
        }
        guard number.isFinite, range.contains(number) else {
            throw problem(field, "must be a number in [\(range.lowerBound), \(range.upperBound)], found \(number)")
        }
        return number
    }

    /// A required timestamp, normalised to UTC.
    func timestamp(_ field: String) throws(ImportError) -> UTCTimestamp {
        let text = try requiredString(field)
        do {
            return try UTCTimestamp(iso8601: text)
        } catch {
            throw problem(field, "must be an ISO-8601 timestamp with Z or a UTC offset: \(error)")
        }
    }

    /// Any JSON value except null, as compact JSON text (keys sorted); nil when absent or null.
    func json(_ field: String) throws(ImportError) -> String? {
        let value = object[field]
        if isNull(value) { return nil }
        guard let text = Self.canonicalJSON(value!) else { throw problem(field, "cannot be stored as JSON") }
        return text
    }

    /// A JSON column of the original's rows as JSON text: a string holding a JSON object or array
    /// (its query tool prints JSON columns either way) is stored as that JSON, any other value
    /// as it is; nil when absent or null.
    func jsonColumn(_ field: String) throws(ImportError) -> String? {
        if let text = object[field] as? String, let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
           parsed is [String: Any] || parsed is [Any] {
            return Self.canonicalJSON(parsed)
        }
        return try json(field)
    }

    /// An optional number (in `range` when given); absent or null gives nil.
    func optionalNumber(_ field: String, in range: ClosedRange<Double>? = nil) throws(ImportError) -> Double? {
        let value = object[field]
        if isNull(value) { return nil }
        let expected = range.map { "a number in [\($0.lowerBound), \($0.upperBound)]" } ?? "a number"
        guard JSONLines.kind(of: value!) == "a number", let number = (value as? NSNumber)?.doubleValue, number.isFinite else {
            throw problem(field, "must be \(expected) or null, found \(JSONLines.kind(of: value!))")
        }
        if let range, !range.contains(number) { throw problem(field, "must be \(expected) or null, found \(number)") }
        return number
    }

    /// An optional integer: a JSON integer, or a string of one (the original's query tool prints
    /// 64-bit integers as strings); absent or null gives nil.
    func optionalInteger(_ field: String) throws(ImportError) -> Int? {
        let value = object[field]
        if isNull(value) { return nil }
        if let text = value as? String, let number = Int(text) { return number }
        if JSONLines.kind(of: value!) == "a number", let number = (value as? NSNumber)?.doubleValue,
           number == number.rounded(), abs(number) < 9.0e15 {
            return Int(number)
        }
        throw problem(field, "must be an integer (or a string of one) or null, found \(Self.describe(value!))")
    }

    /// An optional JSON object, given as an object or as a string holding one (the original's
    /// JSON columns are printed either way); absent or null gives nil.
    func jsonObject(_ field: String) throws(ImportError) -> [String: Any]? {
        let value = object[field]
        if isNull(value) { return nil }
        if let dictionary = value as? [String: Any] { return dictionary }
        if let text = value as? String, let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
           let dictionary = parsed as? [String: Any] {
            return dictionary
        }
        throw problem(field, "must be a JSON object (or a string holding one) or null, found \(Self.describe(value!))")
    }

    /// An optional array of strings, given as an array or as a string holding one; absent or
    /// null gives nil.
    func stringArray(_ field: String) throws(ImportError) -> [String]? {
        let value = object[field]
        if isNull(value) { return nil }
        var array = value as? [Any]
        if let text = value as? String, let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)) {
            array = parsed as? [Any]
        }
        guard let strings = array?.compactMap({ $0 as? String }), strings.count == array?.count else {
            throw problem(field, "must be an array of strings (or a string holding one) or null, found \(Self.describe(value!))")
        }
        return strings
    }

    /// A required id: a non-empty string, or an integer (kept as its digits).
    func requiredID(_ field: String) throws(ImportError) -> String {
        if let value = object[field], JSONLines.kind(of: value) == "a number", let number = (value as? NSNumber)?.doubleValue,
           number == number.rounded(), abs(number) < 9.0e15 {
            return String(Int(number))
        }
        return try requiredString(field)
    }

    /// Text as the original reads it: a string as it is, absent or null as `""`, any other value
    /// as its JSON text.
    func text(_ field: String) -> String {
        let value = object[field]
        if isNull(value) { return "" }
        return value as? String ?? Self.canonicalJSON(value!) ?? ""
    }

    /// `value` as compact JSON text with sorted keys (nil when it cannot be serialized).
    static func canonicalJSON(_ value: Any) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys,
                                                                                     .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// What `value` is, for messages: its kind, and a string's text.
    private static func describe(_ value: Any) -> String {
        guard let text = value as? String else { return JSONLines.kind(of: value) }
        return "the string \(String(text.prefix(40)).debugDescription)"
    }

    /// An optional inline embedding: an array of numbers, each finite as a float32; returned as
    /// little-endian float32 bytes and the count.
    func embedding(_ field: String = "embedding") throws(ImportError) -> (Data, Int)? {
        let value = object[field]
        if isNull(value) { return nil }
        guard let array = value as? [Any] else { throw problem(field, "must be an array of numbers, found \(JSONLines.kind(of: value!))") }
        guard !array.isEmpty else { throw problem(field, "must not be empty") }
        var floats = [Float](repeating: 0, count: array.count)
        for (i, element) in array.enumerated() {
            guard let number = element as? NSNumber, JSONLines.kind(of: element) == "a number" else {
                throw problem(field, "value \(i) must be a number, found \(JSONLines.kind(of: element))")
            }
            let float = number.floatValue
            guard float.isFinite else {
                throw problem(field, "value \(i) is NaN or infinite as a float32 (\(number.doubleValue))")
            }
            floats[i] = float
        }
        guard floats.contains(where: { $0 != 0 }) else { throw problem(field, "is all zeros, a vector without direction") }
        return (EmbeddingBlob.data(from: floats), floats.count)
    }
}
