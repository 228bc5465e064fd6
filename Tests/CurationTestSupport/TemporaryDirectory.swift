import Foundation

/// A temporary directory removed when released, and helpers to write input files into it.
package class TemporaryDirectory {
    package let url: URL

    package init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("curation-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    package func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    package func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    /// Writes `lines`, each ended by a newline, to `name` and returns its path.
    @discardableResult
    package func writeLines(_ name: String, _ lines: [String]) throws -> String {
        try write(name, lines.map { $0 + "\n" }.joined())
    }

    /// Writes `rows` as little-endian float32 to `name` and returns its path.
    @discardableResult
    package func writeF32(_ name: String, _ rows: [[Float]]) throws -> String {
        var data = Data()
        for value in rows.joined() { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url.appendingPathComponent(name))
        return path(name)
    }

    /// Writes one `{"<field>": id}` line per id and returns the path.
    @discardableResult
    package func writeJSONL(_ name: String, field: String = "prospect_id", _ ids: [String]) throws -> String {
        try write(name, ids.map { #"{"\#(field)": "\#($0)"}"# + "\n" }.joined())
    }

    /// One JSON object per line, keys sorted.
    package static func line(_ fields: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The fixture file `name` of `Tests/Fixtures`.
    package static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }
}
